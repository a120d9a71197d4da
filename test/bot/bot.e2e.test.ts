/**
 * End to end: the real bot object, the real index (seed reports plus one test report with HTML and an
 * over-long passage), talking to a local Bot API emulator on 127.0.0.1.
 * Inline mode and update kinds the emulator cannot send go through bot.handleUpdate instead.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transformer } from 'grammy';
import type { InlineQueryResultArticle, InputTextMessageContent, Update } from 'grammy/types';
import { createBot, type QuoteBot } from '../../src/bot/bot.js';
import { TELEGRAM_TEXT_LIMIT } from '../../src/bot/format.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { createLogger } from '../../src/bot/log.js';
import { type RunningBot, startBot } from '../../src/bot/run.js';
import { type Config, type ConfigOverrides, loadConfig, PROJECT_ROOT, STANDIN_MODEL_ID } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { buttonData, buttons, EMULATED_BOT, type Emulator, emulateLongPolling, freePort, sleep, startEmulator, TestUser, waitFor } from '../support/emulator.js';
import { checkHtml, phoneLines } from './helpers/fixtures.js';
import { type Emulator as FrontEmulator, startFront } from '../support/bot-api-front.js';

process.env.EMBED_MODEL = STANDIN_MODEL_ID;
process.env.ALLOW_REMOTE_MODELS = 'false';

const zh = stringsFor('zh');
const en = stringsFor('en');

/** A report the seed corpus lacks: HTML-like text, and one sentence of 6,000 characters. */
const TEST_REPORT = [
  '测试镇人民政府',
  '关于2023年特殊字符处理情况的报告',
  '一、标签与符号',
  '测试镇在公告栏张贴了写有<b>粗体</b>和<script>alert("x")</script>字样的示范海报，并注明A&B两类样式共计7种。',
  '二、超长记录',
  `测试镇档案室共归档测试卷宗8888卷，其明细为${Array.from({ length: 199 }, (_, i) => `第${i + 1}号卷宗记录了档案室甲乙丙丁戊己庚辛各类登记事项的明细`).join('，')}。`,
].join('\n\n');

const TOKEN = '100001:e2e-secret-token';
let tmp: string;
let emu: Emulator;
let searcher: Searcher;
let baseConfig: Config;
const logs: string[] = [];
const log = createLogger('debug', [TOKEN], (line) => logs.push(line));

interface Call {
  method: string;
  payload: Record<string, unknown>;
  ok?: boolean;
}
/** Records every API call the bot makes (and whether the emulator accepted it). */
function recordCalls(calls: Call[]): Transformer {
  return async (prev, method, payload, signal) => {
    const call: Call = { method, payload: payload as Record<string, unknown> };
    calls.push(call);
    const res = await prev(method, payload, signal);
    call.ok = res.ok === true;
    return res;
  };
}

function configFor(bot: ConfigOverrides['bot']): Config {
  return { ...baseConfig, bot: { ...baseConfig.bot, ...bot } };
}

/** Starts the real bot against the emulator (long polling unless a webhook URL is given). */
async function launch(bot: QuoteBot, config: Config, calls: Call[] = []): Promise<RunningBot> {
  bot.api.config.use(recordCalls(calls), emulateLongPolling());
  return startBot(bot, config, { log });
}

const blockquote = (html: string) => /<blockquote[^>]*>([\s\S]*?)<\/blockquote>/.exec(html)?.[1] ?? '';

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bot-e2e-'));
  await fs.mkdir(path.join(tmp, 'extra'));
  await fs.writeFile(path.join(tmp, 'extra', '测试镇-2023年特殊字符处理情况报告.txt'), TEST_REPORT);
  emu = await startEmulator();
  baseConfig = loadConfig({
    indexDir: path.join(tmp, 'index'),
    corpusDirs: [path.join(PROJECT_ROOT, 'corpus'), path.join(tmp, 'extra')],
    bot: { token: TOKEN, apiRoot: emu.apiRoot, rateLimit: 4, rateWindowMs: 60_000, resultsPerAnswer: 5, allowedIds: [] },
  });
  await ingest(baseConfig);
  searcher = await openSearcher(baseConfig);
});

