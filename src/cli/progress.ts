/** A one-line progress bar on a terminal (stderr); silent when stderr is not a TTY. */
import type { IngestProgress } from '../index/ingest.js';

const LABELS: Record<IngestProgress['phase'], string> = { read: 'reading', embed: 'embedding', index: 'indexing', write: 'writing' };

export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update: (p: IngestProgress) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
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
