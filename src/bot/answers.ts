/**
 * Recent answers, kept so that the buttons under a message can page through its results.
 * The buttons carry only a short random key; this bounded LRU maps it back to the answer.
 * A key that has been evicted (or comes from before a restart) finds nothing: the bot then says
 * the answer has expired. Keys are random, so an old button never shows some other answer.
 */
import { randomBytes } from 'node:crypto';
import type { Answer, ReportId, Result } from '../search/types.js';

export interface StoredAnswer {
  answer: Answer;
  /** Set when the answer is limited to one report ("all from this report"); `shown`: quotes already on screen, not repeated. */
  onlySource?: ReportId & { title: string; shown?: Pick<Result, 'source' | 'start' | 'end'>[] };
}

export class AnswerStore {
  private readonly items = new Map<string, StoredAnswer>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  /** Stores an answer and returns its new key (8 URL-safe characters, 48 random bits). */
  put(entry: StoredAnswer): string {
    let key: string;
    do key = randomBytes(6).toString('base64url');
    while (this.items.has(key));
    this.items.set(key, entry);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
    return key;
  }

  /** The answer under key, marked as recently used; undefined when unknown or evicted. */
  get(key: string): StoredAnswer | undefined {
    const entry = this.items.get(key);
    if (entry) {
      this.items.delete(key);
      this.items.set(key, entry);
    }
    return entry;
  }

  get size(): number {
    return this.items.size;
  }
}
