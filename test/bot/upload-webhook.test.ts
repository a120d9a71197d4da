/**
 * Issue 20 fault 10: in webhook mode an upload's replies arrived out of order: "Reading …" went back as
 * the webhook reply, which Telegram sends only once it gets the HTTP response, after the upload, while
 * "Added …" had gone through the Bot API already. The real bot behind its webhook server, the test in
 * Telegram's place: posting the update, and taking the response's method as sent when the response comes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBot, type QuoteBot } from '../../src/bot/bot.js';
import { UpdateClaims } from '../../src/bot/claims.js';
import { type BotHttpServer, startHttpServer } from '../../src/bot/http.js';
import { createLogger } from '../../src/bot/log.js';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import { tempDir, testConfig } from '../helpers.js';
import { type Emulator, HOST, startEmulator } from '../support/emulator.js';
import { FileEndpoints } from './helpers/files.js';

const TOKEN = '100020:upload-webhook-token';
const SECRET = 'upload-webhook-secret';
const ADMIN = 601;

describe('issue 20 fault 10: an upload in webhook mode', () => {
  let emu: Emulator;
  let files: FileEndpoints;
  let config: Config;
  let searcher: LiveSearcher;
  let bot: QuoteBot;
  let server: BotHttpServer;

  before(async () => {
    const root = tempDir('rqb-upload-webhook-');
    const corpus = path.join(root, 'corpus');
    fs.mkdirSync(corpus);
    fs.writeFileSync(path.join(corpus, '青石村-2023年工作报告.txt'), '青石村村民委员会\n一、农民夜校\n青石村全年举办农民夜校二十二期。\n');
    emu = await startEmulator();
    files = await FileEndpoints.start(emu);
    config = testConfig({
      corpusDirs: [corpus],
      indexDir: path.join(root, 'index'),
      bot: { token: TOKEN, apiRoot: files.apiRoot, adminIds: [ADMIN], allowedIds: [], webhookUrl: `http://${HOST}:1/telegram`, webhookSecret: SECRET, stateDir: path.join(root, 'state') },
    });
    await ingest(config, { log: () => {} });
    searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
    bot = createBot(config, searcher, { log: createLogger('warn', [TOKEN]) });
    await bot.init();
    server = await startHttpServer({ config, searcher, metrics: bot.metrics, log: createLogger('warn', [TOKEN]), port: 0, webhook: { bot, path: '/telegram', secret: SECRET, claims: new UpdateClaims(path.join(config.bot.stateDir, 'updates')) } });
  });
  after(async () => {
    await server?.close();
    searcher?.close();
    await files?.stop();
    await emu?.stop();
  });

  /** Delivers an update as Telegram does; resolves with the webhook reply's payload, if any. */
  function deliver(update: object): Promise<{ method?: string; text?: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: HOST, port: server.port, path: '/telegram', method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body ? JSON.parse(body) : {}));
      });
      req.on('error', reject);
      req.end(JSON.stringify(update));
    });
  }

  it('says "Reading …" before "Added …", as the admin sees them', { timeout: 120_000 }, async () => {
    const doc = files.put('东岭乡-水利报告.txt', Buffer.from('东岭乡人民政府\n一、工程建设\n东岭乡共修缮山塘水库十二座，受益群众三千余户。\n'));
    const from = { id: ADMIN, is_bot: false, first_name: 'Admin', language_code: 'zh-hans' };
    const update = { update_id: 70_001, message: { message_id: 1, date: Math.floor(Date.now() / 1000), chat: { id: ADMIN, type: 'private', first_name: 'Admin' }, from, document: doc } };
    const sentToAdmin = () => emu.server.storage.botMessages.filter((m) => Number(m.message.chat_id) === ADMIN).map((m) => String(m.message.text));
    const reply = await deliver(update);
    // What the admin sees, in order: what the bot sent through the API, then the webhook reply (sent by Telegram now).
    const seen = [...sentToAdmin(), ...(reply.method === 'sendMessage' ? [String(reply.text)] : [])];
    assert.equal(seen.length, 2, seen.join(' | '));
    // The "reading" message is edited in place with the progress of the index update (issue 25).
    assert.ok(seen[0]!.startsWith('正在读取 东岭乡-水利报告.txt 并更新索引……'), seen[0]);
    assert.match(seen[1]!, /^已收录《东岭乡 水利报告》/);
  });
});
