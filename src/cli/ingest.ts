/** `npm run ingest`: builds or updates the index; always ends with one summary line. */
import { ingest, type IngestSummary } from '../index/ingest.js';
import { parseCommandLine, SHARED_HELP } from './options.js';
import { progressBar } from '../bot/progress.js';
import { envLang } from '../bot/i18n.js';
import { openSharedState } from '../cluster/redis-state.js';
import { readLive } from '../index/store.js';

/** Duplicates named in the summary line; more are counted (each has its own warning line above). */
const MAX_TWINS_NAMED = 5;

export function summaryLine(s: IngestSummary): string {
  const what = s.changed ? `${s.embedded} embedded, ${s.reused} reused` : 'up to date, nothing to do';
  const skipped = s.skipped.length ? `, ${s.skipped.length} skipped` : '';
  // A report found twice (two formats, two folders) is named: which copy was left out, and for which.
  const twins = s.skipped.flatMap((x) => (/^duplicate of /.test(x.reason) ? [`${x.file} (${x.reason})`] : []));
  const shown = twins.length > MAX_TWINS_NAMED ? [...twins.slice(0, MAX_TWINS_NAMED), `${twins.length - MAX_TWINS_NAMED} more`] : twins;
  const same = twins.length ? `; indexed once, copy skipped: ${shown.join(', ')}` : '';
  return `ingest: ${s.files} files, ${s.passages} passages (${what}${skipped}) in ${s.seconds.toFixed(1)} s [model ${s.model}]${same}`;
}

export async function main(argv: string[]): Promise<number> {
  const { values, config } = await parseCommandLine(argv, {});
  if (values.help) {
    process.stdout.write(`usage: npm run ingest -- [options]\n${SHARED_HELP}\n`);
    return 0;
  }
  const bar = progressBar(process.stderr, { lang: envLang() });
  // With REDIS_URL (several hosts, one shared index folder): the deployment's one writer, then a notice to all hosts.
  const shared = openSharedState(config);
  try {
    const summary = await shared.underIngestLock('npm run ingest', () => ingest(config, { onProgress: bar.update }));
    bar.done();
    const live = summary.changed ? readLive(config.indexDir) : null;
    if (live) await shared.publishGeneration(live.manifest.generation);
    process.stdout.write(summaryLine(summary) + '\n');
  } finally {
    bar.done();
    await shared.close();
  }
  return 0;
}
