/**
 * Before answering anything: make sure the index exists and matches the reports, building it (with
 * progress on stderr) when it is missing, stale or made with another model. What it does is said in the
 * user's language (the terminal chat's, English for a server); the technical detail (which file
 * changed, what failed) goes to `log`.
 *
 * When an update of a stale index fails (another ingest holds the lock, a full disk …) while the index
 * on disk is still whole, the bot starts anyway on that last good generation, says so, and tries the
 * update again every `retryEveryMs`; the live searcher picks the new generation up once it is published.
 */
import type { Config } from '../config.js';
import { printable } from '../corpus/display.js';
import { indexStatus, ingest } from '../index/ingest.js';
import { progressBar } from './progress.js';
import { type Lang, stringsFor } from './i18n.js';

type Output = NodeJS.WritableStream & { isTTY?: boolean };

export interface EnsureIndexOptions {
  /** Where progress and what is being done go (stderr by default). */
  err?: Output;
  /** Language of those lines (default English). */
  lang?: Lang;
  /** Technical detail: why the index is rebuilt, ingest warnings, failures (default: indented lines on `err`). */
  log?: (line: string) => void;
  /** Pause between retries of a failed update (default 60 s; 0 = no retry). */
  retryEveryMs?: number;
}

/** Returns true when it had to (re)build the index; false when it was up to date, or served as it is after a failed update. */
export async function ensureIndex(config: Config, opts: EnsureIndexOptions = {}): Promise<boolean> {
  const err = opts.err ?? process.stderr;
  const s = stringsFor(opts.lang ?? 'en');
  const log = opts.log ?? ((line: string) => void err.write(`  ${printable(line)}\n`));
  const { status, reason } = await indexStatus(config);
  if (status === 'ok') return false;
  err.write(`${s.indexBuilding(status, config.corpusDirs.join(', '))}\n`);
  // The reason's own advice ("run `npm run ingest`") is what is being done now.
  log(`index ${status}: ${reason.replace(/;\s*run `npm run ingest`.*$/, '')}`);
  try {
    await build(config, err, opts.lang ?? 'en', log);
    return true;
  } catch (failure) {
    // Only a stale index is whole and readable by this version; anything else cannot be served.
    if (status !== 'stale') throw failure;
    const retryEveryMs = opts.retryEveryMs ?? 60_000;
    err.write(`${s.indexUpdateFailed(printable((failure as Error).message), Math.round(retryEveryMs / 1000))}\n`);
    if (retryEveryMs > 0) retryUpdate(config, err, opts.lang ?? 'en', log, retryEveryMs);
    return false;
  }
}

/** Tries the update again on a timer (which never keeps the process alive) until the index is up to date. */
function retryUpdate(config: Config, err: Output, lang: Lang, log: (line: string) => void, everyMs: number): void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      if ((await indexStatus(config)).status === 'ok') {
        clearInterval(timer);
        return;
      }
      await build(config, err, lang, log);
      clearInterval(timer);
    } catch (failure) {
      err.write(`${stringsFor(lang).indexUpdateFailedAgain(printable((failure as Error).message))}\n`);
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
}

async function build(config: Config, err: Output, lang: Lang, log: (line: string) => void): Promise<void> {
  const s = stringsFor(lang);
  const bar = progressBar(err, { lang });
  try {
    const summary = await ingest(config, { onProgress: bar.update, log });
    bar.done();
    err.write(`${s.indexReady(summary.files, summary.passages, summary.seconds)}\n`);
    for (const skipped of summary.skipped) {
      const why = skipped.code ? s.refusalReason(skipped.code, skipped.duplicateOf ? [skipped.duplicateOf] : []) : printable(skipped.reason);
      err.write(`  ${s.indexSkipped(printable(skipped.file), why)}\n`);
    }
  } finally {
    bar.done();
  }
}
