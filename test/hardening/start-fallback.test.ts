/**
 * Issue 15, fault 7: `npm start` refused to start when the update of a stale index failed (a foreign
 * lock, a full disk) although the index on disk was fine. Now it serves the last good generation with a
 * clear warning, retries the update, and the running searcher answers from the new generation once the
 * retry has published it. With no usable index, a failed build still stops the start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ensureIndex } from '../../src/bot/ensure-index.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { openLiveSearcher } from '../../src/search/live.js';
import { waitFor } from '../support/emulator.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const NEW_REPORT = '新河镇-2023年工作报告.txt';
const NEW_QUESTION = '新河镇疏浚了多少公里河道？';

/** A live process that holds the ingest lock of `indexDir` (as another ingest would). */
function foreignLock(indexDir: string) {
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  fs.mkdirSync(indexDir, { recursive: true });
  fs.writeFileSync(path.join(indexDir, '.ingest.lock'), JSON.stringify({ pid: holder.pid, takenAt: new Date().toISOString() }));
  return { release: () => holder.kill('SIGKILL') };
}

describe('fault 7: a failed index update at start', () => {
  it('serves the last good index with a warning, retries, and then answers from the update', async () => {
    const corpus = copyOfSeeds();
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-fallback-') });
    const embedder = await loadEmbedder(config.model, () => {});
    await ingest(config, { embedder, log: () => {} });
    fs.writeFileSync(path.join(corpus, NEW_REPORT), '一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座。\n');
    const lock = foreignLock(config.indexDir);
    try {
      let said = '';
      const err = { write: (s: string) => ((said += s), true) } as unknown as NodeJS.WritableStream;
      assert.equal(await ensureIndex(config, { err, retryEveryMs: 300 }), false, 'starts instead of failing');
      assert.match(said, /Warning: could not update the index \(another ingest \(pid \d+, since [^)]+\) is writing .*\); answering from the last good index/);
      const searcher = await openLiveSearcher(config, { embedder, checkEveryMs: 100 });
      try {
        const before = await searcher.search(NEW_QUESTION);
        assert.notEqual(before.results[0]?.source, NEW_REPORT, 'the old index does not have the new report');
        assert.ok((await searcher.search('柏山镇组织了多少次普法宣传？')).results[0]?.quote.includes('30余次'), 'and answers from what it has');
        // The other ingest goes away: the retry takes its lock over, publishes, and the searcher follows.
        await new Promise((resolve) => setTimeout(resolve, 700));
        assert.match(said, /the index update failed again/);
        lock.release();
        await waitFor(() => /Index ready: 3 reports/.test(said), 'the retried update', 30_000);
        let source: string | undefined;
        for (const until = Date.now() + 10_000; source !== NEW_REPORT && Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 100))) {
          source = (await searcher.search(NEW_QUESTION)).results[0]?.source;
        }
        assert.equal(source, NEW_REPORT, 'answers from the new report once the retry published it');
      } finally {
        searcher.close();
      }
    } finally {
      lock.release();
    }
  });

  it('with no index to fall back on, a failed build still stops the start', async () => {
    const config = testConfig({ indexDir: tempDir('rqb-fallback-none-') });
    const lock = foreignLock(config.indexDir);
    try {
      await assert.rejects(ensureIndex(config, { err: { write: () => true } as unknown as NodeJS.WritableStream }), /another ingest/);
    } finally {
      lock.release();
    }
  });
});
