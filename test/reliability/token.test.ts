/**
 * The bot token never appears in what `npm start` prints, whatever goes wrong: an unreachable Bot API,
 * a refused token, polling that dies, failing sends, at log level debug (which adds stack traces).
 * A fake Bot API on 127.0.0.1 makes it worse on purpose: every error it returns quotes the request
 * path, which holds the token, the way a proxy or a self-hosted server may.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const TOKEN = '7654321:AAH-secret_Part-of-the-token_x9';
const SECRET = TOKEN.split(':')[1]!;
let indexDir: string;

before(async () => {
  indexDir = tempDir('rqb-token-');
  await ingest(testConfig({ indexDir }), { log: () => {} });
});

type Mode = 'refuse' | 'polling-dies' | 'sends-fail';

/** A Bot API that leaks the request path (and so the token) into every error description. */
async function fakeApi(mode: Mode): Promise<{ root: string; close: () => Promise<void> }> {
  let delivered = false;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const method = req.url!.split('/').pop();
      const fail = (code: number) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: code, description: `Bad request for ${req.url} (${body.slice(0, 80)})` }));
      const ok = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      if (mode === 'refuse') return fail(401);
      if (method === 'getMe') return ok({ id: 7654321, is_bot: true, first_name: 'Leaky', username: 'LeakyBot' });
      if (method === 'getUpdates') {
        if (mode === 'polling-dies') return fail(409);
        if (delivered) return void setTimeout(() => ok([]), 50);
        delivered = true;
        const chat = { id: 42, type: 'private', first_name: 'U' };
        return ok([{ update_id: 1, message: { message_id: 1, date: 0, chat, from: { id: 42, is_bot: false, first_name: 'U' }, text: '柏山镇组织了多少次普法宣传？' } }]);
      }
      if (method === 'deleteWebhook') return ok(true);
      return fail(400); // setMyCommands, sendMessage, sendChatAction, …
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { root: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs npm start's script until it exits (or until `stopAfterMs`, then SIGTERM); returns all it printed. */
function runStart(apiRoot: string, stopAfterMs?: number, preload: string[] = []): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), path.join(PROJECT_ROOT, 'scripts/start.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...STANDIN_ENV, INDEX_DIR: indexDir, BOT_TOKEN: TOKEN, BOT_API_ROOT: apiRoot, LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = stopAfterMs ? setTimeout(() => child.kill('SIGTERM'), stopAfterMs) : undefined;
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(hardStop);
      resolve({ code, out });
    }),
  );
}

function assertNoToken(out: string) {
  for (const leak of [TOKEN, SECRET, encodeURIComponent(TOKEN)]) assert.ok(!out.includes(leak), `printed the token:\n${out}`);
}

describe('the bot token never reaches the output of npm start', () => {
  const servers: { close: () => Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('when the API refuses the token', async () => {
    const api = await fakeApi('refuse');
    servers.push(api);
    const { code, out } = await runStart(api.root);
    assert.equal(code, 1);
    assert.match(out, /Could not start: Error: the Bot API refused the bot token \(401: Bad request for \/bot\*\*\*\/getMe/);
    assertNoToken(out);
  });

  it('when the API cannot be reached', async () => {
    const api = await fakeApi('refuse');
    await api.close(); // nothing listens there any more
    const { code, out } = await runStart(api.root);
    assert.equal(code, 1);
    assert.match(out, /Could not start: Error: cannot reach the Bot API at http:\/\/127\.0\.0\.1:\d+/);
    assertNoToken(out);
  });

  it('when polling dies after the start', async () => {
    const api = await fakeApi('polling-dies');
    servers.push(api);
    const { code, out } = await runStart(api.root, 15_000);
    assert.equal(code, 1, out);
    assert.match(out, /bot @LeakyBot starting/);
    assert.match(out, /ERROR/);
    assertNoToken(out);
  });

  it('when every send fails while it answers (errors logged with stacks at debug level)', async () => {
    const api = await fakeApi('sends-fail');
    servers.push(api);
    const { code, out } = await runStart(api.root, 6_000);
    assert.equal(code, 0, out);
    assert.match(out, /ERROR update 1 failed/);
    assert.match(out, /\/bot\*\*\*\/sendMessage/, 'the error is logged, redacted');
    assertNoToken(out);
  });

  it('when it crashes (an error no handler catches, quoting the token)', async () => {
    const api = await fakeApi('sends-fail');
    servers.push(api);
    const crash = path.join(tempDir('rqb-crash-'), 'crash.mjs');
    fs.writeFileSync(crash, "setTimeout(() => { throw new Error(`boom at /bot${process.env.BOT_TOKEN}/getMe`); }, 3000).unref();\n");
    const { code, out } = await runStart(api.root, 20_000, [pathToFileURL(crash).href]);
    assert.equal(code, 1, out);
    assert.match(out, /^Crashed: Error: boom at \/bot\*\*\*\/getMe$/m);
    assertNoToken(out);
  });
});
