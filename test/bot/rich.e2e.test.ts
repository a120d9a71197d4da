/**
 * Rich messages (Bot API 10.1) end to end: the real bot long-polling the emulator, with sendRichMessage
 * answered by helpers/rich-api.ts, which checks every call against grammY's published types and refuses a
 * malformed one with 400, or answers 404 as an older Bot API server. Corpus: a LibreOffice PDF (东湖镇) and
 * the two seed reports as text.
 * - rich path: the answer is a block quotation ending in a footnote reference, the footnote cites it (with
 *   its page); "Show page" is a photo block with the PNG uploaded; a comparison is a table; buttons edit it;
 * - 400: the HTML message arrives instead, every time (a refusal of one message says nothing of the next);
 * - 404: the HTML message arrives, and the bot does not try again in that process (nor for "Show page").
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InputRichMessage } from '@grammyjs/types';
import { createBot } from '../../src/bot/bot.js';
import { createLogger } from '../../src/bot/log.js';
import { CITATION_NOTE } from '../../src/bot/rich.js';
import { type RunningBot, startBot } from '../../src/bot/run.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import { SEED_CORPUS, tempDir, testConfig } from '../helpers.js';
import { BotApiTypes } from './helpers/bot-api-types.js';
import { buttonData, type Emulator, emulateLongPolling, startEmulator, TestUser, waitFor } from '../support/emulator.js';
import { FileEndpoints } from './helpers/files.js';
import { RichApi, type RichApiOptions } from './helpers/rich-api.js';

const DONGHU_PDF = path.join(PROJECT_ROOT, 'test/fixtures/documents/pdf-plain/东湖镇-2023年法治政府建设工作报告.pdf');
const SLOW = 60_000;
const PDF_QUESTION = '东湖镇培育了多少名法律明白人？';
const PDF_REFERENCE = '〔东湖镇 2023 · 一、（三）三是 · 第2页〕';

type Node = Record<string, unknown>;

/** Every object in a rich message (blocks, rich texts, cells), depth first. */
function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (typeof value !== 'object' || value === null) return [];
  return [value as Node, ...Object.values(value).flatMap(nodes)];
}

/** The plain text of a rich text (or of any part of a rich message). */
function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(plain).join('');
  if (typeof value !== 'object' || value === null) return '';
  const n = value as Node;
  return plain(n.text ?? n.blocks ?? n.cells ?? '');
}

function blocksOf(rich: InputRichMessage<string>, type: string): Node[] {
  return (rich.blocks ?? []).filter((b) => b.type === type) as unknown as Node[];
}

