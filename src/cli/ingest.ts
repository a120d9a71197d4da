/** `npm run ingest`: builds or updates the index; always ends with one summary line. */
import { ingest, type IngestSummary } from '../index/ingest.js';
import { parseCommandLine, SHARED_HELP } from './options.js';
import { progressBar } from './progress.js';
import { envLang } from '../bot/i18n.js';

export function summaryLine(s: IngestSummary): string {
  const what = s.changed ? `${s.embedded} embedded, ${s.reused} reused` : 'up to date, nothing to do';
  const skipped = s.skipped.length ? `, ${s.skipped.length} skipped` : '';
  return `ingest: ${s.files} files, ${s.passages} passages (${what}${skipped}) in ${s.seconds.toFixed(1)} s [model ${s.model}]`;
}

export async function main(argv: string[]): Promise<number> {
  const { values, config } = await parseCommandLine(argv, {});
  if (values.help) {
    process.stdout.write(`usage: npm run ingest -- [options]\n${SHARED_HELP}\n`);
    return 0;
  }
  const bar = progressBar(process.stderr, { lang: envLang() });
  const summary = await ingest(config, { onProgress: bar.update });
  bar.done();
  process.stdout.write(summaryLine(summary) + '\n');
  return 0;
}
