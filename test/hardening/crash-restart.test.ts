/**
 * Issue 15, fault 8: a bot killed with SIGKILL while answering lost every question it had fetched but
 * not answered (long polling had confirmed them). A real `npm start` process, long polling the local
 * Bot API emulator, gets 60 questions at once and is killed as soon as it has fetched them; restarted, it
 * answers every one of the 60 (from its journal of fetched updates).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UpdateJournal } from '../../src/bot/journal.js';
import { type Emulator as FrontEmulator, type Front, startFront } from '../support/bot-api-front.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { type Emulator, startEmulator, TestUser, waitFor } from '../support/emulator.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const TOKEN = '100015:crash-restart-token';
const USERS = 60;
const QUESTIONS = ['柏山镇组织了多少次普法宣传？', '史村镇怎样推进科学决策？', '柏山镇召开了几次防范电信诈骗专项会议？'];

let emu: Emulator;
let front: Front;
let indexDir: string;
const children: ChildProcess[] = [];

before(async () => {
  indexDir = tempDir('rqb-crash-');
  await ingest(testConfig({ indexDir }), { log: () => {} });
  emu = await startEmulator();
  front = await startFront(emu.server as unknown as FrontEmulator, Number(new URL(emu.apiRoot).port));
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await front?.close();
  await emu?.stop();
});

/** `npm start` as a real process, long polling the emulator through its long-poll front. */
function startBotProcess(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/start.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...STANDIN_ENV, BOT_TOKEN: TOKEN, BOT_API_ROOT: front.root, INDEX_DIR: indexDir, CORPUS_DIRS: SEED_CORPUS, RATE_LIMIT: '100', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return { child, output: () => out };
}

describe('fault 8: a bot killed while answering', () => {
  it('answers every question it had fetched once restarted (60 users, SIGKILL once it has fetched them)', async () => {
    // 60 questions waiting when the bot comes up: its first poll fetches them all at once. (Sent one by one:
    // the emulator gives messages sent at the same instant the same update_id, which Telegram never does.)
    const users = Array.from({ length: USERS }, (_, i) => new TestUser(emu, TOKEN, { userId: 50_000 + i, languageCode: 'zh' }));
    for (const [i, u] of users.entries()) await u.say(QUESTIONS[i % QUESTIONS.length]!);
    const botMessages = () => emu.server.storage.botMessages.filter((m) => m.botToken === TOKEN);
    const first = startBotProcess();
    // Kill it as soon as it has fetched them all and asked for the next batch (which, on Telegram, confirms
    // them: they would never be sent again). They are in hand and (mostly) unanswered.
    const fetched = () => emu.server.storage.userMessages.filter((m) => m.botToken === TOKEN && (m as { isRead?: boolean }).isRead).length;
    await waitFor(() => fetched() === USERS, 'the bot to fetch every question', 60_000);
    const pollsThen = front.polls();
    await waitFor(() => front.polls() > pollsThen, 'the next poll, confirming the batch', 10_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500)); // requests it had already sent land
    const answeredBefore = new Set(botMessages().map((m) => String(m.message.chat_id))).size;
    assert.ok(answeredBefore < USERS, `killed mid-load: ${answeredBefore} of ${USERS} answered before the kill`);

    const second = startBotProcess();
    await waitFor(() => users.every((u) => u.messages().length > 0), `answers to all ${USERS} users after the restart`, 20_000).catch((err) => {
      throw new Error(`${err.message}; first run:\n${first.output()}\nsecond run:\n${second.output()}`);
    });
    assert.match(second.output(), /answering \d+ question\(s\) fetched before the last stop but not answered/);
    for (const [i, u] of users.entries()) {
      const texts = u.messages().map((m) => m.text);
      assert.ok(texts.some((t) => t.includes('<blockquote')), `user ${i} got an answer: ${texts.join(' | ')}`);
    }
    // Answered twice: at most those whose answer went out just before the kill (at least once, never lost).
    const twice = users.filter((u) => u.messages().length > 1).length;
    assert.ok(twice <= answeredBefore, `${twice} users answered twice, ${answeredBefore} answered before the kill`);
    second.child.kill('SIGTERM');
    assert.equal(await new Promise((resolve) => second.child.once('exit', (code) => resolve(code))), 0);
  });
});

describe('the journal of fetched updates', () => {
  const update = (id: number) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 1, type: 'private', first_name: 'U' }, text: `q${id}` } }) as never;
  it('replays what was not answered, never what was, records a re-sent update once, and takes new lower ids', () => {
    const file = path.join(tempDir('rqb-journal-'), 'updates.jsonl');
    const a = UpdateJournal.open(file);
    a.fetched([update(1), update(2), update(3)]);
    assert.ok(a.begin(update(1)));
    a.answered(update(1));
    assert.ok(a.begin(update(2))); // in hand when the process dies
    fs.appendFileSync(file, '{"fetched": {"update_id": 9'); // a line cut short by the crash
    const b = UpdateJournal.open(file);
    assert.deepEqual(b.unanswered().map((u) => u.update_id), [2, 3]);
    assert.equal(b.begin(update(1)), false, 'answered before the restart');
    assert.ok(b.begin(update(2)));
    assert.equal(b.begin(update(2)), false, 'Telegram sends it again while it is replayed');
    b.fetched([update(1), update(2), update(3), update(4)]); // the unconfirmed batch, sent again, and a new one
    assert.equal(b.pendingCount, 3);
    for (const id of [2, 3, 4]) {
      if (id !== 2) assert.ok(b.begin(update(id)));
      b.answered(update(id));
    }
    b.close();
    const c = UpdateJournal.open(file);
    assert.deepEqual(c.unanswered(), []);
    assert.equal(c.begin(update(4)), false);
    assert.ok(c.begin(update(5)));
    // Telegram may number anew after a quiet week: a new, lower id is answered, not taken for an old one.
    assert.ok(c.begin(update(0)));
    c.close();
  });
});