after(async () => {
  await emu?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('bot through the Bot API emulator', () => {
  let bot: QuoteBot;
  let running: RunningBot;
  const calls: Call[] = [];

  before(async () => {
    bot = createBot(baseConfig, searcher, { log });
    running = await launch(bot, baseConfig, calls);
  });
  after(async () => {
    await running?.stop();
    assert.ok(!logs.some((l) => l.includes(TOKEN)), 'the token never reaches the log');
  });

  it('starts although the emulator lacks setMyCommands, only warning', () => {
    assert.ok(calls.some((c) => c.method === 'setMyCommands' && c.ok === false));
    assert.ok(logs.some((l) => l.includes('WARN could not register the command menu')));
  });

  it('/start greets with example questions, in the user’s language', async () => {
    const wang = new TestUser(emu, TOKEN, { userId: 101, languageCode: 'zh-hans', firstName: '小王' });
    await wang.command('/start');
    const hello = await wang.reply();
    checkHtml(hello.text);
    assert.match(hello.text, /^小王，你好！我回答关于这 3 份报告（2 份法治政府建设报告、1 份特殊字符处理情况报告）的问题/, 'the reports as their titles say, not a fixed phrase');
    assert.ok(hello.text.includes('<code>柏山镇组织了多少次普法宣传？</code>'));

    const ann = new TestUser(emu, TOKEN, { userId: 102, languageCode: 'en', firstName: 'Ann' });
    await ann.command('/start');
    assert.match((await ann.reply()).text, /^Hello, Ann! I answer questions/);
    await ann.command('/help');
    assert.ok((await ann.reply()).text.includes('/sources — The reports I know'));
    await ann.command('/sources');
    const sources = await ann.reply();
    assert.ok(sources.text.includes('• 柏山镇: 2023 (1)'), sources.text);
  });

  it('answers a Chinese question with the right quote and its source, typing while it searches', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 103, languageCode: 'zh-hans' });
    await user.say('柏山镇组织了多少次普法宣传？');
    const m = await user.reply();
    assert.equal(m.parse_mode, 'HTML');
    assert.ok(m.text.length <= TELEGRAM_TEXT_LIMIT);
    checkHtml(m.text);
    assert.ok(blockquote(m.text).includes('先后组织各类普法宣传30余次'));
    assert.match(blockquote(m.text), /<b>[^<]*30余次[^<]*<\/b>/, 'the answering clause is in bold');
    // The answer line comes first, its figure in bold; the message fits a phone.
    assert.ok(m.text.startsWith('先后组织各类普法宣传<b>30余次</b>\n'), m.text);
    const lines = phoneLines(checkHtml(m.text));
    assert.ok(lines.length <= 12, lines.join('\n'));
    assert.ok(m.text.includes('<code>〔柏山镇 2023 · 二、（二）2.〕</code>'));
    assert.match(buttons(m)[0]![0]!, /^1\/\d=/);
    // One tap copies quote, issuer, the report's own title, its date and the section.
    const copy = m.reply_markup?.inline_keyboard.flat().find((b) => 'copy_text' in b) as { copy_text: { text: string } } | undefined;
    assert.match(copy?.copy_text.text ?? '', /^「.*30余次.*」——柏山镇人民政府《关于2023年法治政府建设情况的报告》（2023年1月28日）二（二）2\.$/);
    // "typing" was asked for; the emulator refuses sendChatAction, and nothing broke.
    assert.ok(calls.some((c) => c.method === 'sendChatAction' && c.payload.chat_id === 103 && c.payload.action === 'typing'));
  });

  it('answers an English and a traditional-Chinese question', async () => {
    const ann = new TestUser(emu, TOKEN, { userId: 104, languageCode: 'en' });
    await ann.say('How many special meetings on telecom fraud did Baishan hold?');
    const m = await ann.reply();
    assert.ok(blockquote(m.text).includes('先后召开专项会议12次'), m.text);
    assert.ok(m.text.includes('〔柏山镇 2023 · 二、（二）4.〕'));
    assert.ok(buttons(m)[0]!.some((b) => b.startsWith(`${en.next}=`)), 'English buttons');

    const mei = new TestUser(emu, TOKEN, { userId: 105, languageCode: 'zh-hant' });
    await mei.say('柏山鎮組織了多少次普法宣傳？');
    const t = await mei.reply();
    assert.ok(blockquote(t.text).includes('普法宣传30余次'), 'quotes stay as written (simplified)');
    assert.ok(t.text.includes('〔柏山镇 2023'));
  });

  it('says plainly when the reports do not answer, and how to ask', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 106, languageCode: 'zh' });
    await user.say('今年的高考分数线是多少？');
    const m = await user.reply();
    checkHtml(m.text);
    assert.ok(m.text.startsWith(`<b>${zh.noAnswer}</b>\n`), m.text);
    // What the reports cover near the question: each report's nearest section.
    assert.match(m.text, new RegExp(`${zh.nearTitle}\n(?:• .+\n){3}`), 'one section for each of the three reports');
    assert.ok(m.text.includes('/sources'));
    assert.equal(m.reply_markup, undefined);
  });

  it('pages through results, shows the full passage, and all from this report, with the buttons', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 107, languageCode: 'zh' });
    await user.say('柏山镇组织了多少次普法宣传？');
    const first = await user.reply();

    await user.press(first.messageId, buttonData(first, zh.next));
    const second = await user.edited(first.messageId, first.text);
    assert.notEqual(blockquote(second.text), blockquote(first.text));
    assert.deepEqual(buttons(second)[0]!.slice(0, 2).map((b) => b.split('=')[0]!.replace(/\d$/, 'n')), [zh.prev, '2/n']);
    checkHtml(second.text);

    await user.press(first.messageId, buttonData(second, zh.prev));
    const back = await user.edited(first.messageId, second.text);
    assert.equal(back.text, first.text);

    await user.press(first.messageId, buttonData(back, zh.fullPassage));
    const full = await user.edited(first.messageId, back.text);
    assert.match(full.text, /^(<i>[^<]*<\/i>\n)*先后组织各类普法宣传<b>30余次<\/b>\n<blockquote expandable>/);
    assert.ok(blockquote(full.text).length > blockquote(back.text).length);
    assert.ok(buttons(full)[1]![0]!.startsWith(`${zh.shortQuote}=`));

    // The "1/n" label only answers the button press.
    await user.press(first.messageId, buttonData(full, buttons(full)[0]![0]!.split('=')[0]!));
    await waitFor(() => calls.some((c) => c.method === 'answerCallbackQuery' && c.payload.text === undefined), 'the label press answered');

    await user.press(first.messageId, buttonData(full, zh.sameReport));
    const only = await user.reply();
    assert.ok(only.text.startsWith('只看《柏山镇 2023年法治政府建设情况报告》：\n'), only.text);
    assert.ok(!buttons(only).flat().some((b) => b.startsWith(`${zh.sameReport}=`)));
    // Every result of that answer comes from the same report, and none repeats the quote on screen.
    let page = only;
    for (;;) {
      assert.ok(page.text.includes('<code>〔柏山镇 2023'), page.text);
      assert.ok(!blockquote(page.text).includes('先后组织各类普法宣传'), page.text);
      if (!buttons(page)[0]?.some((b) => b.startsWith(`${zh.next}=`))) break;
      await user.press(only.messageId, buttonData(page, zh.next));
      page = await user.edited(only.messageId, page.text);
    }
  });

  it('"all from this report" says there is no more when the report has nothing else on the question', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 131, languageCode: 'zh' });
    await user.say('柏山镇化解了多少起矛盾纠纷？');
    const first = await user.reply();
    assert.match(first.text, /化解矛盾纠纷<b>79起<\/b>/, first.text);
    await user.press(first.messageId, buttonData(first, zh.sameReport));
    const more = await user.reply();
    assert.equal(more.text, zh.noMoreFromReport);
  });

  it('follows up in the chat: another place reuses the question, "详细点" shows more', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 121, languageCode: 'zh' });
    await user.say('柏山镇存在哪些不足？');
    assert.match((await user.reply()).text, /〔柏山镇 2023 · 三、/);
    await user.say('那史村镇呢？');
    const followUp = await user.reply();
    assert.match(followUp.text, /〔史村镇 2023 · 二、/, followUp.text);
    await user.say('详细点');
    const more = await user.reply();
    assert.match(more.text, /<blockquote expandable>/);
    assert.match(more.text, /〔史村镇 2023/);

    const ann = new TestUser(emu, TOKEN, { userId: 122, languageCode: 'en' });
    await ann.say('柏山镇存在哪些不足？');
    await ann.reply();
    await ann.say('What about Shicun?');
    assert.match((await ann.reply()).text, /〔史村镇 2023 · 二、/);
  });

  it('answers a comparison in one message, each report side by side with its reference', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 123, languageCode: 'zh' });
    await user.say('两个镇谁的普法宣传做得多？');
    const m = await user.reply();
    const visible = checkHtml(m.text);
    assert.match(visible, /^\d 份报告各自的说法：\n/);
    assert.match(visible, /• 柏山镇 2023：.+\n {2}〔柏山镇 2023 · .+〕/);
    assert.match(visible, /• 史村镇 2023：.+\n {2}〔史村镇 2023 · .+〕/);
    assert.ok(phoneLines(visible).length <= 14, visible);
  });

  it('tells an English asker which Chinese words the reports use for theirs when refusing', async () => {
    const ann = new TestUser(emu, TOKEN, { userId: 124, languageCode: 'en' });
    await ann.say('What are the shortcomings of pizza delivery petitions?');
    const m = await ann.reply();
    checkHtml(m.text);
    assert.ok(m.text.startsWith(`<b>${en.noAnswer}</b>`), m.text);
    assert.ok(m.text.includes('• shortcomings → <code>不足</code>'), m.text);
    assert.ok(m.text.includes('• petitions → <code>信访</code>'), m.text);
  });

  it('answers a forged or stale button harmlessly', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 108, languageCode: 'en' });
    await user.say('柏山镇组织了多少次普法宣传？');
    const m = await user.reply();
    const key = buttonData(m, en.next).split(':')[1]!;
    const answered = (text: string) => waitFor(() => calls.some((c) => c.method === 'answerCallbackQuery' && c.payload.text === text), `callback answer "${text}"`);
    await user.press(m.messageId, 'q:unknownKey:1');
    await answered(en.expired);
    await user.press(m.messageId, `q:${key}:42`);
    await user.press(m.messageId, '<script>; DROP TABLE');
    await answered(en.badButton);
    await sleep(50);
    assert.equal(user.messages().length, 1);
    assert.equal(user.messages()[0]!.text, m.text, 'the message is left as it was');
  });

  it('escapes HTML that is in a report', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 109, languageCode: 'zh' });
    await user.say('测试镇的示范海报上写了什么字样？');
    const m = await user.reply();
    const visible = checkHtml(m.text);
    assert.ok(m.text.includes('写有&lt;b&gt;粗体&lt;/b&gt;和&lt;script&gt;alert("x")&lt;/script&gt;字样'), m.text);
    assert.ok(m.text.includes('A&amp;B两类样式'));
    assert.ok(visible.includes('<script>alert("x")</script>'));
  });

  it('answers from a 6,000-character sentence within the limits (the chunker cuts it to passage size)', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 110, languageCode: 'zh' });
    await user.say('测试镇共归档了多少测试卷宗？');
    const m = await user.reply();
    assert.ok(m.text.length <= TELEGRAM_TEXT_LIMIT, `${m.text.length}`);
    checkHtml(m.text);
    assert.ok(m.text.includes('测试镇档案室共归档测试卷宗8888卷'));
    assert.ok(blockquote(m.text).length <= baseConfig.search.quoteMaxChars, 'the quote within QUOTE_MAX_CHARS');
    assert.ok(m.text.includes('〔测试镇 2023 · 二、〕'));
  });

  it('in groups answers only when mentioned, replied to, or asked with /ask', async () => {
    const group = { userId: 111, chatId: -1001, type: 'group' as const, languageCode: 'zh' };
    const user = new TestUser(emu, TOKEN, group);
    await user.say('柏山镇组织了多少次普法宣传？'); // not for the bot
    await user.say('@TestNameBot 柏山镇组织了多少次普法宣传？', { entities: [{ type: 'mention', offset: 0, length: 12 }] });
    const mentioned = await user.reply();
    assert.ok(blockquote(mentioned.text).includes('30余次'));
    assert.ok(mentioned.reply_parameters?.message_id, 'quotes the question it answers');

    await user.command('/ask 史村镇为多少个行政村配齐了法律明白人？');
    assert.ok(blockquote((await user.reply()).text).includes('27个行政村配齐配全法律明白人'));

    const botMessage = { message_id: mentioned.messageId, from: { id: EMULATED_BOT.id, is_bot: true, first_name: 'Bot' }, chat: { id: -1001, type: 'group' }, date: 0 };
    await user.say('柏山镇召开了几次防范电信诈骗专项会议？', { reply_to_message: botMessage });
    assert.ok(blockquote((await user.reply()).text).includes('12次'));

    await user.command('/ask');
    assert.equal((await user.reply()).text, zh.askWhat);
    await waitFor(() => bot.inflight.size === 0, 'idle');
    assert.equal(user.messages().length, 4, 'the message not meant for the bot got no answer');
  });

  it('replies once when the rate limit is reached, then drops questions until the window ends', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 301, languageCode: 'en' });
    for (let i = 0; i < 4; i++) {
      await user.say('柏山镇组织了多少次普法宣传？');
      assert.ok((await user.reply()).text.includes('30余次'));
    }
    await user.say('柏山镇组织了多少次普法宣传？');
    assert.equal((await user.reply()).text, en.rateLimited(60));
    await user.say('柏山镇组织了多少次普法宣传？');
    await user.command('/help'); // not limited
    assert.ok((await user.reply()).text.includes('/sources'));
    await waitFor(() => bot.inflight.size === 0, 'idle');
    assert.equal(user.messages().length, 6);
  });

  it('says what it can do on unknown commands and on things other than text', async () => {
    const user = new TestUser(emu, TOKEN, { userId: 401, languageCode: 'en' });
    await user.command('/frobnicate');
    assert.equal((await user.reply()).text, en.unknownCommand);
  });
});

