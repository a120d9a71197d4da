/**
 * The bot's HTTP server: GET /healthz and GET /metrics, and in webhook mode POST <webhook path>, where
 * Telegram delivers updates.
 *
 * The webhook only takes what Telegram sends: the secret token header must match (compared in constant
 * time), the body must be at most WEBHOOK_MAX_BODY_BYTES (refused from its Content-Length, or cut off
 * as soon as it grows past the limit, never buffered whole), and it must be one update. Each update is
 * claimed first (claims.ts), so that a re-delivered one is not answered twice, and Telegram gets its 200
 * only with the answer (see below): a process killed mid-answer makes Telegram deliver the update again.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BotError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Config } from '../config.js';
import type { Searcher } from '../search/searcher.js';
import type { QuoteBot } from './bot.js';
import os from 'node:os';
import type { ClaimResult } from './claims.js';
import type { SharedState, UpdateClaimStore } from './shared-state.js';
import type { Logger } from './log.js';
import { type BotMetrics, health } from './metrics.js';

export interface WebhookRoute {
  bot: QuoteBot;
  path: string;
  secret: string;
  claims: UpdateClaimStore;
  /** Longest wait for an answer before Telegram gets its 200 anyway (the answer still follows). */
  answerTimeoutMs?: number;
}

export interface HttpServerOptions {
  config: Config;
  searcher: Searcher;
  metrics: BotMetrics;
  log: Logger;
  port: number;
  webhook?: WebhookRoute;
  /** Shared state, reported by /healthz (Redis up or not). */
  shared?: SharedState;
}

export interface BotHttpServer {
  server: http.Server;
  /** The port listened on (useful with port 0). */
  port: number;
  /** Stops accepting connections; resolves once the requests under way have got their response (at most graceMs). */
  close(graceMs?: number): Promise<void>;
}

/** Equal secrets, compared in time that does not depend on where they differ (or on their lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Answers with a status and closes the connection, without reading what is left of the request. */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text = http.STATUS_CODES[status] ?? ''): void {
  if (res.headersSent) return void req.socket.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${text}\n`, () => req.socket.destroy());
}

/** The request body, or null when it is longer than maxBytes (reading stops there). */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve(null);
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isUpdate(value: unknown): value is Update {
  return typeof value === 'object' && value !== null && Number.isSafeInteger((value as Update).update_id) && (value as Update).update_id >= 0;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<BotHttpServer> {
  const { config, searcher, metrics, log, webhook } = opts;
  const maxBody = config.bot.webhookMaxBodyBytes;
  const answerTimeoutMs = webhook?.answerTimeoutMs ?? 20_000;
  metrics.withProcessMetrics();

  async function onWebhook(req: http.IncomingMessage, res: http.ServerResponse, route: WebhookRoute): Promise<void> {
    const given = req.headers['x-telegram-bot-api-secret-token'];
    if (typeof given !== 'string' || !sameSecret(given, route.secret)) {
      log.debug(`webhook: refused a request without the secret token from ${req.socket.remoteAddress}`);
      return refuse(req, res, 401);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) return refuse(req, res, 413);
    const body = await readBody(req, maxBody);
    if (body === null) return refuse(req, res, 413);
    let update: unknown;
    try {
      update = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(req, res, 400, 'not JSON');
    }
    if (!isUpdate(update)) return refuse(req, res, 400, 'not an update');

    let claim: ClaimResult | 'unclaimed';
    try {
      claim = await route.claims.claim(update.update_id);
    } catch (err) {
      // The state folder cannot be written (a full disk): answer anyway, at least once rather than not at all.
      claim = 'unclaimed';
      metrics.unclaimed.inc();
      log.warn(`webhook: cannot claim update ${update.update_id}; answering it without a claim`, err);
    }
    if (claim === 'done' || claim === 'busy') {
      metrics.redelivered.inc();
      log.info(`webhook: update ${update.update_id} delivered again, ${claim === 'done' ? 'answered already' : 'being answered'}`);
      // Busy: Telegram should try again later (the process answering it may still die).
      if (claim === 'busy') return void res.writeHead(503, { 'retry-after': '1' }).end();
      return void res.writeHead(200).end();
    }
    // The answer (the first sendMessage) goes back in the HTTP response, as a webhook reply: Telegram
    // sends it if and only if it gets this response, which is also what acknowledges the update. A process
    // killed before responding has sent nothing, and the update comes again: answered exactly once.
    let reply: string | undefined;
    const envelope: { send?: (payload: string) => Promise<void> } = { send: async (payload) => void (reply = payload) };
    const handled = route.bot.handleUpdate(update, envelope).catch(async (err) => {
      // The bot's error handler tells the user; a retry would only fail the same way.
      if (err instanceof BotError) await route.bot.errorHandler(err);
      else log.error(`update ${update.update_id} failed`, err);
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([handled, new Promise((resolve) => (timer = setTimeout(resolve, answerTimeoutMs)))]);
    clearTimeout(timer);
    delete envelope.send; // a slow answer still under way goes to the Bot API directly
    // Fencing: if this process was cut off long enough for another to take the update over, that one answers.
    if (reply !== undefined && claim === 'mine' && route.claims.stillMine && !(await route.claims.stillMine(update.update_id))) {
      log.warn(`webhook: update ${update.update_id} was taken over by another process meanwhile; this answer is not sent`);
      reply = undefined;
    }
    if (reply === undefined) res.writeHead(200).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(reply);
    // Done once both are over: the response written, the handling finished.
    await handled;
    if (claim === 'unclaimed') return;
    try {
      await route.claims.done(update.update_id);
    } catch (err) {
      log.warn(`webhook: cannot mark update ${update.update_id} answered; a re-delivery of it would be answered again`, err);
    }
  }

  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const work = (async () => {
      if (req.method === 'GET' && url === '/healthz') {
        const h = health(config, searcher);
        // In webhook mode an unwritable state folder (claims, shared answers) is a fault an operator must see.
        // Redis down is reported but not a fault of this host (all hosts degrade alike; nginx must not drop them all).
        const state = opts.shared ? await opts.shared.health() : undefined;
        const stateProblem = h.ok && webhook && state?.backend !== 'redis' ? await webhook.claims.probe() : null;
        if (stateProblem) Object.assign(h, { ok: false, problem: stateProblem });
        if (state) Object.assign(h, { host: os.hostname(), pid: process.pid, state });
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h) + '\n');
      } else if (req.method === 'GET' && url === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      } else if (webhook && req.method === 'POST' && url === webhook.path) {
        await onWebhook(req, res, webhook);
      } else {
        refuse(req, res, 404);
      }
    })();
    work.catch((err) => {
      log.error('HTTP request failed', err);
      refuse(req, res, 500);
    });
  });
  // A slow client cannot hold a connection for long (Telegram sends a whole update at once).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, config.bot.webhookHost, resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    server,
    port,
    close: async (graceMs = 2000) => {
      let closed = false;
      server.close(() => (closed = true));
      // Keep-alive connections become idle once their response is written: close them as they do.
      for (const until = Date.now() + graceMs; !closed && Date.now() < until; ) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      server.closeAllConnections();
    },
  };
}
