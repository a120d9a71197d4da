// `npm run build`: compiles src/ and scripts/ to dist/ (tsconfig.build.json), so that production runs
// `node dist/scripts/start.js` with no TypeScript loader.
//
// Worker threads do not inherit loader hooks, so a worker's entry under src/ is a small .mjs that
// registers tsx and imports the worker's .ts source (src/embed/worker-entry.mjs). tsc does not copy
// .mjs files; here each one gets a dist twin that imports the compiled .js directly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const TS_IMPORT = /await import\('(\.\/[^']+)\.ts'\);?/;
for (const file of fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.mjs')) continue;
  const source = fs.readFileSync(path.join(root, 'src', file), 'utf8');
  const target = TS_IMPORT.exec(source);
  const compiled = target
    ? `// Built from src/${file} by scripts/build.mjs: the compiled worker, no loader needed.\nawait import('${target[1]}.js');\n`
    : source;
  fs.writeFileSync(path.join(dist, 'src', file), compiled);
}
console.log(`built ${path.relative(process.cwd(), dist) || 'dist'}/ (production entry: node dist/scripts/start.js)`);
