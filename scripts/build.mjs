// `npm run build`: compiles src/, scripts/, bench/ and test/support/ to dist/ with esbuild (types are checked by `npm test` /
// `npm run typecheck`, not here), so that the tools run on plain node. A TypeScript loader costs every
// process ~40 MB and a loader thread (docs/PERFORMANCE.md, "Running on a small server").
//
//   node scripts/build.mjs             build dist/
//   node scripts/build.mjs --if-stale  only when a source file changed since the last build
//
// Worker threads do not inherit loader hooks, so a worker's entry under src/ is a small .mjs that
// registers tsx and imports the worker's .ts source (src/embed/worker-entry.mjs); its dist twin imports
// the compiled .js directly. The new dist/ is written beside the old one and swapped in, so a process
// running from dist/ never sees it half written.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const STAMP = 'BUILT_FROM';
// bench/ and test/support/ hold the benchmark, the load test and the emulators they run (npm run bench, loadtest).
const SOURCE_DIRS = ['src', 'scripts', 'bench', 'test/support'];

function sourceFiles() {
  return SOURCE_DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => path.join(dir, f)),
  ).sort();
}

/** What the build depends on: every source file's path, size and time. Equal stamps, equal builds. */
function stampOf(files) {
  return files.map((f) => {
    const s = fs.statSync(path.join(root, f));
    return `${f}\t${s.size}\t${Math.round(s.mtimeMs)}`;
  }).join('\n');
}

export async function build({ ifStale = false, quiet = false } = {}) {
  const files = sourceFiles();
  const stamp = stampOf(files);
  if (ifStale && fs.existsSync(path.join(dist, STAMP)) && fs.readFileSync(path.join(dist, STAMP), 'utf8') === stamp) return false;
  const { build: esbuild } = await import('esbuild');
  const next = `${dist}.${process.pid}.tmp`;
  fs.rmSync(next, { recursive: true, force: true });
  await esbuild({
    entryPoints: files.filter((f) => f.endsWith('.ts')).map((f) => path.join(root, f)),
    outdir: next,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  });
  const TS_IMPORT = /await import\('(\.\/[^']+)\.ts'\);?/;
  for (const file of files.filter((f) => f.endsWith('.mjs') && f.startsWith('src'))) {
    const source = fs.readFileSync(path.join(root, file), 'utf8');
    const target = TS_IMPORT.exec(source);
    const compiled = target ? `// Built from ${file} by scripts/build.mjs: the compiled worker, no loader needed.\nawait import('${target[1]}.js');\n` : source;
    fs.writeFileSync(path.join(next, file), compiled);
  }
  fs.writeFileSync(path.join(next, STAMP), stamp);
  // Two tools started at once may both build: whichever swaps in last wins, and both builds are the same.
  const old = `${dist}.${process.pid}.old`;
  try {
    fs.renameSync(dist, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  try {
    fs.renameSync(next, dist);
  } catch (err) {
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    fs.rmSync(next, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
  if (!quiet) process.stderr.write(`built ${path.relative(process.cwd(), dist) || 'dist'}/ (${files.length} files)\n`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build({ ifStale: process.argv.includes('--if-stale') });
}
