/**
 * The one Redis connection of a bot process (ioredis), set up to fail fast rather than wait: while Redis
 * is unreachable a command fails at once (hung: within `commandTimeoutMs`) instead of queueing, so that every user of
 * the shared state can fall back (answer without a claim, keep a button answer in memory …) and the
 * bot degrades instead of hanging. ioredis reconnects by itself; `up` says whether it is connected now.
 * Errors are counted (for /metrics) and logged at most once per `quietMs` (a dead Redis would otherwise
 * log every command).
 */
import { Redis } from 'ioredis';
import type { Logger } from '../bot/log.js';

export interface RedisConnectionOptions {
  url: string;
  /** Prefix of every key (REDIS_PREFIX). */
  prefix: string;
  log?: Logger;
  /** Longest wait for one command (default 2000 ms; REDIS_TIMEOUT_MS). */
  commandTimeoutMs?: number;
}

export class RedisConnection {
  readonly client: Redis;
  readonly prefix: string;
  /** Commands that failed (Redis down, timed out, refused), since start. */
  errors = 0;
  /** Times the connection was lost. */
  disconnects = 0;
  private lastLogged = 0;
  private wasReady = false;

  constructor(
    readonly opts: RedisConnectionOptions,
    private readonly quietMs = 10_000,
  ) {
    this.prefix = opts.prefix;
    this.client = new Redis(opts.url, {
      lazyConnect: false,
      enableOfflineQueue: false, // a command while disconnected fails at once
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 2000), // reconnect for ever, at most every 2 s
    });
    this.client.on('ready', () => {
      if (this.wasReady) this.opts.log?.info('redis: connected again');
      this.wasReady = true;
    });
    this.client.on('end', () => undefined);
    this.client.on('close', () => {
      if (this.wasReady) this.disconnects++;
    });
    // Without a listener ioredis prints every connection error; ours are counted and logged sparingly.
    this.client.on('error', (err: Error) => this.failed('connection', err));
  }

  /** True while connected and ready for commands. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  key(name: string): string {
    return this.prefix + name;
  }

  /** Counts a failed command and logs it (at most once per quiet period). */
  failed(what: string, err: unknown): void {
    this.errors++;
    const now = Date.now();
    if (now - this.lastLogged < this.quietMs) return;
    this.lastLogged = now;
    this.opts.log?.warn(`redis: ${what} failed (${this.errors} Redis errors so far); using this process's own state meanwhile`, err);
  }

  /** Resolves once connected, or rejects after timeoutMs with why. */
  async ready(timeoutMs = 5000): Promise<void> {
    for (const until = Date.now() + timeoutMs; !this.up; ) {
      if (Date.now() > until) throw new Error(`cannot reach Redis at ${redactUrl(this.opts.url)} (status ${this.client.status})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Null when Redis answers PING now; otherwise why not. */
  async probe(): Promise<string | null> {
    if (!this.up) return `Redis at ${redactUrl(this.opts.url)} is unreachable (${this.client.status})`;
    try {
      await this.client.ping();
      return null;
    } catch (err) {
      return `Redis at ${redactUrl(this.opts.url)} does not answer (${(err as Error).message})`;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect(false);
  }
}

/** The URL without its password, for logs and /healthz. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}
