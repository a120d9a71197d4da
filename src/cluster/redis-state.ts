/** The shared state in Redis (REDIS_URL): several machines. The interfaces are src/bot/shared-state.ts. */
import os from 'node:os';
import type { Config } from '../config.js';
import type { Logger } from '../bot/log.js';
import { localState, type SharedState } from '../bot/shared-state.js';
import { RedisAnswerStore } from './redis-answers.js';
import { RedisUpdateClaims } from './redis-claims.js';
import { RedisConnection, redactUrl } from './redis-connection.js';
import { RedisChatMemory } from './redis-conversations.js';
import { publishGeneration, sharedWebhookSecret, subscribeGenerations, takeIngestLock } from './redis-coordination.js';
import { RedisRateCounters } from './redis-rate.js';

/** Redis: several machines. Connects in the background; every part falls back while Redis is down. */
export function redisState(config: Config, log?: Logger): SharedState {
  const cfg = config.bot;
  const redis = new RedisConnection({ url: cfg.redisUrl, prefix: cfg.redisPrefix, log, commandTimeoutMs: cfg.redisTimeoutMs });
  let claims: RedisUpdateClaims | undefined;
  const unsubscribers: (() => void)[] = [];
  return {
    backend: 'redis',
    answers: new RedisAnswerStore(redis, cfg.answerCacheSize),
    memory: new RedisChatMemory(redis, cfg.conversationTtlMs, cfg.answerCacheSize),
    claims: () => (claims ??= new RedisUpdateClaims(redis, cfg.claimLeaseMs, (msg, err) => log?.warn(msg, err))),
    rateStorage: (windowMs) => new RedisRateCounters(redis, windowMs),
    webhookSecret: async () => {
      if (cfg.webhookSecret) return { secret: cfg.webhookSecret };
      const { secret, generated } = await sharedWebhookSecret(redis);
      return { secret, generatedIn: generated ? `Redis (${redis.key('webhook-secret')})` : undefined };
    },
    underIngestLock: async (what, work, waitMs = 0) => {
      let release: () => Promise<void>;
      for (const until = Date.now() + waitMs; ; ) {
        try {
          release = await takeIngestLock(redis, `${what} on ${os.hostname()}`);
          break;
        } catch (err) {
          if (Date.now() >= until) throw err;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      try {
        return await work();
      } finally {
        await release();
      }
    },
    publishGeneration: (generation) => publishGeneration(redis, generation),
    onGeneration: (listener) => void unsubscribers.push(subscribeGenerations(redis, listener)),
    health: async () => {
      const problem = await redis.probe();
      return { backend: 'redis', ok: problem === null, redis: redactUrl(cfg.redisUrl), ...(problem ? { problem } : {}) };
    },
    stats: () => ({ claimsTakenOver: claims?.takenOver ?? 0, repliesFenced: claims?.fenced ?? 0, redisErrors: redis.errors, redisDisconnects: redis.disconnects }),
    close: async () => {
      claims?.close();
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      await redis.close();
    },
  };
}

/** Redis when REDIS_URL is set, else the local folder and memory. */
export function openSharedState(config: Config, log?: Logger): SharedState {
  return config.bot.redisUrl ? redisState(config, log) : localState(config, log);
}
