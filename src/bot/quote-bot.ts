/**
 * The bot object and its context type, apart from the handlers (bot.ts), so that the modules that add
 * handlers to it (upload.ts) and the ones that run it (run.ts, http.ts) need not import bot.ts.
 */
import { Bot, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import type { Searcher } from '../search/searcher.js';
import type { Lang, Strings } from './i18n.js';
import type { UpdateJournal } from './journal.js';
import type { BotMetrics } from './metrics.js';
import type { SharedState } from './shared-state.js';

export type BotContext = Context & { lang: Lang; s: Strings };

/** Counts updates being handled, so that shutdown can wait for answers under way. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  async track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work;
    } finally {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  get size(): number {
    return this.count;
  }

  /** Resolves true once nothing is in flight, or false after timeoutMs. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** A grammY Bot that also knows which updates it is still handling, what it searches and what it counted. */
export class QuoteBot extends Bot<BotContext> {
  readonly inflight = new InFlight();
  searcher!: Searcher;
  metrics!: BotMetrics;
  /** Claims, answers, conversations, rate limits: in STATE_DIR and memory, or in Redis (shared-state.ts, src/cluster/). */
  shared!: SharedState;
  /** Set while long polling: fetched updates on disk until answered (see journal.ts). */
  journal?: UpdateJournal;

  /** Every update passes here (polling, webhook, replay): the journal skips one answered before and marks it once answered. */
  override async handleUpdate(update: Update, webhookReplyEnvelope?: Parameters<Bot<BotContext>['handleUpdate']>[1]): Promise<void> {
    const journal = this.journal;
    if (!journal) return super.handleUpdate(update, webhookReplyEnvelope);
    if (!journal.begin(update)) return;
    try {
      await super.handleUpdate(update, webhookReplyEnvelope);
    } finally {
      journal.answered(update);
    }
  }
}
