/**
 * Whatever people send, the answer is a valid Telegram message: property-based tests (fast-check) over
 * the whole path, question → search → formatting → the bot's reply, with questions built from empty,
 * blank and one-character text, 10,000+ characters, emoji and ZWJ sequences, control, zero-width and
 * bidi characters, right-to-left scripts, bare punctuation, HTML and Markdown (`<b>`, `</blockquote>`,
 * `&amp;`), lone surrogates and mixed languages. Every reply is under 4096 characters and valid
 * Telegram HTML (checked by test/helpers/telegram-html.ts, written from the Bot API's rules), and the
 * bot answers every update exactly once, never with a failure. Forged button data and inline queries
 * get the same treatment; the allowlist holds for messages, buttons and inline queries.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Update } from 'grammy/types';
import { createBot } from '../../src/bot/bot.js';
import { renderNoAnswer, renderResult, TELEGRAM_TEXT_LIMIT } from '../../src/bot/format.js';
import { answerKeyboard, CALLBACK_DATA_LIMIT, decodeButton, html } from '../../src/bot/telegram-html.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { silentLogger } from '../../src/bot/log.js';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { checkTelegramHtml } from '../helpers/telegram-html.js';
import { tempDir, testConfig } from '../helpers.js';

const FRAGMENTS = [
  '',
  ' ',
  '\n',
  '\t',
  '？',
  '。',
  '!!!',
  '……',
  '<b>',
  '</b>',
  '</blockquote>',
  '<blockquote expandable>',
  '<a href="javascript:alert(1)">',
  '&amp;',
  '&',
  '&lt;',
  '&#0;',
  '"',
  "'",
  '**bold**',
  '`code`',
  '[link](http://x)',
  '😀',
  '👩‍👩‍👧‍👦',
  '🇨🇳',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u202e',
  '\u200f',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\ud800',
  '\udfff',
  'مرحبا بالعالم',
  'שלום',
  'Привет',
  '柏山镇',
  '史村镇',
  '普法宣传',
  '多少次',
  '矛盾纠纷',
  '法治政府建设',
  '柏山鎮',
  'How many',
  'Baishan',
  'rule of law',
  '法',
  'x',
];

const REAL = ['柏山镇组织了多少次普法宣传？', '史村镇怎样推进科学决策？', '矛盾调处中心接待了多少来访群众？', '柏山鎮化解了多少起矛盾糾紛？', 'How many special meetings on telecom fraud did Baishan hold?'];
const noise = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 3 }).map((a) => a.join(''));

/**
 * Questions: fragments and arbitrary text glued together, sometimes repeated past 10,000 characters;
 * or a question the reports answer, wrapped in noise (so that answers, not only abstentions, are rendered).
 */
const question = fc.oneof(
  fc.tuple(noise, fc.constantFrom(...REAL), noise).map(([a, q, b]) => `${a}${q}${b}`),
  fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 })), { maxLength: 12 }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 300, max: 3000 }) }),
  )
  .map(([parts, repeat]) => parts.join('').repeat(repeat)),
);

const zh = stringsFor('zh');
const en = stringsFor('en');
let config: Config;
let searcher: Searcher;

before(async () => {
  config = testConfig({ indexDir: tempDir('rqb-fuzz-') });
  await ingest(config, { log: () => {} });
  searcher = await openSearcher(config, { log: () => {} });
});

/** A reply as Telegram would take it: within the limit, valid HTML when sent as HTML. */
function assertValidMessage(text: unknown, parseMode: unknown, what: string) {
  assert.equal(typeof text, 'string', what);
  const t = text as string;
  assert.ok(t.length > 0 && t.length <= TELEGRAM_TEXT_LIMIT, `${what}: ${t.length} characters`);
  if (parseMode === 'HTML') checkTelegramHtml(t);
  else assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t), `${what}: lone surrogate`);
}

