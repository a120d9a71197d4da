/**
 * Rate-limit counters in Redis, for @grammyjs/ratelimiter's `storageClient`: a user's limit holds across
 * hosts (spreading questions over hosts does not multiply it). The plugin calls incr(key) and, on the
 * first hit of a window, pexpire(key); here both happen in one atomic script inside incr (a process
 * dying between the two would leave a counter that never expires), and pexpire does nothing.
 * With Redis unreachable, this process counts on its own (the limit then holds per host) until Redis is back.
 */
import type { RedisConnection } from './redis-connection.js';

const INCR_WITH_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

export class RedisRateCounters {
  private readonly local = new Map<string, { hits: number; until: number }>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly windowMs: number,
  ) {}

  async incr(key: string): Promise<number> {
    try {
      return (await this.redis.client.eval(INCR_WITH_WINDOW, 1, this.redis.key(`rate:${key}`), this.windowMs)) as number;
    } catch (err) {
      this.redis.failed('counting towards a rate limit (counted on this process meanwhile)', err);
      return this.countLocally(key);
    }
  }

  async pexpire(): Promise<number> {
    return 1;
  }

  private countLocally(key: string): number {
    const now = Date.now();
    let entry = this.local.get(key);
    if (!entry || entry.until <= now) this.local.set(key, (entry = { hits: 0, until: now + this.windowMs }));
    if (this.local.size > 10_000) for (const [k, e] of this.local) if (e.until <= now) this.local.delete(k);
    return ++entry.hits;
  }
}
