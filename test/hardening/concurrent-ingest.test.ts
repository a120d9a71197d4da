/**
 * Fault 1 (issue 15): two ingests started at the same instant. The lock is taken by exactly one
 * process (an exclusive create of a file that already holds pid and start time, so it is never seen
 * empty), the other is refused with a clear message, and the generation CURRENT names always exists
 * and answers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { currentGeneration } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const quiet = () => {};

function runNode(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...STANDIN_ENV, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** A process that waits for the instant `at`, tries the lock, holds it 150 ms, and prints what happened. */
const CONTENDER = `
import { acquireLock } from './src/index/store.ts';
const [dir, at] = process.argv.slice(-2);
while (Date.now() < Number(at)) {}
let release;
try { release = acquireLock(dir); } catch (e) { console.log('refused ' + e.message); process.exit(0); }
const t0 = Date.now();
while (Date.now() - t0 < 150) {}
console.log('held ' + t0 + ' ' + Date.now());
release();
`;

describe('fault 1: concurrent ingests', () => {
  it('of processes trying the lock at the same instant, one holds it at a time (6 trials of 3)', async () => {
    const script = path.join(tempDir('rqb-lockrace-'), 'contender.ts');
    fs.writeFileSync(script, CONTENDER.replace("'./src/index/store.ts'", JSON.stringify(path.join(PROJECT_ROOT, 'src/index/store.ts'))));
    for (let trial = 0; trial < 6; trial++) {
      const dir = tempDir('rqb-lock-');
      const at = String(Date.now() + 1200);
      const runs = await Promise.all([0, 1, 2].map(() => runNode([script, dir, at])));
      const held = runs.filter((r) => r.out.startsWith('held')).map((r) => r.out.split(' ').slice(1).map(Number) as [number, number]);
      for (const r of runs) assert.match(r.out, /^(held|refused another ingest \(pid \d+, since )/, r.out);
      assert.ok(held.length >= 1, `trial ${trial}: someone holds the lock`);
      // Those that held it (one after the other release) never overlap.
      held.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < held.length; i++) assert.ok(held[i]![0] >= held[i - 1]![1], `trial ${trial}: two processes held the lock at once`);
      assert.ok(!fs.existsSync(path.join(dir, '.ingest.lock')), 'released');
    }
  });

  it('two `npm run ingest` at once after an edit, 3 times: CURRENT always exists and answers', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-twoingest-') });
    const embedder = await loadEmbedder(config.model, quiet);
    await ingest(config, { embedder, log: quiet });
    const report = fs.readdirSync(corpus).find((f) => f.startsWith('柏山镇'))!;
    const args = [path.join(PROJECT_ROOT, 'scripts/ingest.ts'), '--corpus', corpus, '--index', config.indexDir];
    for (let trial = 0; trial < 3; trial++) {
      fs.appendFileSync(path.join(corpus, report), `\n柏山镇第${trial}次补充说明：全年新建便民服务点${trial + 3}个。\n`);
      const runs = await Promise.all([runNode(args), runNode(args)]);
      const ok = runs.filter((r) => r.code === 0);
      assert.ok(ok.length >= 1, runs.map((r) => r.out).join('\n'));
      for (const r of runs) if (r.code !== 0) assert.match(r.out, /another ingest \(pid \d+, since .*\) is writing/);
      const gen = currentGeneration(config.indexDir)!;
      assert.ok(fs.existsSync(path.join(gen, 'manifest.json')), `trial ${trial}: the live generation exists`);
      const answer = await (await openSearcher(config, { embedder })).search(`柏山镇第${trial}次补充说明新建了几个便民服务点？`);
      assert.ok(answer.results.some((r) => r.quote.includes(`第${trial}次补充说明`)), `trial ${trial}: answers from the new text`);
    }
  });
});
