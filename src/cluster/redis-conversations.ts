/**
 * Conversation memory in Redis: a follow-up ("那史村镇呢？") reaching another host than the question
 * before it keeps its context. Each chat's last turn is `turn:<chat>` with the memory's time-to-live;
 * this process's own memory (conversation.ts) is the fallback while Redis cannot be reached.
 */
import type { Answer } from '../search/types.js';
import { ChatMemory, type Turn } from '../bot/conversation.js';
import type { RedisConnection } from './redis-connection.js';
import type { ConversationStore } from '../bot/shared-state.js';

export class RedisChatMemory implements ConversationStore {
  private readonly local: ChatMemory;

  constructor(
    private readonly redis: RedisConnection,
    readonly ttlMs: number,
    capacity: number,
  ) {
    this.local = new ChatMemory(ttlMs, capacity);
  }

  async get(chat: string | number): Promise<Turn | undefined> {
    if (this.ttlMs <= 0) return undefined;
    let json: string | null;
    try {
      json = await this.redis.client.get(this.redis.key(`turn:${chat}`));
    } catch (err) {
      this.redis.failed('reading a conversation', err);
      return this.local.get(chat);
    }
    if (json === null) return undefined;
    const turn = JSON.parse(json) as Turn;
    return { question: turn.question, ...(typeof turn.source === 'string' ? { source: turn.source } : {}) };
  }

  async remember(chat: string | number, question: string, answer?: Answer): Promise<void> {
    if (this.ttlMs <= 0) return;
    this.local.remember(chat, question, answer);
    const turn: Turn = { question, ...(answer?.results[0]?.source ? { source: answer.results[0].source } : {}) };
    try {
      await this.redis.client.set(this.redis.key(`turn:${chat}`), JSON.stringify(turn), 'PX', this.ttlMs);
    } catch (err) {
      this.redis.failed('remembering a conversation (its follow-ups work on this process only)', err);
    }
  }
}