describe('fuzz: search and formatting', () => {
  it('every question yields answers that render to valid HTML under 4096 characters, with valid buttons', async () => {
    const seen = { answered: 0, abstained: 0, long: 0 };
    await fc.assert(
      fc.asyncProperty(question, async (q) => {
        const a = await searcher.search(q, { k: 5 });
        seen[a.abstained ? 'abstained' : 'answered']++;
        if (q.length > 10_000) seen.long++;
        assert.equal(typeof a.abstained, 'boolean');
        if (q.length > config.search.maxQuestionChars) assert.ok(a.notices.some((n) => /shortened/.test(n)), 'over-long questions are cut with a note');
        if (a.abstained) {
          assert.deepEqual(a.results, []);
          for (const s of [zh, en]) assertValidMessage(renderNoAnswer(a, s, html), 'HTML', 'no answer');
          return;
        }
        a.results.forEach((_, i) => {
          for (const mode of ['quote', 'full'] as const) {
            // The header line (a report's title in the bot) carries user text here: any markup in it is escaped.
            // (Text from Telegram is UTF-8, so it never holds a lone surrogate; none is put there.)
            const header = q.slice(0, 400).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
            assertValidMessage(renderResult(a, i, { s: zh, markup: html, mode, header }), 'HTML', `result ${i} ${mode}`);
            for (const row of answerKeyboard(a, 'Ab3_x9-Z', i, mode, zh, { sameReport: true })?.inline_keyboard ?? []) {
              for (const b of row) {
                const data = 'callback_data' in b ? b.callback_data! : '';
                assert.ok(Buffer.byteLength(data) <= CALLBACK_DATA_LIMIT && decodeButton(data), data);
              }
            }
          }
        });
      }),
      { numRuns: 150, seed: 20260601 },
    );
    // The generator reaches every branch: answers, abstentions and questions over 10,000 characters.
    assert.ok(seen.answered >= 15 && seen.abstained >= 15 && seen.long >= 3, JSON.stringify(seen));
  });

  it('the HTML validator itself rejects what Telegram rejects', () => {
    for (const bad of ['<b>x', 'x</b>', '<b><i>x</b></i>', 'a < b', 'a > b', 'AT&T', '<blockquote><blockquote>x</blockquote></blockquote>', '<code><b>x</b></code>', '<script>x</script>', '<a>x</a>', '\ud800']) {
      assert.throws(() => checkTelegramHtml(bad), Error, bad);
    }
    assert.equal(checkTelegramHtml('<blockquote expandable><b>a</b> &lt;&amp;&gt; &quot;</blockquote><a href="https://x">l</a><pre><code class="language-ts">c</code></pre>'), 'a <&> "lc');
  });
});

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

/** The real bot, nothing leaving the process: updates go in through handleUpdate, API calls are recorded. */
function offlineBot(bot: Partial<Config['bot']> = {}) {
  const calls: Call[] = [];
  const instance = createBot({ ...config, bot: { ...config.bot, token: '1:fuzz', rateLimit: 10_000, ...bot } }, searcher, {
    log: silentLogger,
    botInfo: { id: 1, is_bot: true, first_name: 'Quote', username: 'QuoteBot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: true, can_connect_to_business: false, has_main_web_app: false } as never,
  });
  let messageId = 100;
  instance.api.config.use(async (_prev, method, payload) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    const p = payload as { chat_id?: number; text?: string };
    const result = method === 'sendMessage' ? { message_id: messageId++, date: 0, chat: { id: p.chat_id, type: 'private' }, text: p.text } : true;
    return { ok: true, result } as never;
  });
  let updateId = 1;
  /** Handles one update; returns the calls it made (typing indicators left out). */
  const send = async (update: Omit<Update, 'update_id'>): Promise<Call[]> => {
    calls.length = 0;
    await instance.handleUpdate({ update_id: updateId++, ...update } as Update);
    return calls.filter((c) => c.method !== 'sendChatAction');
  };
  return { send };
}

const user = (id: number, lang = 'zh') => ({ id, is_bot: false, first_name: 'U', language_code: lang });
const privateChat = (id: number) => ({ id, type: 'private' as const, first_name: 'U' });

describe('fuzz: the bot', () => {
  it('answers every text message exactly once, with a valid message and never a failure', async () => {
    const { send } = offlineBot();
    await fc.assert(
      fc.asyncProperty(question, fc.constantFrom('zh', 'en', 'zh-hant', 'ar', undefined), async (text, lang) => {
        const from = { ...user(7, 'x'), language_code: lang };
        const calls = await send({ message: { message_id: 1, date: 0, chat: privateChat(7), from, text } });
        assert.equal(calls.length, 1, JSON.stringify(calls.map((c) => c.method)));
        const [reply] = calls;
        assert.equal(reply!.method, 'sendMessage');
        assertValidMessage(reply!.payload.text, reply!.payload.parse_mode, 'reply');
        const s = stringsFor(lang === 'en' ? 'en' : 'zh');
        assert.notEqual(reply!.payload.text, s.searchFailed);
        assert.notEqual(reply!.payload.text, stringsFor('en').searchFailed);
        assert.doesNotMatch(String(reply!.payload.text), /\bat .+:\d+:\d+\)|Error:/, 'no stack trace or error shown');
      }),
      { numRuns: 80, seed: 20260602 },
    );
  });

  it('answers every inline query once with valid articles', async () => {
    const { send } = offlineBot();
    await fc.assert(
      fc.asyncProperty(question, async (query) => {
        const calls = await send({ inline_query: { id: 'iq', from: user(8), query: query.slice(0, 256), offset: '' } });
        assert.deepEqual(calls.map((c) => c.method), ['answerInlineQuery']);
        for (const r of calls[0]!.payload.results as { input_message_content: { message_text: string; parse_mode: string } }[]) {
          assertValidMessage(r.input_message_content.message_text, r.input_message_content.parse_mode, 'article');
        }
      }),
      { numRuns: 40, seed: 20260603 },
    );
  });

  it('answers forged or stale button data harmlessly: one short callback answer, no message, no edit', async () => {
    const { send } = offlineBot();
    const data = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.tuple(fc.constantFrom('q', 'f', 's', 'n', 'x'), fc.string({ maxLength: 20 }), fc.integer({ min: -5, max: 200 })).map(([a, k, i]) => `${a}:${k}:${i}`),
    );
    await fc.assert(
      fc.asyncProperty(data, async (d) => {
        const calls = await send({ callback_query: { id: 'cb', from: user(9, 'en'), chat_instance: 'c', data: d, message: { message_id: 5, date: 0, chat: privateChat(9), text: 'x' } as never } });
        if (decodeButton(d)?.action === 'n') return void assert.deepEqual(calls.map((c) => c.method), ['answerCallbackQuery']);
        assert.deepEqual(calls.map((c) => [c.method, c.payload.text]), [['answerCallbackQuery', decodeButton(d) ? en.expired : en.badButton]]);
      }),
      { numRuns: 100, seed: 20260604 },
    );
  });
});

