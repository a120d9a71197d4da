/**
 * Before answering anything: make sure the index exists and matches the reports, building it
 * (with a progress line on stderr) when it is missing, stale or made with another model.
 */
import type { Config } from '../config.js';
import { printable } from '../corpus/display.js';
import { indexStatus, ingest, type IngestProgress } from '../index/ingest.js';

export interface EnsureIndexOptions {
  /** Where progress goes (stderr by default). */
  err?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Returns true when it had to (re)build the index. */
export async function ensureIndex(config: Config, opts: EnsureIndexOptions = {}): Promise<boolean> {
  const err = opts.err ?? process.stderr;
  const { status, reason } = await indexStatus(config);
  if (status === 'ok') return false;
  err.write(`Index ${status}: ${printable(reason)}\nBuilding the index of ${config.corpusDirs.join(', ')} …\n`);

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
  const summary = await ingest(config, { onProgress: progress, log: (msg) => err.write(`${err.isTTY ? '\r\x1b[K' : ''}  ${printable(msg)}\n`) });
  if (err.isTTY) err.write('\r\x1b[K');
  err.write(`Index ready: ${summary.files} reports, ${summary.passages} passages in ${summary.seconds.toFixed(1)} s.\n`);
  for (const { file, reason: why } of summary.skipped) err.write(`  skipped ${printable(file)}: ${printable(why)}\n`);
  return true;
}
