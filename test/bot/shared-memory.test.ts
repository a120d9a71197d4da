/**
 * Issue 20 fault 9: follow-ups across webhook instances. Two real bot processes' worth of bots (each its
 * own webhook server, one STATE_DIR), the question delivered to one and its follow-ups to the other, as
 * round-robin nginx does: the follow-up is understood as the previous question again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { UpdateClaims } from '../../src/bot/claims.js';
import { type BotHttpServer, startHttpServer } from '../../src/bot/http.js';
import { createLogger } from '../../src/bot/log.js';
import type { Config } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import { tempDir, testConfig } from '../helpers.js';
import { type Emulator, HOST, startEmulator } from '../support/emulator.js';

const TOKEN = '100020:shared-memory-token';
const SECRET = 'shared-memory-secret';

describe('issue 20 fault 9: a follow-up reaching another webhook instance', () => {
  let emu: Emulator;
  let config: Config;
  const searchers: LiveSearcher[] = [];
  const servers: BotHttpServer[] = [];

  before(async () => {
    const root = tempDir('rqb-shared-memory-');
    emu = await startEmulator();
    config = testConfig({ indexDir: path.join(root, 'index'), bot: { token: TOKEN, apiRoot: emu.apiRoot, allowedIds: [], webhookUrl: `http://${HOST}:1/telegram`, webhookSecret: SECRET, stateDir: path.join(root, 'state') } });
    await ingest(config, { log: () => {} });
    for (let i = 0; i < 2; i++) {
      const searcher = await openLiveSearcher(config, { log: () => {}, checkEveryMs: 0 });
      searchers.push(searcher);
      const log = createLogger('warn', [TOKEN]);
      const bot = createBot(config, searcher, { log });
      await bot.init();
      servers.push(await startHttpServer({ config, searcher, metrics: bot.metrics, log, port: 0, webhook: { bot, path: '/telegram', secret: SECRET, claims: new UpdateClaims(path.join(config.bot.stateDir, 'updates')) } }));
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const s of searchers) s.close();
    await emu?.stop();
  });

  let nextId = 80_000;
  /** Delivers a private message to one instance; resolves with the text of the answer it gave. */
  function ask(instance: number, chat: number, text: string): Promise<string> {
    const id = nextId++;
    const from = { id: chat, is_bot: false, first_name: 'U', language_code: 'zh-hans' };
    const update = { update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chat, type: 'private', first_name: 'U' }, from, text } };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: HOST, port: servers[instance]!.port, path: '/telegram', method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body ? String(JSON.parse(body).text) : ''));
      });
      req.on('error', reject);
      req.end(JSON.stringify(update));
    });
  }

  it('"那史村镇呢？" on the other instance asks the previous question of 史村镇', { timeout: 120_000 }, async () => {
    const first = await ask(0, 9101, '柏山镇组织了多少次普法宣传？');
    assert.ok(first.includes('30余次'), first);
    const followUp = await ask(1, 9101, '那史村镇呢？');
    // Asked alone, "那史村镇呢？" is no question; as a follow-up it quotes 史村镇's report on its 宣传 work.
    assert.ok(followUp.includes('〔史村镇') && /宣传/.test(followUp), followUp);
    const files = fs.readdirSync(path.join(config.bot.stateDir, 'conversations'));
    assert.deepEqual(files, ['9101.json']);
    assert.equal(fs.statSync(path.join(config.bot.stateDir, 'conversations', '9101.json')).mode & 0o777, 0o600);
  });
});
