/**
 * Issue 20 fault 6: a full STATE_DIR under a webhook instance (`npm start`'s script in its own process,
 * Telegram played by the front over the emulator, STATE_DIR on a small real tmpfs). It used to answer
 * every update with HTTP 500 (claiming threw), leave half-written claim files, and say ok on /healthz.
 * Also: shared answer files are private (0600) and capped in number.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AnswerStore } from '../../src/bot/answers.js';
import { type Emulator, freePort, type Front, startFront } from '../support/bot-api-front.js';
import { type BotProcess, healthy, startBotProcess } from '../../bench/loadtest.js';
import { ingest } from '../../src/index/ingest.js';
import type { Answer } from '../../src/search/types.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';
import { canMount, SmallDisk } from './helpers/full-disk.js';

const HOST = '127.0.0.1';

function request(port: number, method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, path: p, method, headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body ?? '');
  });
}

function update(id: number, chatId: number, text: string): string {
  const from = { id: chatId, is_bot: false, first_name: 'U' };
  return JSON.stringify({ update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'U' }, from, text } });
}

/** Every file under a folder, recursively. */
const filesUnder = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());

describe('issue 20 fault 6: a webhook instance with a full STATE_DIR', { skip: !canMount && 'cannot mount a tmpfs here (needs root)' }, () => {
  let disk: SmallDisk;
  let emu: Emulator;
  let front: Front;
  let bot: BotProcess;
  let port: number;
  const lines: string[] = [];
  const state = () => path.join(disk.dir, 'state');

  before(async () => {
    disk = SmallDisk.mount(1024)!;
    const tmp = tempDir('rqb-state-disk-');
    const indexDir = path.join(tmp, 'index');
    await ingest(testConfig({ indexDir }), { log: () => {} });
    const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
    const emuPort = await freePort();
    emu = new TelegramServer({ port: emuPort, host: HOST, storeTimeout: 600 });
    await emu.start();
    front = await startFront(emu, emuPort);
    port = await freePort();
    bot = startBotProcess(
      { ...STANDIN_ENV, BOT_API_ROOT: front.root, WEBHOOK_URL: `http://${HOST}:${port}/telegram`, WEBHOOK_PORT: String(port), INDEX_DIR: indexDir, CORPUS_DIRS: SEED_CORPUS, STATE_DIR: state() },
      'tsx',
      (line) => lines.push(line),
    );
    await Promise.race([healthy(port), bot.exited.then(() => Promise.reject(new Error(lines.join('\n'))))]);
    await front.ready;
  });
  after(async () => {
    bot?.child.kill('SIGTERM');
    if (bot) await bot.exited;
    await front?.close();
    await emu?.stop();
    disk?.unmount();
  });

  it('answers without a claim (counted in /metrics), leaves no temp file, and /healthz says 503 until there is room', { timeout: 120_000 }, async () => {
    const secret = fs.readFileSync(path.join(state(), 'webhook-secret'), 'utf8');
    const post = (id: number) => request(port, 'POST', '/telegram', update(id, 7100 + id, '柏山镇组织了多少次普法宣传？'), { 'x-telegram-bot-api-secret-token': secret });
    const answered = await post(1);
    assert.equal(answered.status, 200);
    assert.ok(JSON.parse(answered.body).text.includes('30余次'));
    const shared = filesUnder(path.join(state(), 'answers'));
    assert.ok(shared.length >= 1);
    for (const f of shared) assert.equal(fs.statSync(path.join(state(), 'answers', f)).mode & 0o777, 0o600, `${f} holds a question: owner only`);

    disk.fill();
    const health = await request(port, 'GET', '/healthz');
    assert.equal(health.status, 503);
    assert.match(JSON.parse(health.body).problem, /cannot write claims in .*state\/updates \(ENOSPC\)/);
    for (const id of [2, 3]) {
      const r = await post(id);
      assert.equal(r.status, 200, `update ${id}: ${r.body}`);
      assert.ok(JSON.parse(r.body).text.includes('30余次'), 'answered anyway');
    }
    const metrics = await request(port, 'GET', '/metrics');
    assert.match(metrics.body, /^rqb_webhook_unclaimed_total 2$/m);
    assert.deepEqual(filesUnder(state()).filter((f) => f.endsWith('.tmp')), [], 'no half-written claim or answer');
    assert.ok(lines.some((l) => /WARN webhook: cannot claim update 2; answering it without a claim/.test(l)), lines.join('\n'));

    disk.free();
    assert.equal((await request(port, 'GET', '/healthz')).status, 200);
    assert.equal((await post(4)).status, 200);
    assert.match((await request(port, 'GET', '/metrics')).body, /^rqb_webhook_unclaimed_total 2$/m);
  });
});

describe('issue 20 fault 6: the shared answers are capped', () => {
  it('keeps at most maxShared files, the newest', () => {
    const dir = path.join(tempDir('rqb-answers-cap-'), 'answers');
    const store = new AnswerStore(10, dir, { maxShared: 50 });
    const answer = { q: 'q', results: [], abstained: true } as unknown as Answer;
    const keys = Array.from({ length: 400 }, () => store.put({ answer }));
    const left = fs.readdirSync(dir);
    assert.ok(left.length <= 50 + 100, `${left.length} files kept`);
    assert.ok(left.includes(`${keys.at(-1)}.json`), 'the newest is kept');
    assert.ok(!left.includes(`${keys[0]}.json`), 'the oldest is gone');
  });
});
