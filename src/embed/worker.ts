/**
 * A worker thread that embeds passage batches with its own copy of the model, so that ingest can use
 * every core (one onnxruntime session does not keep two cores busy on this small model).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelConfig } from '../config.js';
import { loadEmbedder } from './embedder.js';

const { model } = workerData as { model: ModelConfig };
// The exact model the parent loaded: no fallback, no download, one thread.
const embedder = await loadEmbedder({ ...model, fallbackId: '', workers: 0 }, () => {});

parentPort!.on('message', async (msg: { id: number; texts: string[] }) => {
  const vectors = await embedder.embedPassages(msg.texts);
  const flat = new Float32Array(vectors.length * embedder.dim);
  vectors.forEach((v, i) => flat.set(v, i * embedder.dim));
  parentPort!.postMessage({ id: msg.id, flat }, [flat.buffer]);
});
parentPort!.postMessage({ ready: true });
