/**
 * Issue 15, fault 5: secrets quoted back by an API error, in any form. A BOT_TOKEN given with a
 * trailing space and newline, an API that echoes the request path raw and URL-encoded (":" as %3A or
 * %3a), a WEBHOOK_SECRET echoed in the error that stops the start: none of it reaches what `npm start`
 * prints (log lines at every level, "Could not start", "Crashed").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRedactor } from '../../src/bot/log.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { freePort } from '../support/emulator.js';
import { STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const TOKEN = '7654321:AAH-secret_Part-of-the-token_x9';
const SECRET_HALF = TOKEN.split(':')[1]!;
const WEBHOOK_SECRET = 'hook-secret-0123456789abcdef';
const LEAKS = [TOKEN, SECRET_HALF, encodeURIComponent(TOKEN), encodeURIComponent(TOKEN).replace('%3A', '%3a'), WEBHOOK_SECRET];

let indexDir: string;
before(async () => {
  indexDir = tempDir('rqb-secrets-');
  await ingest(testConfig({ indexDir }), { log: () => {} });
});

/** A Bot API whose every error quotes the path raw and URL-encoded, and the request body. */
async function echoingApi(failSetWebhookOnly: boolean): Promise<{ root: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const method = req.url!.split('/').pop();
      const fail = (code: number) =>
        res.writeHead(code, { 'content-type': 'application/json' }).end(
          JSON.stringify({ ok: false, error_code: code, description: `Unauthorized ${req.url} = ${encodeURIComponent(req.url!)} = ${encodeURIComponent(req.url!).toLowerCase()} body ${body.slice(0, 200)}` }),
        );
      const ok = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      if (!failSetWebhookOnly) return fail(401);
      if (method === 'getMe') return ok({ id: 7654321, is_bot: true, first_name: 'Leaky', username: 'LeakyBot' });
      if (method === 'setWebhook') return fail(400);
      return ok(true);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { root: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function runStart(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/start.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...STANDIN_ENV, INDEX_DIR: indexDir, LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(hardStop), resolve({ code, out }))));
}

function assertNoSecret(out: string) {
  for (const leak of LEAKS) assert.ok(!out.toLowerCase().includes(leak.toLowerCase()), `printed ${leak}:\n${out}`);
}

describe('fault 5: secrets in every form are redacted', () => {
  const servers: { close: () => Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('the redactor hides the token as given, trimmed, URL-encoded and its secret half', () => {
    const redact = makeRedactor([`${TOKEN} \n`, WEBHOOK_SECRET]);
    for (const leak of LEAKS) assert.equal(redact(`x ${leak} y`), 'x *** y', leak);
    assert.equal(redact(`/bot${encodeURIComponent(`${TOKEN} \n`)}/getMe`), '/bot***/getMe');
  });

  it('a token with a trailing space and newline, refused by an API that echoes it raw and encoded', async () => {
    const api = await echoingApi(false);
    servers.push(api);
    const { code, out } = await runStart({ BOT_TOKEN: `${TOKEN} \n`, BOT_API_ROOT: api.root });
    assert.equal(code, 1, out);
    assert.match(out, /Could not start: Error: the Bot API refused the bot token \(401: Unauthorized \/bot\*\*\*\/getMe/);
    assertNoSecret(out);
  });

  it('the webhook secret echoed by the error that stops the start', async () => {
    const api = await echoingApi(true);
    servers.push(api);
    const port = await freePort();
    const { code, out } = await runStart({ BOT_TOKEN: TOKEN, BOT_API_ROOT: api.root, WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1', WEBHOOK_SECRET });
    assert.equal(code, 1, out);
    assert.match(out, /Could not start: .*setWebhook/);
    assert.match(out, /\*\*\*/);
    assertNoSecret(out);
  });
});
