/**
 * `npm run loadtest -- --admin-upload FILE --admin-remove REPORT` in small: the real bot process under a
 * few users while an admin sends a report as a document (through the front's getFile and download) and
 * removes another. Latency is printed, not asserted (speed targets live in `npm run loadtest`'s figures).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatFigures, runLoadTest } from '../../bench/loadtest.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

describe('loadtest with an admin', () => {
  it('6 users × 25 questions while an admin uploads a report and removes another: nothing lost, both done, the corpus as expected', { timeout: 240_000 }, async () => {
    const root = tempDir('rqb-loadtest-admin-');
    // The first corpus folder takes uploads and is where /remove looks; the users ask about the seed reports.
    const first = path.join(root, 'corpus');
    fs.mkdirSync(first);
    fs.writeFileSync(path.join(first, '新河镇-2023年工作报告.txt'), '新河镇人民政府\n一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座，受益农田两万亩。\n二、道路交通\n新河镇硬化村道四十公里，新开公交线路三条。\n');
    const upload = path.join(root, '东岭乡-2023年水利报告.txt');
    fs.writeFileSync(upload, '东岭乡人民政府\n一、工程建设\n东岭乡共修缮山塘水库十二座，受益群众三千余户。\n二、民生实事\n东岭乡新建村级卫生室六所，培训乡村医生八十人次。\n');
    try {
      const f = await runLoadTest({
        users: 6,
        questions: 25,
        timeoutSeconds: 200,
        reingest: false,
        config: testConfig({ corpusDirs: [first, SEED_CORPUS] }),
        admin: { uploadFile: upload, removeQuery: '新河镇' },
        log: () => {},
      });
      const report = formatFigures(f);
      process.stderr.write(`${report}\n`);
      assert.deepEqual([f.answered, f.lost, f.duplicates, f.wrong, f.errors, f.timedOut], [150, 0, 0, 0, 0, false], report);
      const a = f.admin!;
      assert.match(a.upload.reply, /^已收录《东岭乡 2023年水利报告》：\d+ 段，用时 [\d.]+ 秒。\n可以这样问：/, report);
      assert.equal(a.upload.afterAnswers, 50);
      assert.match(a.removal.reply, /^已删除《新河镇 2023年工作报告》（新河镇-2023年工作报告\.txt，\d+ 段），索引已更新。$/, report);
      assert.ok(a.removal.afterAnswers >= 100, report);
      assert.deepEqual(a.after, { uploadedAnswered: true, removedAnsweredBefore: true, removedGone: true, corpusAsExpected: true, corpusChange: 'gained 东岭乡-2023年水利报告.txt; lost 新河镇-2023年工作报告.txt' });
      // Every answer is before, during, between or after the admin's work; users were answered during both changes.
      const count = (phase: string) => a.phases.find((p) => p.phase === phase)!.answers;
      assert.equal(count('before') + count('during') + count('between') + count('after'), 150);
      assert.equal(count('before'), 50);
      assert.ok(count('upload') > 0 && count('removal') > 0 && count('during') >= Math.max(count('upload'), count('removal')), report);
      assert.ok(a.baselineP95 > 0 && a.upload.seconds > 0 && a.removal.seconds > 0, report);
      assert.match(report, /\n {6}of which during the removal +\d+ answers \(0 wrong\) {3}p50 [\d.]+ ms {3}p95 [\d.]+ ms {3}max [\d.]+ ms\n/);
      // The loadtest worked on copies: the folders it was given are as they were.
      assert.deepEqual(fs.readdirSync(first), ['新河镇-2023年工作报告.txt']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses --admin-upload without --admin-remove, a missing file, and --index with a usage line', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/loadtest.ts'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, ...STANDIN_ENV } });
    const alone = run('--admin-upload', path.join(SEED_CORPUS, fs.readdirSync(SEED_CORPUS)[0]!));
    assert.equal(alone.status, 2);
    assert.equal(alone.stderr.trim(), 'error: --admin-upload FILE and --admin-remove REPORT go together');
    const missing = run('--admin-upload', '/nonexistent/x.pdf', '--admin-remove', '柏山镇');
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.trim(), 'error: --admin-upload: no such file: /nonexistent/x.pdf');
    const index = run('--admin-upload', path.join(SEED_CORPUS, fs.readdirSync(SEED_CORPUS)[0]!), '--admin-remove', '柏山镇', '--index', 'index');
    assert.equal(index.status, 2);
    assert.match(index.stderr, /^error: --admin-upload changes the corpus and the index: it works on copies in a temporary folder; leave out --index\n$/);
  });
});