describe('the allowlist holds for every kind of update', () => {
  const allowedUser = 4242;
  const allowedGroup = -100777;
  const bot = () => offlineBot({ allowedIds: [allowedUser, allowedGroup] });

  it('buttons and inline queries of strangers are refused, and nothing is searched or shown', async () => {
    const { send } = bot();
    const press = await send({ callback_query: { id: 'cb', from: user(1, 'en'), chat_instance: 'c', data: 'q:abc:1', message: { message_id: 5, date: 0, chat: privateChat(1), text: 'x' } as never } });
    assert.deepEqual(press.map((c) => [c.method, c.payload.text, c.payload.show_alert]), [['answerCallbackQuery', en.notAllowed, true]]);
    // (Other strangers each time: a stranger is told once per window, then ignored — see test/hardening/bot.test.ts.)
    const inline = await send({ inline_query: { id: 'iq', from: user(2), query: '柏山镇组织了多少次普法宣传？', offset: '' } });
    assert.deepEqual(inline.map((c) => [c.method, c.payload.results]), [['answerInlineQuery', []]]);
    const asked = await send({ message: { message_id: 1, date: 0, chat: privateChat(3), from: user(3, 'en'), text: '柏山镇组织了多少次普法宣传？' } });
    assert.deepEqual(asked.map((c) => c.payload.text), [en.notAllowed]);
  });

  it('a stranger in an allowed group is answered; a group message not meant for the bot gets nothing', async () => {
    const { send } = bot();
    const group = { id: allowedGroup, type: 'group' as const, title: 'g' };
    const asked = await send({ message: { message_id: 1, date: 0, chat: group, from: user(2), text: '/ask 柏山镇组织了多少次普法宣传？', entities: [{ type: 'bot_command', offset: 0, length: 4 }] } });
    assert.ok(String(asked.find((c) => c.method === 'sendMessage')?.payload.text).includes('30余次'));
    const other = { id: -100888, type: 'group' as const, title: 'h' };
    assert.deepEqual(await send({ message: { message_id: 2, date: 0, chat: other, from: user(2), text: 'hello all' } }), []);
  });

  it('the allowed user is answered everywhere: message, inline query', async () => {
    const { send } = bot();
    const asked = await send({ message: { message_id: 1, date: 0, chat: privateChat(allowedUser), from: user(allowedUser), text: '柏山镇组织了多少次普法宣传？' } });
    assert.ok(String(asked[0]?.payload.text).includes('30余次'));
    const inline = await send({ inline_query: { id: 'iq', from: user(allowedUser), query: '柏山镇组织了多少次普法宣传？', offset: '' } });
    assert.ok((inline[0]?.payload.results as unknown[]).length > 0);
  });
});

describe('the rate limit is per user', () => {
  it('one user over the limit is told once, politely; another user is still answered', async () => {
    const { send } = offlineBot({ rateLimit: 2 });
    const ask = (id: number) => send({ message: { message_id: 1, date: 0, chat: privateChat(id), from: user(id, 'en'), text: '柏山镇组织了多少次普法宣传？' } });
    for (let i = 0; i < 2; i++) assert.ok(String((await ask(11))[0]?.payload.text).includes('30余次'));
    assert.deepEqual((await ask(11)).map((c) => c.payload.text), [en.rateLimited(60)]);
    assert.deepEqual(await ask(11), [], 'said once per window');
    assert.ok(String((await ask(12))[0]?.payload.text).includes('30余次'));
  });
});
