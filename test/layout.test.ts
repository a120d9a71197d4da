/**
 * The layout of docs/ARCHITECTURE.md, checked from the imports themselves: no module imports itself
 * through others (type imports count: they tie modules together for a reader all the same), each folder
 * of src/ imports only the folders below it, search reads the index through its reader interface only,
 * and the product never imports the benchmark, the tests or the tools.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../src/config.js';

/** Folders of src/, lowest first: a module may import its own folder and those before it, never after. */
const LAYERS = ['config.ts', 'language', 'corpus', 'embed', 'index', 'search', 'render', 'bot', 'cluster', 'cli'];
/** Modules of src/index/ that search may import: the reader interface, its local implementation, the backend chooser, the index's error type. */
const SEARCH_MAY_IMPORT_FROM_INDEX = ['src/index/reader.ts', 'src/index/local-reader.ts', 'src/index/open-reader.ts'];

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Relative imports of every source file under the given folders: file → files it imports (repository paths). */
function importGraph(dirs: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const dir of dirs) {
    for (const rel of fs.readdirSync(path.join(PROJECT_ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|mjs)$/.test(rel) || rel.endsWith('.d.ts')) continue;
      const file = path.posix.join(dir, rel.split(path.sep).join('/'));
      const source = fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
      const targets = [...source.matchAll(IMPORT)].map((m) => {
        const spec = (m[1] ?? m[2])!;
        return path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      });
      graph.set(file, targets);
    }
  }
  return graph;
}

/** Every cycle's modules (strongly connected components of more than one module, or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = ''; w !== v; ) {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      }
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[1]!);

test('the cycle finder finds a cycle (so that finding none means something)', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
});

test('no import cycles in src/, bench/, scripts/ and test/support/', () => {
  const graph = importGraph(['src', 'bench', 'scripts', 'test/support']);
  assert.ok(graph.size > 80, `only ${graph.size} modules found`);
  assert.deepEqual(cycles(graph), []);
});

test('each folder of src/ imports only the folders below it; search reads the index through its reader', () => {
  const graph = importGraph(['src']);
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (!target.startsWith('src/')) {
        wrong.push(`${file} → ${target} (the product imports nothing outside src/)`);
        continue;
      }
      const from = layerOf(file);
      const to = layerOf(target);
      assert.ok(from >= 0 && to >= 0, `${file} or ${target} is in no layer of LAYERS: add its folder`);
      if (to > from) wrong.push(`${file} → ${target} (${LAYERS[to]} is above ${LAYERS[from]})`);
      if (file.startsWith('src/search/') && target.startsWith('src/index/') && !SEARCH_MAY_IMPORT_FROM_INDEX.includes(target)) {
        wrong.push(`${file} → ${target} (search reads the index through src/index/reader.ts only)`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
