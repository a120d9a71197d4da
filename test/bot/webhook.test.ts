/**
 * Webhook mode as an operator starts it (`npm start`'s script in its own process, default settings but
 * for the URL), with Telegram's side played by the front over the emulator. Reproduces the attacks of
 * issue 15 fault 4 (a forged update, a 256 MB POST) and checks /healthz, /metrics and re-delivery.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { type Emulator, freePort, type Front, startFront } from '../support/bot-api-front.js';
import { type BotProcess, healthy, startBotProcess } from '../../bench/loadtest.js';
import { loadConfig } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';
import { sleep, waitFor } from '../support/emulator.js';

const TOKEN = '424242:loadtest-token'; // the token startBotProcess gives the bot
const HOST = '127.0.0.1';

let tmp: string;
let emu: Emulator;
let front: Front;
let bot: BotProcess;
let port: number;
const lines: string[] = [];

/** Peak resident memory of a process (VmHWM), in MB. */
function peakMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

interface Sent {
  status: number | 'reset';
  body: string;
}

/** POSTs to the bot's webhook path; body given whole, or `stream` bytes of zeros sent chunked. */
function post(opts: { secret?: string; body?: string; stream?: number; contentLength?: number; path?: string }): Promise<Sent> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (opts.secret !== undefined) headers['x-telegram-bot-api-secret-token'] = opts.secret;
    if (opts.contentLength !== undefined) headers['content-length'] = opts.contentLength;
    const req = http.request({ host: HOST, port, path: opts.path ?? '/telegram', method: 'POST', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ status: 'reset', body: '' }));
    if (opts.stream === undefined) return void req.end(opts.body ?? '');
    // Up to `stream` bytes, 1 MB at a time, as fast as the server takes them; stops when it hangs up.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < opts.stream! && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

function get(p: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port, path: p }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
      })
      .on('error', reject);
  });
}

/** A private-chat text message update "from" a user. */
function update(updateId: number, chatId: number, text: string) {
  const user = { id: chatId, is_bot: false, first_name: 'Mallory' };
  return JSON.stringify({ update_id: updateId, message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'Mallory' }, from: user, text } });
}

const sentTo = (chatId: number) => emu.storage.botMessages.filter((m) => Number(m.message.chat_id) === chatId);

let indexDir: string;
before(async () => {
  tmp = tempDir('rqb-webhook-');
  indexDir = path.join(tmp, 'index');
  await ingest(testConfig({ indexDir }), { log: () => {} });
  const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
  const emuPort = await freePort();
  emu = new TelegramServer({ port: emuPort, host: HOST, storeTimeout: 600 });
  await emu.start();
  front = await startFront(emu, emuPort);
  port = await freePort();
  // Default settings (no WEBHOOK_SECRET, no WEBHOOK_HOST) but for the URL.
  bot = startBotProcess(
    { ...STANDIN_ENV, BOT_API_ROOT: front.root, WEBHOOK_URL: `http://${HOST}:${port}/telegram`, WEBHOOK_PORT: String(port), INDEX_DIR: indexDir, CORPUS_DIRS: SEED_CORPUS, STATE_DIR: path.join(tmp, 'state') },
    'tsx',
    (line) => lines.push(line),
  );
  await Promise.race([healthy(port), bot.exited.then(() => Promise.reject(new Error(lines.join('\n'))))]);
  await front.ready;
});

