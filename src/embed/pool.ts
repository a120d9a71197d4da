/**
 * Spreads passage batches over this thread and `workers - 1` worker threads (see worker.ts): this
 * thread's model is already loaded, so N-way embedding holds N models, not N + 1 (~150 MB each with its passes).
 */
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../config.js';

export async function embedWithWorkers(
  model: ModelConfig,
  dim: number,
  batches: string[][],
  workers: number,
  onBatch: (batch: number, vectors: Float32Array[]) => void,
  embedHere: (texts: string[]) => Promise<Float32Array[]>,
): Promise<void> {
  // Test-runner flags must not reach the workers.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const url = new URL('./worker-entry.mjs', import.meta.url);
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      let inFlight = 0;
      const send = () => {
        if (next < batches.length) {
          worker.postMessage({ id: next, texts: batches[next++] });
          inFlight++;
        }
        if (inFlight === 0) resolve();
      };
      worker.on('message', (msg: { ready?: boolean; id?: number; flat?: Float32Array }) => {
        if (msg.ready) {
          // Two batches queued: the next is there when one is done, even while this thread is in a
          // forward pass (onnxruntime runs synchronously here, so messages wait until it is done).
          send();
          send();
          return;
        }
        if (msg.flat && msg.id !== undefined) {
          inFlight--;
          const vectors: Float32Array[] = [];
          for (let i = 0; i < msg.flat.length; i += dim) vectors.push(msg.flat.slice(i, i + dim));
          onBatch(msg.id, vectors);
        }
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 && next >= batches.length && inFlight === 0 ? resolve() : reject(new Error(`embedding worker exited with code ${code}`))));
    });
  const here = async () => {
    while (next < batches.length) {
      const id = next++;
      onBatch(id, await embedHere(batches[id]!));
      // Let the workers' messages in between batches (a batch's passes run back to back).
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const pool = Array.from({ length: Math.min(workers - 1, batches.length) }, () => new Worker(url, { workerData: { model }, execArgv }));
  try {
    await Promise.all([here(), ...pool.map(run)]);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
