/**
 * What the bot counts, for GET /metrics (Prometheus text format, through prom-client) and what it
 * says about itself for GET /healthz. One registry per bot, so that tests can run several bots in
 * one process; the process metrics (memory, CPU, event-loop lag) come with it.
 */
import path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { readLive, verifyGeneration } from '../index/store.js';
import type { Searcher } from '../search/searcher.js';

/** How a question ended. */
export type Outcome = 'answered' | 'abstained' | 'failed';

export class BotMetrics {
  readonly registry = new Registry();
  readonly questions = new Counter({ name: 'rqb_questions_total', help: 'Questions searched (messages, /ask, "all from this report")', registers: [this.registry] });
  readonly answers = new Counter({
    name: 'rqb_answers_total',
    help: 'Questions by outcome: answered with a quote, abstained (the reports do not say), failed (search error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({ name: 'rqb_refusals_total', help: 'Updates refused because the sender is not in ALLOWED_IDS', registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'rqb_rate_limited_total', help: 'Requests refused because the user was over RATE_LIMIT', registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'rqb_answer_seconds',
    help: 'Time from a question to its reply being sent (search and send)',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly redelivered = new Counter({
    name: 'rqb_webhook_redelivered_total',
    help: 'Webhook updates not handled again: already answered (or being answered) by this or another process',
    registers: [this.registry],
  });

  readonly unclaimed = new Counter({
    name: 'rqb_webhook_unclaimed_total',
    help: 'Webhook updates answered without a claim, as the state folder could not be written (a re-delivery of them is answered again)',
    registers: [this.registry],
  });

  constructor(searcher: Searcher) {
    for (const o of ['answered', 'abstained', 'failed'] as const) this.answers.labels(o).inc(0); // present at 0 from the start
    new Gauge({
      name: 'rqb_index_passages',
      help: 'Passages in the index generation answering now',
      labelNames: ['generation', 'model'] as const,
      registers: [this.registry],
      collect() {
        this.reset(); // one series: the generation of the moment
        const info = searcher.info();
        this.labels(info.generation, info.model).set(info.passages);
      },
    });
  }

  /** Adds the process's own metrics (memory, CPU, event-loop lag); once, when a server exposes them. */
  withProcessMetrics(): this {
    if (!this.registry.getSingleMetric('rqb_process_cpu_seconds_total')) collectDefaultMetrics({ register: this.registry, prefix: 'rqb_' });
    return this;
  }

  /** Times one question; call the returned function with its outcome once the reply is sent. */
  startQuestion(): (outcome: Outcome) => void {
    this.questions.inc();
    const end = this.latency.startTimer();
    return (outcome) => {
      this.answers.labels(outcome).inc();
      end({ outcome });
    };
  }
}

export interface Health {
  ok: boolean;
  /** The generation answering now, and the one index/CURRENT names (they differ during a swap). */
  generation: string;
  current: string | null;
  model: string;
  passages: number;
  uptimeSeconds: number;
  problem?: string;
}

/**
 * Healthy while the index on disk is whole: CURRENT names a generation whose files are all there with
 * the sizes its manifest recorded (a stat per file). Missing or damaged → not ok, with the reason: this
 * process may still answer from memory, but it would not start again, and an operator should know.
 */
export function health(config: Config, searcher: Searcher): Health {
  const info = searcher.info();
  const base = { generation: info.generation, model: info.model, passages: info.passages, uptimeSeconds: Math.round(process.uptime()) };
  try {
    const live = readLive(config.indexDir);
    if (!live) return { ...base, ok: false, current: null, problem: `no index at ${config.indexDir}` };
    verifyGeneration(live.dir, live.manifest);
    return { ...base, ok: true, current: path.basename(live.dir) };
  } catch (err) {
    return { ...base, ok: false, current: null, problem: (err as Error).message };
  }
}
