/**
 * Issue 15, faults 3, 6, 11 and 12, through the real bot object (real index, real search, real grammY
 * middleware) with every Bot API call recorded and answered "ok" (bot.handleUpdate):
 * - 3: "all from this report" keeps to that one report, not to every report whose name contains its name;
 * - 6: with an allowlist, inline answers are personal and never cached for others;
 * - 11: control characters in a file name never reach a chat, the log, the terminal or `ask`;
 * - 12: every reply is rate-limited, a stranger is answered once per window, commands for other bots are ignored.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Update } from 'grammy/types';
import { createBot } from '../../src/bot/bot.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { createLogger } from '../../src/bot/log.js';
import { type Config, type ConfigOverrides, PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { EMULATED_BOT } from '../support/emulator.js';
import { STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const en = stringsFor('en');
const from = { id: 901, is_bot: false, first_name: 'U', language_code: 'en' };
const chat = { id: 901, type: 'private' as const, first_name: 'U' };
const group = { id: -9001, type: 'group' as const, title: 'G' };
/** A file name that would set the terminal title, ring the bell and forge a log line. */
const EVIL_NAME = '恶意\x1b]0;pwned\x07\x1b[2J\n2026-01-01T00:00:00.000Z INFO forged-报告.txt';

let config: Config;
let searcher: Searcher;
const logs: string[] = [];

before(async () => {
  const corpus = tempDir('rqb-botfaults-');
  fs.writeFileSync(path.join(corpus, '法治政府建设报告.md'), '# 法治政府建设报告\n\n一、普法宣传\n\n全县组织普法宣传二十次，发放资料三千份。\n\n二、依法行政\n\n全县规范行政执法案卷一百二十卷。\n\n三、法治队伍\n\n全县培训执法人员四百人次。\n\n四、普法阵地\n\n全县普法宣传阵地建成十二个，普法宣传覆盖全部行政村。\n');
  fs.writeFileSync(path.join(corpus, '柏山镇法治政府建设报告.md'), '# 柏山镇法治政府建设报告\n\n一、普法宣传\n\n柏山镇组织普法宣传三十次，发放资料五千份。\n\n二、依法行政\n\n柏山镇规范行政执法案卷八十卷。\n');
  fs.writeFileSync(path.join(corpus, EVIL_NAME), '一、概况\n这份报告的文件名里有控制字符，内容是青龙村修建桥梁两座。\n');
  config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-botfaults-idx-') });
  await ingest(config, { log: (m) => logs.push(m) });
  searcher = await openSearcher(config);
});

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

/** The real bot with nothing leaving the process: every API call is recorded and answered "ok". */
function offlineBot(bot: ConfigOverrides['bot'] = {}) {
  const calls: Call[] = [];
  const lines: string[] = [];
  const instance = createBot({ ...config, bot: { ...config.bot, token: '1:offline', rateLimit: 4, rateWindowMs: 60_000, ...bot } }, searcher, {
    log: createLogger('info', [], (l) => lines.push(l)),
    botInfo: { ...EMULATED_BOT, is_bot: true, first_name: 'Test' } as never,
  });
  let messageId = 100;
  instance.api.config.use(async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    const result = method === 'sendMessage' ? { message_id: messageId++, date: 0, chat, text: '' } : true;
    return { ok: true, result } as never;
  });
  let updateId = 1;
  const send = async (update: Omit<Update, 'update_id'>) => {
    const before = calls.length;
    await instance.handleUpdate({ update_id: updateId++, ...update } as Update);
    return calls.slice(before).filter((c) => c.method !== 'sendChatAction');
  };
  const text = (t: string, c: { id: number; type: string } = chat, user = from) => {
    const command = /^\/\S+/.exec(t)?.[0];
    return send({ message: { message_id: updateId, date: 0, chat: c, from: user, text: t, ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command.length }] } : {}) } } as never);
  };
  const press = (data: string, messageId = 100) => send({ callback_query: { id: `cb${updateId}`, from, chat_instance: 'ci', data, message: { message_id: messageId, date: 0, chat, text: '' } } } as never);
  return { calls, lines, send, text, press };
}

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };
const button = (c: Call, label: string) => (c.payload.reply_markup as Keyboard).inline_keyboard.flat().find((b) => b.text === label)?.callback_data;

