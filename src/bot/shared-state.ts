/**
 * The state the bot processes of a deployment share, behind one small interface per kind, with two
 * implementations:
 * - local (here; the default, one machine): STATE_DIR and each process's memory, as before (claims.ts,
 *   answers.ts, shared-memory.ts, the ratelimiter's memory store, the index folder's lock file);
 * - Redis (REDIS_URL set; several machines): src/cluster/, above the bot, which it never imports.
 * The bot asks for each kind through SharedState and never knows which one it has.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Answer } from '../search/types.js';
import { AnswerStore, type StoredAnswer } from './answers.js';
import { type ClaimResult, UpdateClaims } from './claims.js';
import { ChatMemory, type Turn } from './conversation.js';
import type { Logger } from './log.js';
import { SharedChatMemory } from './shared-memory.js';

/** Claims on webhook updates: an update delivered twice is answered once (claims.ts, redis-claims.ts). */
export interface UpdateClaimStore {
  claim(updateId: number): ClaimResult | Promise<ClaimResult>;
  /** The fencing check just before the answer leaves: false when another process took the claim over. */
  stillMine?(updateId: number): boolean | Promise<boolean>;
  done(updateId: number): void | Promise<void>;
  /** Null when claims can be written now, else why not. */
  probe(): string | null | Promise<string | null>;
}

/** Answers behind the buttons, by key (answers.ts, redis-answers.ts). */
export interface AnswerKeeper {
  put(entry: StoredAnswer): string | Promise<string>;
  get(key: string): StoredAnswer | undefined | Promise<StoredAnswer | undefined>;
}

/** Each chat's last turn, for follow-ups (conversation.ts, shared-memory.ts, redis-conversations.ts). */
export interface ConversationStore {
  get(chat: string | number): Turn | undefined | Promise<Turn | undefined>;
  remember(chat: string | number, question: string, answer?: Answer): void | Promise<void>;
}

/** What @grammyjs/ratelimiter takes as its storage client. */
export interface RateCounterClient {
  incr(key: string): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
}
export type RateStorage = 'MEMORY_STORE' | RateCounterClient;

export interface StateHealth {
  backend: 'local' | 'redis';
  ok: boolean;
  /** The Redis URL without its password. */
  redis?: string;
  problem?: string;
}

/** Counters for /metrics (state-metrics.ts). */
export interface StateStats {
  claimsTakenOver: number;
  /** Answers not sent because another process had taken their update over (fencing). */
  repliesFenced: number;
  redisErrors: number;
  redisDisconnects: number;
}

export interface SharedState {
  readonly backend: 'local' | 'redis';
  readonly answers: AnswerKeeper;
  readonly memory: ConversationStore;
  /** Update claims (made on first use: only webhook mode claims). */
  claims(): UpdateClaimStore;
  rateStorage(windowMs: number): RateStorage;
  /** The generated webhook secret every host shares (Redis); absent: STATE_DIR/webhook-secret (run.ts). */
  webhookSecret?(): Promise<{ secret: string; generatedIn?: string }>;
  /**
   * Runs `work` as the one writer of the index in the deployment (Redis: a lock all hosts see; local: a
   * no-op, as ingest takes the index folder's lock file itself). Throws IndexError when another holds it
   * for longer than `waitMs` (default 0: no wait).
   */
  underIngestLock<T>(what: string, work: () => Promise<T>, waitMs?: number): Promise<T>;
  /** Tells the other hosts that a new index generation is live (local: no one to tell). */
  publishGeneration(generation: string): Promise<void>;
  /** Calls listener with each generation another host announces. */
  onGeneration(listener: (generation: string) => void): void;
  health(): Promise<StateHealth>;
  stats(): StateStats;
  close(): Promise<void>;
}

/** STATE_DIR and memory: one machine. In webhook mode, answers and conversations go through STATE_DIR too (several processes). */
export function localState(config: Config, log?: Logger): SharedState {
  const cfg = config.bot;
  const warn = (msg: string, err: unknown) => log?.warn(msg, err);
  const answers = new AnswerStore(cfg.answerCacheSize, cfg.webhookUrl ? path.join(cfg.stateDir, 'answers') : undefined, { warn });
  const memory = cfg.webhookUrl
    ? new SharedChatMemory(cfg.conversationTtlMs, cfg.answerCacheSize, path.join(cfg.stateDir, 'conversations'), warn)
    : new ChatMemory(cfg.conversationTtlMs, cfg.answerCacheSize);
  let claims: UpdateClaims | undefined;
  return {
    backend: 'local',
    answers,
    memory,
    claims: () => (claims ??= new UpdateClaims(path.join(cfg.stateDir, 'updates'))),
    rateStorage: () => 'MEMORY_STORE',
    underIngestLock: (_what, work) => work(),
    publishGeneration: async () => {},
    onGeneration: () => {},
    health: async () => ({ backend: 'local', ok: true }),
    stats: () => ({ claimsTakenOver: 0, repliesFenced: 0, redisErrors: 0, redisDisconnects: 0 }),
    close: async () => {},
  };
}