describe('rich messages, and the HTML message when the Bot API refuses them', () => {
  let emu: Emulator;
  let files: FileEndpoints;
  let types: BotApiTypes;
  let searcher: LiveSearcher;
  let corpus: string;
  let indexDir: string;
  const running: { bot: RunningBot; api: RichApi }[] = [];
  const errors: string[] = [];
  let nextUser = 2150;

  before(async () => {
    corpus = tempDir('rqb-rich-');
    fs.copyFileSync(DONGHU_PDF, path.join(corpus, path.basename(DONGHU_PDF)));
    for (const f of fs.readdirSync(SEED_CORPUS)) fs.copyFileSync(path.join(SEED_CORPUS, f), path.join(corpus, f));
    indexDir = tempDir('rqb-rich-index-');
    const config = testConfig({ corpusDirs: [corpus], indexDir });
    await ingest(config, { log: () => {} });
    searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    emu = await startEmulator();
    files = await FileEndpoints.start(emu);
    types = BotApiTypes.load();
  });
  after(async () => {
    for (const { bot, api } of running) {
      await bot.stop();
      await api.stop();
    }
    searcher?.close();
    await files?.stop();
    await emu?.stop();
    assert.deepEqual(errors, []);
  });

  /** A bot with RICH_MESSAGES=auto behind a rich-message server with these options; a user of its own. */
  async function botBehind(options: RichApiOptions, token: string) {
    const api = await RichApi.start(files.apiRoot, options, types);
    const config = testConfig({ corpusDirs: [corpus], indexDir, bot: { token, apiRoot: api.apiRoot, allowedIds: [], adminIds: [], richMessages: 'auto' } });
    const log = createLogger('error', [token], (line) => errors.push(line));
    const bot = createBot(config, searcher, { log });
    bot.api.config.use(emulateLongPolling());
    running.push({ bot: await startBot(bot, config, { log }), api });
    const user = () => new TestUser(emu, token, { userId: nextUser++, languageCode: 'zh-hans' });
    const richTo = (u: TestUser, n: number) => waitFor(() => api.sent.filter((m) => m.chatId === String(u.chatId))[n - 1], `rich message ${n}`, SLOW);
    return { api, user, richTo };
  }

  it('the emulator refuses malformed rich messages with 400, as Telegram does, and takes well-formed ones', { timeout: SLOW }, async () => {
    const api = await RichApi.start(files.apiRoot, {}, types);
    try {
      const call = async (params: object) => {
        const res = await fetch(`${api.apiRoot}/bot1:x/sendRichMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
        return `${res.status} ${((await res.json()) as { description?: string }).description ?? 'ok'}`;
      };
      const paragraph = { type: 'paragraph', text: 'x' };
      assert.equal(await call({ chat_id: 1, rich_message: { blocks: [paragraph] } }), '200 ok');
      assert.equal(await call({ chat_id: 1, rich_message: { blocks: [{ type: 'heading', text: 'x' }] } }), '400 Bad Request: rich_message.blocks[0].size: required');
      assert.equal(await call({ chat_id: 1, rich_message: { blocks: [{ type: 'headline', text: 'x' }] } }), '400 Bad Request: rich_message.blocks[0].type: unknown type "headline"');
      assert.equal(
        await call({ chat_id: 1, rich_message: { blocks: [{ type: 'table', cells: [[{ text: 'a', align: 'middle', valign: 'top' }]] }] } }),
        '400 Bad Request: rich_message.blocks[0].cells[0][0].align: must be "left" | "center" | "right"',
      );
      assert.equal(await call({ chat_id: 1, rich_message: { blocks: [{ type: 'paragraph', text: [{ type: 'reference_link', text: '1' }] }] } }), '400 Bad Request: rich_message.blocks[0].text[0].reference_name: required');
      assert.equal(await call({ rich_message: { blocks: [paragraph] } }), '400 Bad Request: chat_id: required');
      assert.equal(await call({ chat_id: 1, rich_message: { blocks: [paragraph], html: '<p>x</p>' } }), '400 Bad Request: exactly one of blocks, html or markdown must be given, not blocks, html');
      assert.equal(
        await call({ chat_id: 1, rich_message: { blocks: [{ type: 'photo', photo: { type: 'photo', media: 'attach://nothing' } }] } }),
        '400 Bad Request: file attach://nothing is not in the request',
      );
      assert.equal(api.sent.length, 1);
    } finally {
      await api.stop();
    }
  });

  it('rich path: quote as block quotation with its citation as footnote, the page as a photo block, a comparison as a table', { timeout: SLOW }, async () => {
    const { api, user: newUser, richTo } = await botBehind({}, '100022:rich-token');
    const user = newUser();
    await user.say(PDF_QUESTION);
    const answer = await richTo(user, 1);
    const [quote] = blocksOf(answer.rich, 'blockquote');
    assert.ok(quote, 'a block quotation');
    assert.match(plain(quote), /186/);
    const link = nodes(quote).find((n) => n.type === 'reference_link');
    assert.equal(link?.reference_name, CITATION_NOTE, 'the quote ends in a footnote reference');
    const note = nodes(answer.rich.blocks).find((n) => n.type === 'reference' && n.name === CITATION_NOTE);
    assert.ok(note, 'the footnote it refers to');
    assert.ok(plain(note.text).includes(PDF_REFERENCE), plain(note.text));
    assert.match(plain(note.text), /关于2023年度法治政府建设工作情况的报告/);
    assert.deepEqual(user.messages(), [], 'no HTML message besides');

    // Buttons: the next result edits the message with a rich message; "原文" sends the page as a photo block.
    const showFirstPage = buttonData({ messageId: answer.messageId, text: '', reply_markup: answer.replyMarkup }, '原文');
    await user.press(answer.messageId, buttonData({ messageId: answer.messageId, text: '', reply_markup: answer.replyMarkup }, '下一条 ›'));
    await waitFor(() => answer.edits.length > 0, 'the next result', SLOW);
    const [edit] = answer.edits;
    assert.ok(edit && 'rich' in edit, 'edited with a rich message');
    assert.notEqual(plain(blocksOf(edit.rich, 'blockquote')), plain(quote), 'another quote');
    assert.ok(nodes(edit.rich.blocks).some((n) => n.type === 'reference' && n.name === CITATION_NOTE), 'with its footnote');
    await user.press(answer.messageId, showFirstPage);
    const page = await richTo(user, 2);
    const [photo] = blocksOf(page.rich, 'photo') as { photo: { media: string }; caption: { text: unknown; credit: unknown } }[];
    assert.ok(photo, 'a photo block');
    const upload = page.files.get(photo.photo.media.replace('attach://', ''));
    assert.deepEqual([...upload!.data.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(upload!.fileName, 'page-2.png');
    assert.equal(plain(photo.caption.text), '〔东湖镇 2023 · 一、（三） · 第2页〕');
    assert.equal(plain(photo.caption.credit), '《关于2023年度法治政府建设工作情况的报告》');

    const other = newUser();
    await other.say('柏山镇和史村镇哪个发放的宣传资料多？');
    const comparison = await richTo(other, 1);
    const [table] = blocksOf(comparison.rich, 'table') as { cells: { text: unknown; is_header?: boolean }[][] }[];
    assert.ok(table, 'a table');
    assert.deepEqual(table.cells[0]!.map((c) => [plain(c.text), c.is_header]), [['报告', true], ['说法', true], ['出处', true]]);
    assert.deepEqual(table.cells.slice(1).map((row) => plain(row[0]!.text).slice(0, 3)).sort(), ['史村镇', '柏山镇']);
    for (const row of table.cells.slice(1)) assert.match(plain(row[2]!.text), /^〔(柏山|史村)镇 2023/);
    assert.ok(api.calls.every((c) => c.endsWith(' 200')), api.calls.join(', '));
  });

  it('400 (a message the server finds malformed): the HTML message arrives instead, and the next answer tries again', { timeout: SLOW }, async () => {
    // Telegram's own limit, lowered: the answer's rich message is too long for this server.
    const { api, user: newUser } = await botBehind({ textChars: 40 }, '100023:rich-400-token');
    const user = newUser();
    for (const n of [1, 2]) {
      await user.say(PDF_QUESTION);
      const m = await user.reply(SLOW);
      assert.equal(m.parse_mode, 'HTML');
      assert.match(m.text, /186/);
      assert.ok(m.text.includes(`<code>${PDF_REFERENCE}</code>`), m.text);
      assert.ok(buttonData(m, '原文'));
      assert.deepEqual(api.calls, Array(n).fill('sendRichMessage 400'));
    }
    assert.equal(api.sent.length, 0);
  });

  it('404 (a Bot API server older than 10.1): the HTML message arrives, and this process does not try again', { timeout: SLOW }, async () => {
    const { api, user: newUser } = await botBehind({ lacksRichMessages: true }, '100024:rich-404-token');
    const user = newUser();
    await user.say(PDF_QUESTION);
    const first = await user.reply(SLOW);
    assert.match(first.text, /186/);
    assert.deepEqual(api.calls, ['sendRichMessage 404']);
    await user.say('柏山镇组织了多少次普法宣传？');
    assert.match((await user.reply(SLOW)).text, /30余次/);
    const photos = files.photos.length;
    await user.press(first.messageId, buttonData(first, '原文'));
    await waitFor(() => files.photos.length > photos, 'the page as a photo', SLOW);
    assert.equal(files.photos.at(-1)!.fileName, 'page-2.png');
    assert.deepEqual(api.calls, ['sendRichMessage 404'], 'one failed call in all');
  });
});
