/**
 * A Telegram-like front for the Bot API emulator (telegram-test-api), for the load test and the
 * service tests, on 127.0.0.1 only. The bot talks to the front (BOT_API_ROOT); the front adds what
 * Telegram does and the emulator does not:
 *
 * - long polling: getUpdates waits (up to its timeout) for an update instead of answering at once;
 * - webhooks as Telegram delivers them: after setWebhook, updates are POSTed to the URL with the
 *   X-Telegram-Bot-Api-Secret-Token header, up to max_connections at a time, and an update whose call
 *   failed (network error, timeout, any non-2xx status) is delivered again, with backoff, until it is
 *   acknowledged; a method call in the response body (a webhook reply) is run. (The emulator's own
 *   webhook sends no secret, ignores webhook replies and gives up after one failed call.)
 * - sendChatAction and setMyCommands, which the emulator lacks, are accepted.
 *
 * Everything else is passed through to the emulator, which stores what the bot sends.
 */
import http from 'node:http';
import net from 'node:net';

const HOST = '127.0.0.1';

/** The emulator's server, as far as it is used here. */
export interface Emulator extends NodeJS.EventEmitter {
  config: { apiURL: string };
  storage: { botMessages: { botToken: string; message: { chat_id: number | string; text?: string; parse_mode?: string } }[] };
  getUpdates(token: string): unknown[];
  start(): Promise<void>;
  stop(): Promise<boolean>;
}

/** A free TCP port on the loopback address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DeliveryStats {
  /** Webhook calls acknowledged with a 2xx. */
  delivered: number;
  /** Webhook calls that failed (and were tried again). */
  failed: number;
  /** Updates that needed more than one call. */
  redelivered: number;
}

export interface Front {
  /** BOT_API_ROOT for the bot. */
  root: string;
  /** Resolves at the bot's first getUpdates or setWebhook: it is taking updates. */
  ready: Promise<void>;
  /** getUpdates calls so far: a new one confirms the batch before it, as on Telegram. */
  polls(): number;
  stats(): DeliveryStats;
  close(): Promise<void>;
}

export interface FrontOptions {
  /** Longest wait for a webhook call (Telegram's is about a minute; tests use less). */
  webhookTimeoutMs?: number;
  /** Awaited before a bot call is passed to the emulator (tests hold a reply in flight with it). */
  beforeForward?: (method: string) => Promise<void> | void;
}

const USER_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];

interface Webhook {
  url: string;
  secret?: string;
  maxConnections: number;
}

/** Parses a Bot API call's parameters (grammY sends JSON; other clients may send a form). */
function params(body: Buffer): Record<string, unknown> {
  const text = body.toString();
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(text));
  }
}

/**
 * One POST of an update; resolves with the response body when acknowledged (2xx), null otherwise.
 * A body that names a method is a webhook reply: the caller runs it, as Telegram does.
 */
function deliver(hook: Webhook, update: unknown, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(update));
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': data.length };
    if (hook.secret) headers['x-telegram-bot-api-secret-token'] = hook.secret;
    const req = http.request(hook.url, { method: 'POST', headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 300 ? Buffer.concat(chunks) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end(data);
  });
}

