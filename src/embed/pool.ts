/** Spreads passage batches over worker threads (see worker.ts); results come back in input order. */
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../config.js';

export async function embedWithWorkers(
  model: ModelConfig,
  dim: number,
  batches: string[][],
  workers: number,
  onBatch: (batch: number, vectors: Float32Array[]) => void,
): Promise<void> {
  // Test-runner flags must not reach the workers.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const url = new URL('./worker-entry.mjs', import.meta.url);
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const send = () => {
        if (next >= batches.length) return resolve();
        const id = next++;
        worker.postMessage({ id, texts: batches[id] });
      };
      worker.on('message', (msg: { ready?: boolean; id?: number; flat?: Float32Array }) => {
        if (msg.flat && msg.id !== undefined) {
          const vectors: Float32Array[] = [];
          for (let i = 0; i < msg.flat.length; i += dim) vectors.push(msg.flat.slice(i, i + dim));
          onBatch(msg.id, vectors);
        }
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 || next >= batches.length ? resolve() : reject(new Error(`embedding worker exited with code ${code}`))));
    });
  const pool = Array.from({ length: Math.min(workers, batches.length) }, () => new Worker(url, { workerData: { model }, execArgv }));
  try {
    await Promise.all(pool.map(run));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
