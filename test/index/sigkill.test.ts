/**
 * `npm run ingest` killed with SIGKILL half way (while it embeds, in worker threads): the previous index
 * stays fully usable, a second ingest meanwhile is refused by the lock, and the next ingest takes the
 * dead process's lock over, clears what it left, and succeeds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { indexStatus, ingest } from '../../src/index/ingest.js';
import { currentGeneration, readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const quiet = () => {};

/** A report of about `chars` characters of made-up but sentence-shaped Chinese (deterministic). */
function madeUpReport(seed: number, chars: number): string {
  const alphabet = '政府工作报告建设发展经济社会民生教育医疗卫生交通水利农业农村城市环境保护安全生产服务群众改革开放创新科技文化体育就业收入住房养老';
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: string[] = ['一、总体情况'];
  let n = 0;
  while (n < chars) {
    const len = 20 + Math.floor(next() * 40);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    out.push(`${s}${Math.floor(next() * 1000)}项。`);
    n += len + 4;
  }
  return out.join('\n');
}

describe('an ingest killed with SIGKILL', () => {
  it('leaves the previous index usable; the lock is taken over and the next ingest succeeds', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-kill-') });
    const embedder = await loadEmbedder(config.model, quiet);
    await ingest(config, { embedder, log: quiet });
    const before = readManifest(config.indexDir)!;

    // Enough new text that embedding takes several seconds (over 512 passages: worker threads).
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(corpus, `大报告-${i}.txt`), madeUpReport(i + 1, 50_000));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/ingest.ts'), '--corpus', corpus, '--index', config.indexDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...STANDIN_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const embedding = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/^embedding \d+\/(\d{3,}) passages/m.test(err)) resolve();
      });
      child.on('exit', () => reject(new Error(`ingest ended before embedding: ${err}`)));
    });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await embedding;
    await new Promise((resolve) => setTimeout(resolve, 300));

    // While it runs, a second ingest is refused by the lock.
    const lock = path.join(config.indexDir, '.ingest.lock');
    assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, child.pid);
    await assert.rejects(ingest(config, { embedder, log: quiet }), new RegExp(`another ingest \\(pid ${child.pid}, since [^)]+\\) is writing`));

    child.kill('SIGKILL');
    assert.equal(await exit, 'SIGKILL');
    assert.ok(!/ingest: \d+ files/.test(err), 'killed before it finished');

    // The previous index is intact and answers.
    assert.equal(readManifest(config.indexDir)!.generation, before.generation);
    const status = await indexStatus(config);
    assert.equal(status.status, 'stale', status.reason); // the new reports are not in it, and nothing is damaged
    const searcher = await openSearcher(config, { embedder });
    assert.ok((await searcher.search('柏山镇组织了多少次普法宣传？')).results[0]?.quote.includes('30余次'));
    assert.ok(fs.existsSync(lock), 'the dead process left its lock');

    // A generation folder left half written (as by a kill while writing) is cleared by the next ingest.
    const leftover = path.join(config.indexDir, `gen-9999-${child.pid}`);
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, 'vectors.f32'), Buffer.alloc(1000));

    // The next ingest (the big reports gone again, a small one added) takes the lock over and succeeds.
    for (let i = 0; i < 4; i++) fs.rmSync(path.join(corpus, `大报告-${i}.txt`));
    fs.writeFileSync(path.join(corpus, '新河镇-2023年工作报告.txt'), '一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座。\n');
    const s = await ingest(config, { embedder, log: quiet });
    assert.ok(s.changed && s.files === 3);
    assert.equal(s.reused, s.passages - 1, 'the vectors of the previous index are reused');
    assert.ok(!fs.existsSync(lock), 'lock released');
    assert.ok(!fs.existsSync(leftover), 'half-written generation removed');
    assert.notEqual(path.basename(currentGeneration(config.indexDir)!), before.generation);
    const after = await openSearcher(config, { embedder });
    assert.equal((await after.search('新河镇疏浚了多少公里河道？')).results[0]?.source, '新河镇-2023年工作报告.txt');
  });
});
