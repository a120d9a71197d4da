/**
 * A worker thread that embeds passage batches with its own copy of the model (EMBED_WORKERS > 1): two
 * passes side by side use two cores better than one pass on two onnxruntime threads (1.46× on this
 * model), at the memory of a second model.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelConfig } from '../config.js';
import { loadEmbedder } from './embedder.js';

const { model } = workerData as { model: ModelConfig };
// The exact model the parent loaded (its onnxruntime threads too): no fallback, no download, no workers of its own.
const embedder = await loadEmbedder({ ...model, fallbackId: '', workers: 0 }, () => {});

parentPort!.on('message', async (msg: { id: number; texts: string[] }) => {
  const vectors = await embedder.embedPassages(msg.texts);
  const flat = new Float32Array(vectors.length * embedder.dim);
  vectors.forEach((v, i) => flat.set(v, i * embedder.dim));
  parentPort!.postMessage({ id: msg.id, flat }, [flat.buffer]);
});
parentPort!.postMessage({ ready: true });
