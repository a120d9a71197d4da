/**
 * Text embeddings through @xenova/transformers (feature-extraction), configured entirely by ModelConfig:
 * model id, local models folder, cache folder, hub mirror (HF_ENDPOINT), quantized weights, pooling,
 * and the query/passage prefixes some models are trained with.
 *
 * When the configured model cannot be loaded (offline, as on this machine), it falls back once,
 * with one clear warning, to the bundled stand-in so that everything still works.
 */
import fs from 'node:fs';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { MODEL_PRESETS, type ModelConfig } from '../config.js';
import { embedWithWorkers } from './pool.js';

export interface Embedder {
  /** The model actually loaded (the fallback's id after a fallback). */
  readonly modelId: string;
  readonly dim: number;
  /** True when the configured model could not be loaded and the fallback is in use. */
  readonly isFallback: boolean;
  embedQuery(text: string): Promise<Float32Array>;
  /** Embeds passages in bounded batches; `onBatch` reports progress. */
  embedPassages(texts: string[], onBatch?: (done: number, total: number) => void): Promise<Float32Array[]>;
}

/** Fewer passages than this are embedded in this thread: starting workers costs more than it saves. */
const MIN_TEXTS_FOR_WORKERS = 512;

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

type Log = (message: string) => void;

function configureEnvironment(model: ModelConfig): void {
  env.localModelPath = model.localModelsDir.endsWith(path.sep) ? model.localModelsDir : model.localModelsDir + path.sep;
  env.cacheDir = model.cacheDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = model.allowRemote;
  env.remoteHost = model.remoteHost;
  env.useFSCache = true;
}

/** True when the model's files are in the local models folder (so no download is attempted). */
export function isLocalModel(model: ModelConfig, id = model.id): boolean {
  return fs.existsSync(path.join(model.localModelsDir, id, 'config.json'));
}

async function loadPipeline(model: ModelConfig, id: string): Promise<FeatureExtractionPipeline> {
  configureEnvironment(model);
  try {
    return (await pipeline('feature-extraction', id, { quantized: model.quantized })) as FeatureExtractionPipeline;
  } catch (err) {
    const reason = (err as Error).message?.split('\n')[0] ?? String(err);
    throw new ModelLoadError(`cannot load embedding model "${id}": ${reason}`);
  }
}

function makeEmbedder(extractor: FeatureExtractionPipeline, modelId: string, settings: ModelConfig, dim: number, isFallback: boolean): Embedder {
  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const output = await extractor(texts, { pooling: settings.pooling, normalize: settings.normalize });
    const data = output.data as Float32Array;
    const width = output.dims[output.dims.length - 1]!;
    return texts.map((_, i) => data.slice(i * width, (i + 1) * width));
  };
  return {
    modelId,
    dim,
    isFallback,
    async embedQuery(text) {
      return (await run([settings.queryPrefix + text]))[0]!;
    },
    async embedPassages(texts, onBatch) {
      // Batches of similar length: a batch is padded to its longest text, so mixing lengths wastes work.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
      const batches: number[][] = [];
      for (let i = 0; i < order.length; i += settings.batchSize) batches.push(order.slice(i, i + settings.batchSize));
      const out: Float32Array[] = new Array(texts.length);
      let done = 0;
      const collect = (b: number, vectors: Float32Array[]) => {
        batches[b]!.forEach((id, j) => (out[id] = vectors[j]!));
        done += vectors.length;
        onBatch?.(done, texts.length);
      };
      const withPrefix = (b: number[]) => b.map((id) => settings.passagePrefix + texts[id]);
      if (settings.workers > 1 && texts.length >= MIN_TEXTS_FOR_WORKERS) {
        await embedWithWorkers({ ...settings, id: modelId, passagePrefix: '' }, dim, batches.map(withPrefix), settings.workers, collect);
      } else {
        for (let b = 0; b < batches.length; b++) collect(b, await run(withPrefix(batches[b]!)));
      }
      return out;
    },
  };
}

/** The settings of a model: its preset (pooling, prefixes) over the configured ones. */
function settingsFor(model: ModelConfig, id: string): ModelConfig {
  return id === model.id ? model : { ...model, id, ...MODEL_PRESETS[id] };
}

/** Loads the configured model, or the fallback with one warning. */
export function loadEmbedder(model: ModelConfig, log: Log = (m) => process.stderr.write(m + '\n')): Promise<Embedder> {
  // One model per process and settings: loaded once, and a fallback warned about once.
  const key = JSON.stringify(model);
  let loading = loaded.get(key);
  if (!loading) {
    loading = load(model, log);
    loaded.set(key, loading);
    loading.catch(() => loaded.delete(key)); // a failure may be retried (e.g. after fixing MODELS_DIR)
  }
  return loading;
}

const loaded = new Map<string, Promise<Embedder>>();

async function load(model: ModelConfig, log: Log): Promise<Embedder> {
  let id = model.id;
  let extractor: FeatureExtractionPipeline;
  let isFallback = false;
  try {
    extractor = await loadPipeline(model, id);
  } catch (err) {
    if (!model.fallbackId || model.fallbackId === id) throw err;
    log(
      `warning: ${(err as Error).message}. Using the offline stand-in model "${model.fallbackId}" instead ` +
        `(lexical character features, no semantics). Set EMBED_MODEL, MODELS_DIR or HF_ENDPOINT to use a real model.`,
    );
    id = model.fallbackId;
    isFallback = true;
    extractor = await loadPipeline({ ...model, allowRemote: false }, id);
  }
  const settings = settingsFor(model, id);
  const probe = await extractor(['dimension probe'], { pooling: settings.pooling, normalize: settings.normalize });
  const dim = probe.dims[probe.dims.length - 1]!;
  return makeEmbedder(extractor, id, settings, dim, isFallback);
}
