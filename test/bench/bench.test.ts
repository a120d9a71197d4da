/**
 * Smoke test of `npm run bench -- --quick`: it runs end to end and its JSON holds every figure
 * the report promises. No timing is asserted (CI machines vary); only shapes and sanity.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';

const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
const isLatency = (l: any) => l && isNum(l.n) && l.n > 0 && isNum(l.p50) && isNum(l.p95) && isNum(l.p99) && l.p50 <= l.p99;
const isQuality = (q: any) => q && ['hit1', 'hit3', 'hit5', 'mrr10'].every((k) => isNum(q[k]) && q[k] >= 0 && q[k] <= 1) && q.hit1 <= q.hit5;

test('npm run bench -- --quick writes the expected figures', { timeout: 180_000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--quick', '--out', out, '--no-docs'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    assert.equal(run.status, 0, `bench failed:\n${run.stderr.slice(-3000)}`);
    assert.match(run.stdout, /Dev-set quality/);
    const files = fs.readdirSync(out).filter((f) => /^bench-.*\.json$/.test(f));
    assert.equal(files.length, 1);
    const fig = JSON.parse(fs.readFileSync(path.join(out, files[0]!), 'utf8'));

    assert.equal(fig.corpora.length, 1, 'quick mode runs the seeds only');
    const c = fig.corpora[0];
    assert.equal(c.name, 'seeds');
    assert.ok(c.ingest.passages > 0 && isNum(c.ingest.passagesPerSecond) && isNum(c.ingest.indexDiskMb) && c.ingest.peakRssMb > 0);
    assert.ok(isLatency(c.queryMs.search));
    assert.ok(isQuality(c.quality.quote) && isQuality(c.quality.passage));
    assert.equal(c.quality.quote.answerable + c.quality.quote.unanswerable, 20);
    assert.ok(isNum(c.coldStart.startToFirstAnswerMs) && c.coldStart.startToFirstAnswerMs > 0);
    assert.ok(c.peer.chunks > 0 && isLatency(c.peer.queryMs) && isQuality(c.peer.quality));
    assert.equal(c.peer.quality.abstainCorrect, 0, 'the peer never abstains');
    for (const k of ['ingestSeconds', 'queryP50', 'hit1Delta', 'mrr10Delta']) assert.ok(k in c.versusPeer, k);

    assert.deepEqual(fig.embedBatchSweep.map((b: any) => b.batchSize), [1, 8, 32, 128]);
    assert.ok(fig.embedBatchSweep.every((b: any) => b.msPerPassage > 0));

    assert.ok(fig.scale);
    assert.deepEqual(fig.scale.options.sizes, [2000]);
    assert.deepEqual(fig.scale.builds.map((b: any) => b.dataset).sort(), ['clustered', 'uniform']);
    for (const b of fig.scale.builds) {
      assert.deepEqual(b.points.map((p: any) => p.ef), [10, 32, 64, 128, 256]);
      assert.ok(b.points.every((p: any) => p.recall >= 0 && p.recall <= 1 && isLatency(p.latencyMs)));
      assert.ok(b.indexFileMb > 0 && b.buildSeconds > 0);
    }
    // Show page: a 4-page PDF's page 3 drawn once and then from the cache, within the pixel bound.
    const sp = fig.showPage;
    assert.ok(sp && sp.pages === 4 && sp.page === 3 && Math.max(sp.width, sp.height) <= 1280, JSON.stringify(sp));
    assert.ok(isNum(sp.firstMs) && isNum(sp.cachedMs) && sp.cachedMs < sp.firstMs && isNum(sp.extraRssMb) && sp.peakRssMb > 0);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
