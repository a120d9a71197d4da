// Runs a project tool on plain node: `node scripts/run.mjs start|ingest|ask|eval|bench [args]`.
// Builds dist/ first when a source file changed (esbuild, well under a second), then runs
// dist/scripts/<tool>.js in this process, with the tool's own arguments.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const [tool, ...args] = process.argv.slice(2);
if (!tool || !/^[a-z-]+$/.test(tool)) {
  process.stderr.write('usage: node scripts/run.mjs TOOL [args]   (TOOL: a file of scripts/, e.g. start, ingest)\n');
  process.exit(2);
}
await build({ ifStale: true, quiet: true });
const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'scripts', `${tool}.js`);
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(entry).href);
