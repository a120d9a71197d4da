/**
 * Ingest progress: off a terminal (logs, CI) a line when a phase starts, then about every 10 s with
 * done/total, rate and ETA; on a terminal one bar redrawn in place; in the chat one message edited in
 * place. The clock is a counter, so that a 70-second ingest takes no time here; the last test runs the
 * real `npm run ingest` with its stderr piped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { editedProgress, progressBar } from '../../src/bot/progress.js';
import { PROJECT_ROOT, STANDIN_MODEL_ID } from '../../src/config.js';
import type { IngestProgress } from '../../src/index/ingest.js';
import { tempDir } from '../helpers.js';

/** A stream that keeps what is written. */
function sink(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean; written: string[] };
}

/** A 7000-passage ingest at 100 passages a second: 10 passages every 100 ms of the fake clock. */
function simulate(update: (p: IngestProgress) => void, clock: { t: number }): void {
  update({ phase: 'read', done: 2, total: 2 });
  update({ phase: 'embed', done: 0, total: 7000 });
  for (let done = 10; done <= 7000; done += 10) {
    clock.t += 100;
    update({ phase: 'embed', done, total: 7000 });
  }
  update({ phase: 'index', done: 0, total: 7000 });
  update({ phase: 'index', done: 7000, total: 7000 });
  update({ phase: 'write', done: 1, total: 1 });
}

describe('ingest progress', () => {
  it('not a terminal: a line per phase and about every 10 s, with done/total, rate and ETA', () => {
    const out = sink(false);
    const clock = { t: 0 };
    simulate(progressBar(out, { now: () => clock.t }).update, clock);
    const lines = out.written.join('').split('\n').filter(Boolean);
    assert.deepEqual(lines, [
      'reading 2/2 reports',
      'embedding 0/7000 passages',
      'embedding 1000/7000 passages · 100 passages/s · ETA 1m 0s',
      'embedding 2000/7000 passages · 100 passages/s · ETA 50s',
      'embedding 3000/7000 passages · 100 passages/s · ETA 40s',
      'embedding 4000/7000 passages · 100 passages/s · ETA 30s',
      'embedding 5000/7000 passages · 100 passages/s · ETA 20s',
      'embedding 6000/7000 passages · 100 passages/s · ETA 10s',
      'embedding 7000/7000 passages · 100 passages/s',
      'indexing 0/7000 passages',
      'indexing 7000/7000 passages',
      'writing the index…',
    ]);
    assert.ok(!out.written.join('').includes('\r'), 'no carriage returns in a log');
  });

  it('in Chinese', () => {
    const out = sink(false);
    const clock = { t: 0 };
    simulate(progressBar(out, { lang: 'zh', now: () => clock.t }).update, clock);
    assert.ok(out.written.includes('计算向量 1000/7000 段 · 每秒 100 段 · 还需约 1分0秒\n'), out.written.join(''));
  });

  it('a terminal: one bar redrawn in place, at most every 100 ms, cleared at the end', () => {
    const out = sink(true);
    const clock = { t: 0 };
    const bar = progressBar(out, { now: () => clock.t });
    simulate(bar.update, clock);
    bar.done();
    const text = out.written.join('');
    assert.ok(!text.includes('\n'), 'never a new line');
    assert.ok(out.written.length < 760, `${out.written.length} redraws`);
    assert.ok(out.written.some((w) => w.startsWith('\r\x1b[K████████████░░░░░░░░░░░░ embedding 3500/7000 passages · 100 passages/s · ETA 35s')), text.slice(0, 400));
    assert.equal(out.written.at(-1), '\r\x1b[K');
  });

  it('in the chat: one message edited at most every 3 s, never two edits at once, the last state at the end', async () => {
    const clock = { t: 0 };
    const edits: string[] = [];
    let inFlight = 0;
    const progress = editedProgress(
      async (line) => {
        assert.equal(inFlight++, 0, 'one edit at a time');
        edits.push(line);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
      },
      { lang: 'zh', now: () => clock.t },
    );
    for (let done = 0; done <= 1000; done += 10) {
      clock.t += 100;
      progress.update({ phase: 'embed', done, total: 1000 });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await progress.finish();
    assert.equal(edits[0], '计算向量 0/1000 段');
    assert.equal(edits.at(-1), '计算向量 1000/1000 段 · 每秒 100 段');
    assert.ok(edits.length >= 3 && edits.length <= 5, edits.join('\n'));
  });

  it('npm run ingest with stderr piped: lines, not a bar; the summary on stdout', () => {
    const root = tempDir('rqb-progress-');
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/ingest.ts'), '--index', path.join(root, 'index')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, EMBED_MODEL: STANDIN_MODEL_ID, ALLOW_REMOTE_MODELS: 'false', LANG: 'C.UTF-8' },
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const progress = run.stderr.split('\n').filter((l) => !l.startsWith('embedding model:'));
    assert.deepEqual(progress.slice(0, 2), ['reading 2/2 reports', 'embedding 0/23 passages']);
    assert.match(progress[2]!, /^embedding 23\/23 passages( · [\d.]+ passages\/s)?$/);
    assert.deepEqual(progress.slice(3), ['indexing 0/23 passages', 'indexing 23/23 passages', 'writing the index…', '']);
    assert.ok(!run.stderr.includes('\r'));
    assert.match(run.stdout, /^ingest: 2 files, 23 passages \(23 embedded, 0 reused\)/);
  });
});