after(async () => {
  bot?.child.kill('SIGTERM');
  if (bot) assert.equal(await bot.exited, 0, lines.join('\n'));
  await front?.close();
  await emu?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('webhook mode with default settings', () => {
  it('binds to 127.0.0.1 by default, and generates a secret, kept in STATE_DIR and registered with setWebhook', async () => {
    assert.equal(loadConfig({}, {}).bot.webhookHost, '127.0.0.1');
    assert.ok(lines.some((l) => l.includes(`webhook server listening on 127.0.0.1:${port}/telegram`)), lines.join('\n'));
    const secret = fs.readFileSync(path.join(tmp, 'state', 'webhook-secret'), 'utf8');
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((fs.statSync(path.join(tmp, 'state', 'webhook-secret')).mode & 0o777).toString(8), '600');
    assert.ok(!lines.some((l) => l.includes(secret)), 'the secret is never printed');

    // Telegram (the front) delivers with it: a real question is answered.
    const client = { botToken: TOKEN, from: { id: 5001, is_bot: false, first_name: 'Alice' }, chat: { id: 5001, type: 'private', first_name: 'Alice' }, date: Math.floor(Date.now() / 1000), text: '柏山镇组织了多少次普法宣传？' };
    await new Promise<void>((resolve, reject) => {
      const data = JSON.stringify(client);
      http.request(`${emu.config.apiURL}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => (res.resume(), res.on('end', resolve))).on('error', reject).end(data);
    });
    const reply = await waitFor(() => sentTo(5001)[0], 'the answer', 20_000);
    assert.ok(String(reply.message.text).includes('30余次'));
  });

  it('refuses a forged update (no secret, or a wrong one) with 401 and messages nobody', async () => {
    for (const secret of [undefined, '', 'guess', 'x'.repeat(43)]) {
      const res = await post({ secret, body: update(900_001, 6666, '柏山镇组织了多少次普法宣传？') });
      assert.equal(res.status, 401, `secret ${JSON.stringify(secret)}`);
    }
    await sleep(300);
    assert.equal(sentTo(6666).length, 0, 'the forged chat got nothing');
  });

  it('refuses a 256 MB POST without reading it: by its Content-Length at once, and a chunked one after 1 MB', async () => {
    const secret = fs.readFileSync(path.join(tmp, 'state', 'webhook-secret'), 'utf8');
    const before = peakMb(bot.child.pid!);
    const declared = await post({ secret, contentLength: 256 * 1024 * 1024, stream: 256 * 1024 * 1024 });
    assert.ok(declared.status === 413 || declared.status === 'reset', String(declared.status));
    const t0 = Date.now();
    const chunked = await post({ secret, stream: 256 * 1024 * 1024 });
    assert.ok(chunked.status === 413 || chunked.status === 'reset', String(chunked.status));
    assert.ok(Date.now() - t0 < 5000, 'cut off early, not after 256 MB');
    // Without a secret it is not even read.
    assert.ok([401, 'reset'].includes((await post({ stream: 256 * 1024 * 1024 })).status as never));
    const grew = peakMb(bot.child.pid!) - before;
    assert.ok(grew < 32, `the bot grew by ${grew.toFixed(0)} MB`);
    // Still serving.
    assert.equal((await get('/healthz')).status, 200);
  });

  it('answers an update delivered twice once, and says so', async () => {
    const secret = fs.readFileSync(path.join(tmp, 'state', 'webhook-secret'), 'utf8');
    const body = update(900_100, 7001, '柏山镇组织了多少次普法宣传？');
    const first = await post({ secret, body });
    assert.equal(first.status, 200);
    // The answer came back as the webhook reply (Telegram would send it); nothing was sent directly.
    assert.equal(JSON.parse(first.body).method, 'sendMessage');
    assert.ok(JSON.parse(first.body).text.includes('30余次'));
    const again = await post({ secret, body });
    assert.deepEqual([again.status, again.body], [200, '']);
    await waitFor(() => lines.some((l) => l.includes('update 900100 delivered again, answered already')), 'the log line');
    assert.equal((await post({ secret, body: '{"update_id": "x"}' })).status, 400);
    assert.equal((await post({ secret, body: 'not json' })).status, 400);
  });

  it('GET /healthz: generation, model, uptime; 503 while the index is damaged', async () => {
    const ok = await get('/healthz');
    assert.equal(ok.status, 200);
    const h = JSON.parse(ok.body);
    assert.equal(h.ok, true);
    assert.match(h.generation, /^gen-/);
    assert.equal(h.current, h.generation);
    assert.equal(h.model, STANDIN_ENV.EMBED_MODEL);
    assert.ok(h.passages > 0 && h.uptimeSeconds >= 0);

    const hnsw = path.join(indexDir, h.generation, 'hnsw.bin');
    fs.renameSync(hnsw, `${hnsw}.away`);
    try {
      const bad = await get('/healthz');
      assert.equal(bad.status, 503);
      assert.match(JSON.parse(bad.body).problem, /hnsw\.bin is missing or corrupt/);
    } finally {
      fs.renameSync(`${hnsw}.away`, hnsw);
    }
    assert.equal((await get('/healthz')).status, 200);
  });

  it('GET /metrics: Prometheus text with questions, answers by outcome, latency, index, refusals, rate limits', async () => {
    const m = await get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(m.body)?.[1]);
    assert.equal(value('rqb_questions_total'), 2); // Alice's question and the one delivered twice
    assert.equal(value('rqb_answers_total{outcome="answered"}'), 2);
    assert.equal(value('rqb_answers_total{outcome="abstained"}'), 0);
    assert.equal(value('rqb_answer_seconds_count{outcome="answered"}'), 2);
    assert.equal(value('rqb_webhook_redelivered_total'), 1);
    assert.equal(value('rqb_refusals_total'), 0);
    assert.equal(value('rqb_rate_limited_total'), 0);
    assert.match(m.body, /^rqb_index_passages\{generation="gen-[^"]+",model="local\/zh-char-bigram-hash-256"\} 23$/m); // 19 passages of text and 4 of title lines and signatures
    assert.match(m.body, /^rqb_process_resident_memory_bytes \d+/m);
    // Anything else is not found; /metrics is not a webhook.
    assert.equal((await get('/telegram')).status, 404);
  });
});
