/**
 * The journal of fetched updates (src/bot/journal.ts) under faults: wrong lines, a full disk while
 * running and at start, its file mode, and an update that crashed the bot again when replayed.
 * The full disk is a real one (a small tmpfs, see test/hardening/helpers/full-disk.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Update } from 'grammy/types';
import { createBot } from '../../src/bot/bot.js';
import { createLogger } from '../../src/bot/log.js';
import { UpdateJournal } from '../../src/bot/journal.js';
import { startBot } from '../../src/bot/run.js';
import { ingest } from '../../src/index/ingest.js';
import { openLiveSearcher } from '../../src/search/live.js';
import { canMount, SmallDisk } from '../hardening/helpers/full-disk.js';
import { tempDir, testConfig } from '../helpers.js';
import { emulateLongPolling, startEmulator, TestUser } from '../support/emulator.js';

const update = (id: number, text = `q${id}`) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 1, type: 'private', first_name: 'U' }, text } }) as Update;

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger('debug', [], (line) => lines.push(line)) };
}

describe('the update journal under faults', () => {
  it('issue 20 fault 12: lines of the wrong shape are skipped with a warning naming the file; the rest is kept', () => {
    const file = path.join(tempDir('rqb-journal-'), 'updates.jsonl');
    const good = JSON.stringify({ fetched: update(7) });
    fs.writeFileSync(file, ['5', 'null', '{"fetched":null}', '{"answered":"x"}', '[]', good, '{"fetched":{"update_id":-1}}', ''].join('\n'));
    const { lines, log } = recordingLog();
    const journal = UpdateJournal.open(file, log);
    assert.deepEqual(journal.unanswered().map((u) => u.update_id), [7]);
    journal.close();
    const warning = lines.find((l) => l.includes('WARN'));
    assert.ok(warning?.includes(file) && /skipped 6 line/.test(warning), lines.join('\n'));
  });

  it('keeps users\' messages private: the journal file is 0600, also one written by an older version', () => {
    const file = path.join(tempDir('rqb-journal-'), 'updates.jsonl');
    fs.writeFileSync(file, JSON.stringify({ fetched: update(1) }) + '\n', { mode: 0o644 });
    const journal = UpdateJournal.open(file);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    journal.fetched([update(2)]);
    journal.close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('gives up on an update still unanswered after its replay (it crashed the bot twice), once', () => {
    const file = path.join(tempDir('rqb-journal-'), 'updates.jsonl');
    const first = UpdateJournal.open(file);
    first.fetched([update(1), update(2)]); // the bot dies while answering both
    first.close();
    const second = UpdateJournal.open(file);
    assert.deepEqual(second.unanswered().map((u) => u.update_id), [1, 2]);
    for (const u of second.unanswered()) second.replaying(u);
    assert.ok(second.begin(update(2)));
    second.answered(update(2)); // 2 is answered on replay; 1 crashes the bot again
    second.close();
    const third = UpdateJournal.open(file);
    assert.deepEqual(third.unanswered(), []);
    assert.deepEqual(third.givenUp().map((u) => u.update_id), [1]);
    assert.equal(third.begin(update(1)), false, 'not answered either when Telegram sends it again');
    third.close();
    const fourth = UpdateJournal.open(file);
    assert.deepEqual([fourth.unanswered(), fourth.givenUp()], [[], []], 'given up once, not at every start');
    fourth.close();
  });
});

describe('the update journal on a full disk', { skip: !canMount && 'cannot mount a tmpfs here (needs root)' }, () => {
  const disks: SmallDisk[] = [];
  after(() => disks.forEach((d) => d.unmount()));
  const disk = () => {
    const d = SmallDisk.mount(256)!;
    disks.push(d);
    return d;
  };

  it('issue 20 fault 4: a batch that cannot be written is not pending; the retry writes it; answered() never throws', () => {
    const d = disk();
    const file = path.join(d.dir, 'updates.jsonl');
    const { lines, log } = recordingLog();
    const journal = UpdateJournal.open(file, log);
    // Update 1's line fills two pages exactly: on a full tmpfs even its short "answered" line needs a new one.
    const lineBytes = (text: string) => Buffer.byteLength(JSON.stringify({ fetched: update(1, text) }) + '\n');
    journal.fetched([update(1, 'x'.repeat(8192 - lineBytes('')))]);
    assert.equal(fs.statSync(file).size, 8192);
    d.fill();
    const size = fs.statSync(file).size;
    // getUpdates fails (its batch stays unconfirmed: Telegram sends it again) …
    assert.throws(() => journal.fetched([update(2), update(3)]), /journal cannot be written/);
    assert.equal(journal.pendingCount, 1);
    assert.throws(() => journal.fetched([update(2), update(3)]), /journal cannot be written/, 'the retry tries to write it again');
    assert.equal(fs.statSync(file).size, size, 'no half line left behind');
    assert.doesNotThrow(() => journal.answered(update(1)), 'a failed "answered" mark is a warning');
    assert.ok(lines.some((l) => /WARN cannot mark update 1 answered/.test(l)), lines.join('\n'));
    d.free();
    journal.fetched([update(2), update(3)]);
    assert.equal(journal.pendingCount, 2);
    journal.close();
    const after = UpdateJournal.open(file);
    // 2 and 3 are not lost to a crash now; 1, whose mark failed, is answered again (at least once).
    assert.deepEqual(after.unanswered().map((u) => u.update_id), [1, 2, 3]);
    after.close();
  });

  it('issue 20 fault 5: a journal that cannot be rewritten at start is a warning; what it holds is still replayed', () => {
    const d = disk();
    const file = path.join(d.dir, 'updates.jsonl');
    const first = UpdateJournal.open(file);
    first.fetched([update(1), update(2)]);
    first.answered(update(1));
    first.close();
    d.fill();
    const { lines, log } = recordingLog();
    const journal = UpdateJournal.open(file, log); // compaction (a rewrite) fails with ENOSPC
    assert.deepEqual(journal.unanswered().map((u) => u.update_id), [2]);
    assert.ok(lines.some((l) => l.includes('WARN') && l.includes(file)), lines.join('\n'));
    journal.close();
    assert.deepEqual(fs.readdirSync(d.dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
  });

  it('issue 20 fault 5: the bot starts with its journal on a full disk, and answers', { timeout: 120_000 }, async () => {
    const d = disk();
    const root = tempDir('rqb-journal-bot-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期，培训种植能手三百人次。\n');
    const emu = await startEmulator();
    const token = '100020:journal-full-disk';
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index'), bot: { token, apiRoot: emu.apiRoot, allowedIds: [] } });
    await ingest(config, { log: () => {} });
    const searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    const file = path.join(d.dir, 'updates.jsonl');
    fs.writeFileSync(file, JSON.stringify({ answered: 900_000 }) + '\n');
    d.fill();
    const { lines, log } = recordingLog();
    const bot = createBot(config, searcher, { log });
    bot.api.config.use(emulateLongPolling());
    const running = await startBot(bot, config, { log, journalFile: file });
    try {
      const user = new TestUser(emu, token, { userId: 77 });
      // The grace period lets the first batches wait for room; free it, and the question is answered.
      setTimeout(() => d.free(), 500);
      await user.say('青石村举办了多少期农民夜校？');
      assert.match((await user.reply(30_000)).text, /二十二期/);
      assert.ok(!lines.some((l) => /::: ERROR :::/.test(l)));
    } finally {
      await running.stop();
      searcher.close();
      await emu.stop();
    }
  });
});

describe('an update given up on is said to its sender', () => {
  it('the sender of the update that crashed the bot twice is told, in their language, and the log says so', { timeout: 120_000 }, async () => {
    const root = tempDir('rqb-journal-giveup-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期。\n');
    const emu = await startEmulator();
    const token = '100021:journal-give-up';
    const config = testConfig({ corpusDirs: [corpus], indexDir: path.join(root, 'index'), bot: { token, apiRoot: emu.apiRoot, allowedIds: [] } });
    await ingest(config, { log: () => {} });
    const searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    const user = new TestUser(emu, token, { userId: 78, languageCode: 'en' });
    const poisoned = { update_id: 5, message: { message_id: 5, date: 0, chat: { id: 78, type: 'private', first_name: 'A' }, from: { id: 78, is_bot: false, first_name: 'A', language_code: 'en' }, text: 'x' } };
    const file = path.join(root, 'updates.jsonl');
    fs.writeFileSync(file, [{ fetched: poisoned }, { replaying: 5 }].map((e) => JSON.stringify(e) + '\n').join(''));
    const { lines, log } = recordingLog();
    const bot = createBot(config, searcher, { log });
    bot.api.config.use(emulateLongPolling());
    const running = await startBot(bot, config, { log, journalFile: file });
    try {
      assert.match((await user.reply(10_000)).text, /stopped unexpectedly twice while handling this message/);
      assert.ok(lines.some((l) => /ERROR gave up on update 5 from user 78/.test(l)), lines.join('\n'));
    } finally {
      await running.stop();
      searcher.close();
      await emu.stop();
    }
  });
});
