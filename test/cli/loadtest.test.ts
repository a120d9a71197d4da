/** `npm run loadtest` in small: the real bot process under a few concurrent users, with a re-ingest half way. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatFigures, passed, runLoadTest } from '../../src/cli/loadtest.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { STANDIN_ENV, testConfig } from '../helpers.js';

describe('loadtest', () => {
  it('3 users × 4 questions: every question answered exactly once and right, the re-ingest swapped in', async () => {
    const lines: string[] = [];
    const f = await runLoadTest({ users: 3, questions: 4, timeoutSeconds: 90, reingest: true, config: testConfig(), log: (l) => lines.push(l) });
    assert.ok(passed(f), formatFigures(f));
    assert.deepEqual([f.sent, f.answered, f.lost, f.duplicates, f.wrong, f.errors], [12, 12, 0, 0, 0, 0]);
    assert.ok(f.latencyMs.p50 > 0 && f.latencyMs.p95 >= f.latencyMs.p50 && f.botPeakRssMb > 0);
    assert.deepEqual({ ...f.reingest, ingestSeconds: 0 }, { swapped: true, newReportAnswered: true, ingestSeconds: 0 });
    assert.match(formatFigures(f), /answered 12\/12 {3}lost 0 {3}duplicates 0 {3}wrong 0 {3}errors 0\n[\s\S]*p50 [\d.]+ ms {3}p95 [\d.]+ ms[\s\S]*\nPASS$/);
  });

  it('refuses bad flags with a usage line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/loadtest.ts'), '--users', '0'], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, ...STANDIN_ENV } });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), 'error: --users must be a whole number from 1 to 1000, got "0"');
  });
});