describe('bot with an allowlist', () => {
  it('refuses users not on it, answers those on it', async () => {
    const token = '100002:allowlist-token';
    const config = configFor({ token, allowedIds: [4242] });
    const running = await launch(createBot(config, searcher, { log }), config);
    try {
      const stranger = new TestUser(emu, token, { userId: 201, languageCode: 'en' });
      await stranger.say('柏山镇组织了多少次普法宣传？');
      assert.equal((await stranger.reply()).text, en.notAllowed);
      const friend = new TestUser(emu, token, { userId: 4242, languageCode: 'en' });
      await friend.say('柏山镇组织了多少次普法宣传？');
      assert.ok((await friend.reply()).text.includes('30余次'));
    } finally {
      await running.stop();
    }
  });
});

describe('bot lifecycle', () => {
  it('finishes answers under way when stopped', async () => {
    const token = '100003:shutdown-token';
    const config = configFor({ token });
    const slow: Searcher = { ...searcher, search: async (q, o) => (await sleep(300), searcher.search(q, o)), sources: () => searcher.sources(), info: () => searcher.info(), reportsNamed: (t) => searcher.reportsNamed(t) };
    const bot = createBot(config, slow, { log });
    const running = await launch(bot, config);
    const user = new TestUser(emu, token, { userId: 501, languageCode: 'en' });
    await user.say('柏山镇组织了多少次普法宣传？');
    await waitFor(() => bot.inflight.size > 0, 'the question in flight');
    await running.stop();
    assert.equal(user.messages().length, 1, 'answered before stop() resolved');
    assert.ok(user.messages()[0]!.text.includes('30余次'));
    await running.done;
  });

  it('fails to start with one clear line when the Bot API cannot be reached', async () => {
    const config = configFor({ token: '100008:unreachable-token', apiRoot: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(startBot(createBot(config, searcher, { log }), config, { log, connectAttempts: 1 }), /^Error: cannot reach the Bot API at http:\/\/127\.0\.0\.1:\d+ \(HttpError: Network request for 'getMe' failed!\)$/);
  });

  it('runs with a webhook when WEBHOOK_URL is set: the secret registered, the answer sent as the webhook reply', async () => {
    const token = '100004:webhook-token';
    const port = await freePort();
    // Telegram's side: the front delivers to the webhook with the secret header, as Telegram does.
    const front = await startFront(emu.server as unknown as FrontEmulator, Number(new URL(emu.apiRoot).port));
    const secret = 'e2e-webhook-secret-0123456789';
    const config = configFor({ token, apiRoot: front.root, webhookUrl: `http://127.0.0.1:${port}/telegram`, webhookPort: port, webhookSecret: secret, stateDir: path.join(tmp, 'state') });
    const running = await startBot(createBot(config, searcher, { log }), config, { log });
    try {
      assert.equal(running.mode, 'webhook');
      const user = new TestUser(emu, token, { userId: 601, languageCode: 'zh' });
      await user.say('柏山镇组织了多少次普法宣传？');
      assert.ok((await user.reply()).text.includes('30余次'));
      assert.deepEqual(front.stats(), { delivered: 1, failed: 0, redelivered: 0 });
    } finally {
      await running.stop();
      await front.close();
    }
    await running.done;
  });
});

describe('updates the emulator cannot send (through handleUpdate)', () => {
  const from = { id: 701, is_bot: false, first_name: 'Inline', language_code: 'en' };
  const chat = { id: 701, type: 'private' as const, first_name: 'Inline' };
  let updateId = 1;

  /** The real bot with nothing leaving the process: every API call is recorded and answered "ok". */
  function offlineBot(bot: ConfigOverrides['bot'], withSearcher: Searcher = searcher) {
    const calls: Call[] = [];
    const instance = createBot(configFor(bot), withSearcher, { log, botInfo: { ...EMULATED_BOT, is_bot: true, first_name: 'Test' } as never });
    instance.api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown>, ok: true });
      const result = method === 'sendMessage' ? { message_id: 1, date: 0, chat, text: '' } : true;
      return { ok: true, result } as never;
    });
    /** Handles one update; returns the calls it made. */
    const send = async (update: Omit<Update, 'update_id'>) => {
      calls.length = 0;
      await instance.handleUpdate({ update_id: updateId++, ...update } as Update);
      return [...calls];
    };
    return { bot: instance, send };
  }

  let send: ReturnType<typeof offlineBot>['send'];
  before(() => {
    send = offlineBot({ token: '100005:inline-token' }).send;
  });

  it('retries a reply that failed on the network, so the answer is not lost', async () => {
    // A Bot API on 127.0.0.1 that drops the connection of the first sendMessage, then answers.
    let attempts = 0;
    const server = http.createServer((req, res) => {
      if (!req.url?.endsWith('/sendMessage')) return void res.end(JSON.stringify({ ok: true, result: true }));
      if (++attempts === 1) return void req.socket.destroy();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, result: { message_id: 1, date: 0, chat, text: '' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const instance = createBot(configFor({ token: '100009:flaky-token', apiRoot }), searcher, { log, botInfo: { ...EMULATED_BOT, is_bot: true, first_name: 'Test' } as never });
      await instance.handleUpdate({ update_id: updateId++, message: { message_id: 9, date: 0, chat, from, text: '柏山镇组织了多少次普法宣传？' } } as Update);
      assert.equal(attempts, 2, 'one dropped request, one retry that delivered the answer');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('offers the top results as articles in inline mode', async () => {
    const [call] = await send({ inline_query: { id: 'iq1', from, query: '柏山镇组织了多少次普法宣传？', offset: '', chat_type: 'private' } });
    assert.equal(call?.method, 'answerInlineQuery');
    const results = call!.payload.results as InlineQueryResultArticle[];
    assert.ok(results.length >= 2 && results.length <= 5, `${results.length} results: the relevant ones, at most RESULTS_PER_ANSWER`);
    const content = results[0]!.input_message_content as InputTextMessageContent;
    assert.equal(content.parse_mode, 'HTML');
    checkHtml(content.message_text);
    assert.ok(content.message_text.includes('30余次') && content.message_text.includes('〔柏山镇 2023'));
    assert.ok(results.every((r) => Buffer.byteLength(r.id) <= 64 && r.title.length > 0 && r.description?.includes('〔')));
    // Titled with the answering clause, described with the reference: the answer is visible before sending.
    assert.equal(results[0]!.title, '先后组织各类普法宣传30余次');
    assert.ok(results[0]!.description?.startsWith('〔柏山镇 2023 · 二、（二）2.〕'), results[0]!.description);
  });

  it('answers an empty or unanswerable inline query with a hint button', async () => {
    const [empty] = await send({ inline_query: { id: 'iq2', from, query: '  ', offset: '' } });
    assert.deepEqual(empty?.payload.results, []);
    assert.equal((empty?.payload.button as { text: string }).text, en.inlineHint);
    const [none] = await send({ inline_query: { id: 'iq3', from, query: '今年的高考分数线是多少？', offset: '' } });
    assert.deepEqual(none?.payload.results, []);
    assert.equal((none?.payload.button as { text: string }).text, en.inlineNoAnswer);
  });

  it('ignores edited messages and channel posts; asks for text on stickers and photos', async () => {
    const message = { message_id: 5, date: 0, chat, from, text: '柏山镇组织了多少次普法宣传？' };
    assert.deepEqual(await send({ edited_message: { ...message, edit_date: 1 } as never }), []);
    assert.deepEqual(await send({ channel_post: { message_id: 6, date: 0, chat: { id: -100, type: 'channel', title: 'c' }, text: 'hi' } as never }), []);
    const sticker = await send({ message: { message_id: 7, date: 0, chat, from, sticker: { file_id: 'x', file_unique_id: 'y', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } } as never });
    assert.deepEqual(sticker.map((c) => [c.method, c.payload.text]), [['sendMessage', en.onlyText]]);
    const photo = await send({ message: { message_id: 8, date: 0, chat, from, photo: [], caption: 'what?' } as never });
    assert.deepEqual(photo.map((c) => c.payload.text), [en.onlyText]);
  });

  it('tells the user briefly when search fails, never the error', async () => {
    const broken: Searcher = { ...searcher, search: async () => Promise.reject(new Error(`index exploded at /secret/path ${TOKEN}`)), sources: () => [], info: () => searcher.info() };
    const failing = offlineBot({ token: '100006:failing-token' }, broken);
    const sent = await failing.send({ message: { message_id: 9, date: 0, chat, from, text: 'anything' } as never });
    assert.deepEqual(sent.filter((c) => c.method === 'sendMessage').map((c) => c.payload.text), [en.searchFailed]);
    assert.ok(logs.some((l) => l.includes('ERROR search failed') && l.includes('index exploded') && l.includes('***')));
  });

  it('over the limit, "all from this report" still stops the button spinner', async () => {
    const limited = offlineBot({ token: '100007:limited-token', rateLimit: 1 });
    const asked = await limited.send({ message: { message_id: 10, date: 0, chat, from, text: '柏山镇组织了多少次普法宣传？' } as never });
    const markup = asked.find((c) => c.method === 'sendMessage')!.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] };
    const data = markup.inline_keyboard.flat().find((b) => b.text === en.sameReport)!.callback_data;
    const press = () => limited.send({ callback_query: { id: 'cb', from, chat_instance: 'ci', data, message: { message_id: 1, date: 0, chat, text: '' } } as never });
    assert.deepEqual((await press()).map((c) => [c.method, c.payload.text]), [['answerCallbackQuery', en.rateLimited(60)], ['answerCallbackQuery', undefined]]);
    assert.deepEqual((await press()).map((c) => [c.method, c.payload.text]), [['answerCallbackQuery', undefined]]);
  });

  it('webhook mode, several processes: a button pressed on another process than the one that answered still pages', async () => {
    const shared = { token: '100011:shared-token', webhookUrl: 'https://bot.example.org/telegram', stateDir: path.join(tmp, 'state-shared') };
    const [one, two] = [offlineBot(shared), offlineBot(shared)];
    const asked = await one.send({ message: { message_id: 11, date: 0, chat, from, text: '柏山镇组织了多少次普法宣传？' } as never });
    const markup = asked.find((c) => c.method === 'sendMessage')!.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] };
    const next = markup.inline_keyboard.flat().find((b) => b.text.startsWith(en.next))!.callback_data;
    const pressed = await two.send({ callback_query: { id: 'cb2', from, chat_instance: 'ci', data: next, message: { message_id: 1, date: 0, chat, text: '' } } as never });
    const edit = pressed.find((c) => c.method === 'editMessageText');
    assert.ok(edit, JSON.stringify(pressed));
    assert.match(JSON.stringify(edit.payload.reply_markup), /"2\/[2-5]"/, JSON.stringify(edit.payload.reply_markup)); // result 2 of the relevant ones
    // Without the shared folder (long polling: one process) the other process would not know the answer.
    const alone = offlineBot({ token: '100012:alone-token' });
    const pressedAlone = await alone.send({ callback_query: { id: 'cb3', from, chat_instance: 'ci', data: next, message: { message_id: 1, date: 0, chat, text: '' } } as never });
    assert.deepEqual(pressedAlone.map((c) => [c.method, c.payload.text]), [['answerCallbackQuery', en.expired]]);
  });
});
