/**
 * Before answering anything: make sure the index exists and matches the reports, building it
 * (with a progress line on stderr) when it is missing, stale or made with another model.
 *
 * When an update of a stale index fails (another ingest holds the lock, a full disk …) while the index
 * on disk is still whole, the bot starts anyway on that last good generation, says so, and tries the
 * update again every `retryEveryMs`; the live searcher picks the new generation up once it is published.
 */
import type { Config } from '../config.js';
import { printable } from '../corpus/display.js';
import { indexStatus, ingest, type IngestProgress } from '../index/ingest.js';

export interface EnsureIndexOptions {
  /** Where progress goes (stderr by default). */
  err?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Pause between retries of a failed update (default 60 s; 0 = no retry). */
  retryEveryMs?: number;
}

/** Returns true when it had to (re)build the index; false when it was up to date, or served as it is after a failed update. */
export async function ensureIndex(config: Config, opts: EnsureIndexOptions = {}): Promise<boolean> {
  const err = opts.err ?? process.stderr;
  const { status, reason } = await indexStatus(config);
  if (status === 'ok') return false;
  err.write(`Index ${status}: ${printable(reason)}\nBuilding the index of ${config.corpusDirs.join(', ')} …\n`);
  try {
    await build(config, err);
    return true;
  } catch (failure) {
    // Only a stale index is whole and readable by this version; anything else cannot be served.
    if (status !== 'stale') throw failure;
    const retryEveryMs = opts.retryEveryMs ?? 60_000;
    err.write(
      `Warning: could not update the index (${printable((failure as Error).message)}); answering from the last good index, which does not include the latest changes` +
        (retryEveryMs > 0 ? `. Trying again every ${Math.round(retryEveryMs / 1000)} s.\n` : '.\n'),
    );
    if (retryEveryMs > 0) retryUpdate(config, err, retryEveryMs);
    return false;
  }
}

/** Tries the update again on a timer (which never keeps the process alive) until the index is up to date. */
function retryUpdate(config: Config, err: NodeJS.WritableStream & { isTTY?: boolean }, everyMs: number): void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      if ((await indexStatus(config)).status === 'ok') {
        clearInterval(timer);
        return;
      }
      await build(config, err);
      clearInterval(timer);
    } catch (failure) {
      err.write(`Warning: the index update failed again (${printable((failure as Error).message)}); still answering from the last good index.\n`);
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
}

async function build(config: Config, err: NodeJS.WritableStream & { isTTY?: boolean }): Promise<void> {
  // On a terminal one line is redrawn; otherwise a line per phase and per tenth of the work.
  let last = { phase: '', tenth: -1 };
  const progress = (p: IngestProgress) => {
    const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
    const line = `  ${p.phase}: ${p.done}/${p.total} (${pct}%)`;
    if (err.isTTY) return void err.write(`\r\x1b[K${line}`);
    const tenth = Math.floor(pct / 10);
    if (p.phase === last.phase && tenth <= last.tenth) return;
    last = { phase: p.phase, tenth };
    err.write(`${line}\n`);
  };
  try {
    const summary = await ingest(config, { onProgress: progress, log: (msg) => err.write(`${err.isTTY ? '\r\x1b[K' : ''}  ${printable(msg)}\n`) });
    err.write(`${err.isTTY ? '\r\x1b[K' : ''}Index ready: ${summary.files} reports, ${summary.passages} passages in ${summary.seconds.toFixed(1)} s.\n`);
    for (const { file, reason: why } of summary.skipped) err.write(`  skipped ${printable(file)}: ${printable(why)}\n`);
  } finally {
    if (err.isTTY) err.write('\r\x1b[K');
  }
}
