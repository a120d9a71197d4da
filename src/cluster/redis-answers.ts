/**
 * Button answers in Redis: a button pressed under an answer from host A works on host B. Each answer is
 * kept in this process's memory (answers.ts) and in Redis for a day (`answer:<key>`, JSON). A key not in
 * memory is looked up in Redis. With Redis unreachable, answers are still sent and their buttons work on
 * the process that answered (a warning and a counted Redis error), as with an unwritable folder today.
 */
import { AnswerStore, type StoredAnswer } from '../bot/answers.js';
import type { RedisConnection } from './redis-connection.js';
import type { AnswerKeeper } from '../bot/shared-state.js';

const DAY_MS = 24 * 3600_000;

export class RedisAnswerStore implements AnswerKeeper {
  private readonly local: AnswerStore;

  constructor(
    private readonly redis: RedisConnection,
    capacity: number,
  ) {
    this.local = new AnswerStore(capacity);
  }

  async put(entry: StoredAnswer): Promise<string> {
    const key = this.local.put(entry);
    try {
      await this.redis.client.set(this.redis.key(`answer:${key}`), JSON.stringify(entry), 'PX', DAY_MS);
    } catch (err) {
      this.redis.failed('sharing an answer (its buttons work on this process only)', err);
    }
    return key;
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    const mine = this.local.get(key);
    if (mine || !/^[A-Za-z0-9_-]{8}$/.test(key)) return mine;
    let json: string | null;
    try {
      json = await this.redis.client.get(this.redis.key(`answer:${key}`));
    } catch (err) {
      this.redis.failed('looking up a button answer', err);
      return undefined;
    }
    if (json === null) return undefined;
    const entry = JSON.parse(json) as StoredAnswer;
    return entry;
  }
}