/** Runs a webhook reply ({"method": …, …}) against the emulator, as the bot's own call would be. */
function runWebhookReply(emuPort: number, token: string, body: Buffer): void {
  let call: { method?: unknown };
  try {
    call = JSON.parse(body.toString() || 'null') ?? {};
  } catch {
    return; // not JSON: a plain acknowledgement
  }
  if (typeof call.method !== 'string') return;
  const data = Buffer.from(JSON.stringify(call));
  const req = http.request(
    { host: HOST, port: emuPort, path: `/bot${token}/${call.method}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, agent: false },
    (res) => res.resume(),
  );
  req.on('error', () => {});
  req.end(data);
}

export async function startFront(emu: Emulator, emuPort: number, opts: FrontOptions = {}): Promise<Front> {
  const webhookTimeoutMs = opts.webhookTimeoutMs ?? 30_000;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const stats: DeliveryStats = { delivered: 0, failed: 0, redelivered: 0 };
  let polls = 0;
  const webhooks = new Map<string, Webhook>();
  let closing = false;
  const timers = new Set<NodeJS.Timeout>();

  /** Webhook delivery for one token: takes the emulator's new updates and keeps calling until each is acknowledged. */
  const pumps = new Map<string, () => void>();
  function startPump(token: string): void {
    if (pumps.has(token)) return pumps.get(token)!();
    const queue: { update: unknown; attempts: number }[] = [];
    let active = 0;
    const pump = () => {
      const hook = webhooks.get(token);
      if (!hook || closing) return;
      for (const update of emu.getUpdates(token)) queue.push({ update, attempts: 0 });
      while (active < hook.maxConnections && queue.length > 0) {
        const item = queue.shift()!;
        active++;
        item.attempts++;
        void deliver(hook, item.update, webhookTimeoutMs).then((body) => {
          active--;
          if (body) {
            runWebhookReply(emuPort, token, body);
            stats.delivered++;
            if (item.attempts > 1) stats.redelivered++;
          } else {
            stats.failed++;
            // Again later, as Telegram does (sooner here: tests wait for it).
            const timer = setTimeout(() => {
              timers.delete(timer);
              queue.push(item);
              pump();
            }, Math.min(2000, 100 * 2 ** (item.attempts - 1)));
            timers.add(timer);
          }
          pump();
        });
      }
    };
    pumps.set(token, pump);
    for (const e of USER_EVENTS) emu.on(e, pump);
    pump();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
      const token = m?.[1] ?? '';
      const method = m?.[2] ?? '';
      if (method === 'setWebhook') {
        const p = params(body);
        if (!p.url) webhooks.delete(token);
        else webhooks.set(token, { url: String(p.url), secret: p.secret_token ? String(p.secret_token) : undefined, maxConnections: Number(p.max_connections ?? 40) });
        markReady();
        reply(true);
        return startPump(token);
      }
      if (method === 'deleteWebhook') {
        webhooks.delete(token);
        return reply(true);
      }
      if (method === 'getWebhookInfo') return reply({ url: webhooks.get(token)?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
      if (method === 'getUpdates') {
        markReady();
        polls++;
        if (webhooks.has(token)) {
          const error = { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active" };
          return res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify(error));
        }
        return longPoll(token, body, res, reply);
      }
      if (['sendChatAction', 'setMyCommands', 'deleteMyCommands'].includes(method)) return reply(true);
      void forward(req, res, body);
    });
  });

  async function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    await opts.beforeForward?.(/^\/bot[^/]+\/(\w+)/.exec(req.url ?? '')?.[1] ?? '');
    // A fresh connection each time: a reused one that the emulator has just closed would fail the call.
    const upstream = http.request({ host: HOST, port: emuPort, path: req.url, method: req.method, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(body);
  }

  /** getUpdates that waits (up to its timeout, at most 30 s) for an update, as Telegram's does. */
  function longPoll(token: string, body: Buffer, res: http.ServerResponse, reply: (result: unknown) => void): void {
    const timeout = Number(params(body).timeout ?? 30);
    const until = Date.now() + Math.min(Number.isFinite(timeout) ? timeout : 30, 30) * 1000;
    let closed = false;
    res.on('close', () => (closed = true));
    const attempt = () => {
      if (closed) return;
      const updates = emu.getUpdates(token);
      if (updates.length > 0 || Date.now() >= until) return reply(updates);
      const wake = () => {
        clearTimeout(timer);
        for (const e of USER_EVENTS) emu.off(e, wake);
        attempt();
      };
      const timer = setTimeout(wake, Math.max(1, until - Date.now()));
      timer.unref(); // a poll the bot gave up (stopped) keeps nothing alive
      for (const e of USER_EVENTS) emu.on(e, wake);
      res.once('close', () => {
        clearTimeout(timer);
        for (const e of USER_EVENTS) emu.off(e, wake);
      });
    };
    attempt();
  }

  // Like Telegram's servers, keep the bot's idle connections open (Node's 5 s default races with reuse).
  server.keepAliveTimeout = 10 * 60_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
  return {
    root: `http://${HOST}:${port}`,
    ready,
    polls: () => polls,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise((resolve) => {
        closing = true;
        for (const t of timers) clearTimeout(t);
        for (const pump of pumps.values()) for (const e of USER_EVENTS) emu.off(e, pump);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