describe('fault 3: "all from this report" is that report only', () => {
  it('with 法治政府建设报告.md and 柏山镇法治政府建设报告.md, the button on the first shows only the first', async () => {
    const bot = offlineBot();
    const [asked] = await bot.text('全县组织了多少次普法宣传？');
    assert.match(String(asked!.payload.text), /二十次/);
    const [, only] = await bot.press(button(asked!, en.sameReport)!);
    assert.equal(only!.method, 'sendMessage');
    // Page through every result of that answer: none from the other report.
    const pages = [String(only!.payload.text)];
    for (let page = only!, next = button(only!, en.next); next; next = button(page, en.next)) {
      const edits = (await bot.press(next, 101)).filter((c) => c.method === 'editMessageText');
      page = edits[0]!;
      pages.push(String(page.payload.text));
    }
    // The report's other passage on 普法宣传, and none of its passages on other subjects (see relevantOnly).
    assert.match(pages[0]!, /普法宣传阵地/);
    assert.ok(!pages.some((p) => /案卷|执法人员/.test(p)), pages.join('\n'));
    for (const p of pages) {
      assert.ok(!p.includes('柏山镇'), `a passage of the other report:\n${p}`);
      assert.match(p, /〔法治政府建设报告/);
    }
  });
});

describe('fault 6: inline answers with an allowlist', () => {
  const inline = (query: string) => ({ inline_query: { id: 'iq', from, query, offset: '' } }) as never;
  it('are personal and not cached; without an allowlist they may be cached', async () => {
    const withList = offlineBot({ allowedIds: [from.id] });
    for (const q of ['全县组织了多少次普法宣传？', '今年的高考分数线是多少？', ' ']) {
      const [call] = await withList.send(inline(q));
      assert.equal(call!.method, 'answerInlineQuery');
      assert.equal(call!.payload.is_personal, true, q);
      assert.equal(call!.payload.cache_time, 0, q);
    }
    const [open] = await offlineBot({ allowedIds: [] }).send(inline('全县组织了多少次普法宣传？'));
    assert.equal(open!.payload.cache_time, 60);
  });
});

describe('fault 11: control characters in file names', () => {
  const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
  it('are escaped in /sources, in answers, in ingest warnings and in `ask`', async () => {
    const bot = offlineBot();
    const [sources] = await bot.text('/sources');
    const text = String(sources!.payload.text);
    assert.ok(!CONTROL.test(text), JSON.stringify(text));
    assert.match(text, /恶意\\x1b\]0;pwned\\x07\\x1b\[2J\\x0a2026/);
    const [answer] = await bot.text('青龙村修建了几座桥梁？');
    assert.match(String(answer!.payload.text), /两座/);
    assert.ok(!CONTROL.test(String(answer!.payload.text)));
    // An ingest warning about such a file (here: an empty one) is one clean line.
    const corpus = config.corpusDirs[0]!;
    fs.writeFileSync(path.join(corpus, `空的${EVIL_NAME}`), '');
    const warnings: string[] = [];
    await ingest(config, { log: (m) => warnings.push(m) });
    const warning = warnings.find((w) => w.includes('空的'))!;
    assert.ok(warning && !CONTROL.test(warning) && !warning.includes('\n'), JSON.stringify(warnings));
    // `ask` prints the name escaped.
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/ask.ts'), '--corpus', corpus, '--index', config.indexDir, '青龙村修建了几座桥梁？'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ...STANDIN_ENV, CI: 'true' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /恶意\\x1b/);
    assert.ok(!CONTROL.test(r.stdout + r.stderr), JSON.stringify(r.stdout));
    fs.rmSync(path.join(corpus, `空的${EVIL_NAME}`));
    await ingest(config, { log: () => {} });
  });
});

describe('fault 12: floods', () => {
  it('2,000 /sources from one user get RATE_LIMIT × 3 replies and one "too many" notice', async () => {
    const bot = offlineBot();
    let replies = 0;
    for (let i = 0; i < 2000; i++) replies += (await bot.text('/sources')).length;
    assert.equal(replies, 4 * 3 + 1);
    assert.equal(bot.calls.filter((c) => c.payload.text === en.rateLimited(60)).length, 1);
  });

  it('1,000 messages from a stranger get one "not allowed" reply and one log line', async () => {
    const bot = offlineBot({ allowedIds: [4242] });
    let replies = 0;
    for (let i = 0; i < 1000; i++) replies += (await bot.text(`question ${i}`)).length;
    assert.equal(replies, 1);
    assert.equal(bot.calls[0]!.payload.text, en.notAllowed);
    assert.equal(bot.lines.filter((l) => l.includes('refused update')).length, 1);
  });

  it('ignores /start@OtherBot in a group (with and without an allowlist), answers /start@ itself', async () => {
    for (const allowedIds of [[], [4242]]) {
      const bot = offlineBot({ allowedIds });
      assert.deepEqual(await bot.text('/start@OtherBot', group), []);
      assert.deepEqual(await bot.text('/sources@OtherBot', group), []);
      assert.deepEqual(await bot.text('/frobnicate@OtherBot', group), []);
    }
    const bot = offlineBot();
    const [hello] = await bot.text(`/start@${EMULATED_BOT.username}`, group);
    assert.equal(hello!.method, 'sendMessage');
  });
});
