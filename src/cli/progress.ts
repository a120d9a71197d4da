/**
 * A one-line progress bar on a terminal (stderr). When stderr is not a TTY (logs, CI, a parent process),
 * one plain line when a phase starts and at every tenth of the embedding.
 */
import type { IngestProgress } from '../index/ingest.js';

const LABELS: Record<IngestProgress['phase'], string> = { read: 'reading', embed: 'embedding', index: 'indexing', write: 'writing' };

export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update: (p: IngestProgress) => void; done: () => void } {
  if (!stream.isTTY) {
    let last = { phase: '', tenth: -1 };
    return {
      update(p) {
        const tenth = p.total ? Math.floor((10 * p.done) / p.total) : 10;
        if (p.phase === last.phase && (p.phase !== 'embed' || tenth === last.tenth)) return;
        last = { phase: p.phase, tenth };
        stream.write(`${LABELS[p.phase]} ${p.done}/${p.total}\n`);
      },
      done: () => {},
    };
  }
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      const width = 30;
      const ratio = p.total ? Math.min(1, p.done / p.total) : 1;
      const bar = '█'.repeat(Math.round(ratio * width)).padEnd(width, '░');
      stream.write(`\r${LABELS[p.phase].padEnd(10)} ${bar} ${p.done}/${p.total}   `);
    },
    done() {
      stream.write('\r' + ' '.repeat(70) + '\r');
    },
  };
}
