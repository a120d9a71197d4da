/**
 * "原文 / Show page" end to end: the real bot long-polling the Bot API emulator (sendPhoto served in front
 * of it, helpers/files.ts), a corpus with a LibreOffice PDF (东湖镇, test/fixtures/documents/pdf-plain)
 * and a text report (柏山镇). A PDF answer's button sends the page as a photo with the quote marked and the
 * reference with its page as caption; a text answer's button sends the passage in context.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBot, type QuoteBot } from '../../src/bot/bot.js';
import { createLogger } from '../../src/bot/log.js';
import { type RunningBot, startBot } from '../../src/bot/run.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import { SEED_CORPUS, tempDir, testConfig } from '../helpers.js';
import { buttonData, type Emulator, emulateLongPolling, startEmulator, TestUser } from '../support/emulator.js';
import { FileEndpoints } from './helpers/files.js';

const TOKEN = '100021:show-page-token';
const DONGHU_PDF = path.join(PROJECT_ROOT, 'test/fixtures/documents/pdf-plain/东湖镇-2023年法治政府建设工作报告.pdf');
const SLOW = 60_000;

describe('the "原文 / Show page" button', () => {
  let emu: Emulator;
  let files: FileEndpoints;
  let searcher: LiveSearcher;
  let bot: QuoteBot;
  let running: RunningBot;
  const errors: string[] = [];
  const log = createLogger('error', [TOKEN], (line) => errors.push(line));

  before(async () => {
    const corpus = tempDir('rqb-showpage-');
    fs.copyFileSync(DONGHU_PDF, path.join(corpus, path.basename(DONGHU_PDF)));
    fs.copyFileSync(path.join(SEED_CORPUS, '柏山镇-2023年法治政府建设情况报告.txt'), path.join(corpus, '柏山镇-2023年法治政府建设情况报告.txt'));
    emu = await startEmulator();
    files = await FileEndpoints.start(emu);
    const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-showpage-index-'), bot: { token: TOKEN, apiRoot: files.apiRoot, allowedIds: [], adminIds: [] } });
    await ingest(config, { log: () => {} });
    searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    bot = createBot(config, searcher, { log });
    bot.api.config.use(emulateLongPolling());
    running = await startBot(bot, config, { log });
  });
  after(async () => {
    await running?.stop();
    searcher?.close();
    await files?.stop();
    await emu?.stop();
    assert.deepEqual(errors, []);
  });

  it('a PDF answer: the page of the answer as a photo, quote marked, the reference and page in the caption', { timeout: SLOW }, async () => {
    const user = new TestUser(emu, TOKEN, { userId: 2101, languageCode: 'zh-hans' });
    await user.say('东湖镇培育了多少名法律明白人？');
    const m = await user.reply();
    assert.match(m.text, /186/);
    assert.match(m.text, /〔东湖镇 2023 · 一、（三）三是 · 第2页〕/);
    await user.press(m.messageId, buttonData(m, '原文'));
    const photo = await waitForPhoto(files, String(user.chatId));
    assert.equal(photo.fileName, 'page-2.png');
    assert.equal(photo.parseMode, 'HTML');
    assert.equal(photo.caption, '<code>〔东湖镇 2023 · 一、（三） · 第2页〕</code>\n《关于2023年度法治政府建设工作情况的报告》');
    assert.deepEqual([...photo.data.subarray(1, 4)], [...Buffer.from('PNG')]);
    // PNG header: width and height (big-endian, at 16 and 20), at most 1280 a side.
    assert.ok(Math.max(photo.data.readUInt32BE(16), photo.data.readUInt32BE(20)) <= 1280);
  });

  it('a text answer: the passage in context, quote in bold, with its headings', { timeout: SLOW }, async () => {
    const user = new TestUser(emu, TOKEN, { userId: 2102, languageCode: 'zh-hans' });
    await user.say('柏山镇组织了多少次普法宣传？');
    const m = await user.reply();
    const before = files.photos.length;
    await user.press(m.messageId, buttonData(m, '原文'));
    const context = await user.reply(SLOW);
    assert.equal(context.parse_mode, 'HTML');
    assert.match(context.text, /^<b>柏山镇 2023年法治政府建设情况报告<\/b>|^<b>关于2023年法治政府建设情况的报告<\/b>/);
    assert.match(context.text, /二、推进法治政府建设的主要举措和成效/);
    assert.match(context.text, /<blockquote>[\s\S]*<b>[^<]*30余次[^<]*<\/b>[\s\S]*<\/blockquote>/);
    assert.match(context.text, /<code>〔柏山镇 2023 · 二、（二）2\.〕<\/code>$/);
    assert.equal(files.photos.length, before, 'no photo for a report without pages');
  });
});

async function waitForPhoto(files: FileEndpoints, chatId: string) {
  const until = Date.now() + SLOW;
  for (;;) {
    const photo = files.photos.find((p) => p.chatId === chatId);
    if (photo) return photo;
    if (Date.now() > until) throw new Error('no photo sent');
    await new Promise((r) => setTimeout(r, 20));
  }
}
