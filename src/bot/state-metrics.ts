/** The shared state's counters in /metrics (read from the state at each scrape). */
import { Gauge, type Registry } from 'prom-client';
import type { SharedState, StateStats } from './shared-state.js';

const SERIES: [keyof StateStats, string, string][] = [
  ['claimsTakenOver', 'rqb_claims_taken_over_total', 'Webhook update claims taken over from a process whose lease ran out (a dead or cut-off host)'],
  ['repliesFenced', 'rqb_duplicates_avoided_total', 'Answers not sent because another process had taken their update over meanwhile (fencing token)'],
  ['redisErrors', 'rqb_redis_errors_total', 'Redis commands that failed (the bot used its own state meanwhile)'],
  ['redisDisconnects', 'rqb_redis_disconnects_total', 'Times the connection to Redis was lost'],
];

export function registerStateMetrics(registry: Registry, state: SharedState): void {
  for (const [field, name, help] of SERIES) {
    if (registry.getSingleMetric(name)) continue;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(state.stats()[field]);
      },
    });
  }
  if (state.backend === 'redis' && !registry.getSingleMetric('rqb_redis_up')) {
    new Gauge({
      name: 'rqb_redis_up',
      help: 'Whether Redis answered at the last scrape (1) or not (0); only with REDIS_URL',
      registers: [registry],
      async collect() {
        this.set((await state.health()).ok ? 1 : 0);
      },
    });
  }
}
