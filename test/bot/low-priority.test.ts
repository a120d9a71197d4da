/**
 * The child that adds or removes a report yields the CPU to the bot: each of its threads runs at the
 * lowest priority (nice 19), read from /proc while the child works. Why: `npm run loadtest --
 * --admin-upload …` measured the users' p95 under an upload at equal priority (docs/RELIABILITY.md).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { changeInChild } from '../../src/bot/report-child.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { tempDir, testConfig } from '../helpers.js';

/** The nice value of each thread of a process (Linux: field 19 of /proc/PID/task/TID/stat). */
function threadNiceness(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('the report child', { skip: !fs.existsSync('/proc/self/task') && 'no /proc here to read thread priorities from' }, () => {
  it('runs every thread at the lowest priority while it adds a report', { timeout: 120_000 }, async () => {
    const root = tempDir('rqb-child-nice-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期。\n');
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index') });
    config.bot.reportChildNiceness = 19; // the default (tests run uploads at their own priority)
    await ingest(config, { log: () => {} });
    const docx = fs.readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/documents/docx/柏山镇-2023年法治政府建设情况报告.docx'));

    let seen: { threads: number; niceness: number[] } | undefined;
    const added = await changeInChild(config, { kind: 'add', name: '柏山镇报告.docx', data: docx }, {
      log: (line) => {
        const m = /^report child (\d+): (\d+) threads at priority 19 \(nice\)$/.exec(line);
        if (m) seen = { threads: Number(m[2]), niceness: threadNiceness(Number(m[1])) };
      },
    });
    assert.ok('title' in added && added.passages > 5);
    assert.ok(seen && seen.threads >= 1, 'the child said how many threads it lowered');
    assert.ok(seen.niceness.length >= seen.threads);
    assert.deepEqual([...new Set(seen.niceness)], [19], `thread priorities: ${seen.niceness.join(' ')}`);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
