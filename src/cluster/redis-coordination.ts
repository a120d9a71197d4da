/**
 * What the hosts of a deployment coordinate through Redis besides answering: one writer of the index at a
 * time (the ingest/upload lock), a notice to all hosts when a new index generation is live (pub/sub), and
 * the generated webhook secret (every host must register the same one).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { WEBHOOK_SECRET_PATTERN } from '../config.js';
import { IndexError } from '../index/store.js';
import type { RedisConnection } from './redis-connection.js';

/** KEYS: lock; ARGV: value, lease. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The ingest lock lives this long unless renewed (every third of it while the holder runs). */
const LOCK_LEASE_MS = 30_000;

/**
 * Takes the deployment's ingest lock (one writer in the whole deployment, whichever host), or throws
 * IndexError saying who holds it. With Redis unreachable it refuses too: two hosts writing one index at
 * once is worse than an ingest tried again later. Returns the release function.
 */
export async function takeIngestLock(redis: RedisConnection, what: string): Promise<() => Promise<void>> {
  const key = redis.key('ingest-lock');
  const value = JSON.stringify({ host: os.hostname(), pid: process.pid, what, at: new Date().toISOString(), tag: randomBytes(4).toString('hex') });
  let taken: string | null;
  try {
    await redis.ready();
    taken = await redis.client.set(key, value, 'PX', LOCK_LEASE_MS, 'NX');
  } catch (err) {
    redis.failed('taking the ingest lock', err);
    throw new IndexError(`cannot take the deployment's ingest lock: Redis is unreachable (${(err as Error).message}); try again once it is back`);
  }
  if (taken !== 'OK') {
    const holder = await redis.client.get(key).catch(() => null);
    let who = 'another host';
    try {
      const h = JSON.parse(holder ?? '') as { host: string; pid: number; what: string; at: string };
      who = `${h.host} (pid ${h.pid}, ${h.what}, since ${h.at})`;
    } catch {
      // expired meanwhile, or unreadable
    }
    throw new IndexError(`another ingest is running in this deployment: ${who}; try again when it is done`);
  }
  const renewer = setInterval(() => {
    redis.client.eval(RENEW, 1, key, value, LOCK_LEASE_MS).catch((err) => redis.failed('renewing the ingest lock', err));
  }, LOCK_LEASE_MS / 3);
  renewer.unref();
  return async () => {
    clearInterval(renewer);
    await redis.client.eval(RELEASE, 1, key, value).catch((err) => redis.failed('releasing the ingest lock (it expires by itself)', err));
  };
}

/** Tells every host that `generation` is live in the shared index folder. Never throws (the hosts also look every 2 s). */
export async function publishGeneration(redis: RedisConnection, generation: string): Promise<void> {
  try {
    await redis.ready(2000);
    await redis.client.publish(redis.key('generations'), generation);
  } catch (err) {
    redis.failed('announcing a new index generation (the other hosts find it within seconds anyway)', err);
  }
}

/**
 * Calls onGeneration with every generation another host announces. A connection of its own (a
 * subscribed connection takes no other command); ioredis subscribes again after a reconnect.
 */
export function subscribeGenerations(redis: RedisConnection, onGeneration: (generation: string) => void): () => void {
  const sub = redis.client.duplicate({ enableOfflineQueue: true });
  sub.on('error', () => {}); // counted and logged through the main connection
  const channel = redis.key('generations');
  sub.subscribe(channel).catch((err) => redis.failed('subscribing to index notices', err));
  sub.on('message', (ch: string, message: string) => {
    if (ch === channel) onGeneration(message);
  });
  return () => sub.disconnect(false);
}

/**
 * The webhook secret shared by all hosts: the first host to start generates it (SET NX), the others read
 * it. Throws when Redis cannot be reached (a host must not register a secret of its own: each setWebhook
 * replaces the last, and the other hosts would then refuse every update).
 */
export async function sharedWebhookSecret(redis: RedisConnection): Promise<{ secret: string; generated: boolean }> {
  await redis.ready();
  const key = redis.key('webhook-secret');
  const generated = (await redis.client.set(key, randomBytes(32).toString('base64url'), 'NX')) === 'OK';
  const secret = (await redis.client.get(key)) ?? '';
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new Error(`Redis key ${key} does not hold a usable webhook secret; delete it to have a new one generated`);
  return { secret, generated };
}
