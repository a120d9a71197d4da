/**
 * A LangChain `Embeddings` over @xenova/transformers, for the peer benchmark.
 *
 * Why not @langchain/community's HuggingFaceTransformersEmbeddings: since community 1.x it
 * imports @huggingface/transformers (v3), a different package from the @xenova/transformers 2
 * our system uses, with its own ONNX runtime. The comparison must differ only in chunking,
 * indexing and ranking, so the peer embeds with the very same library, model and settings.
 */
import path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { MODEL_PRESETS, PROJECT_ROOT, STANDIN_MODEL_ID } from '../src/config.js';

export interface XenovaEmbeddingsOptions {
  /** A model folder under `localModelsDir` (transformers.js layout); offline only. */
  modelId?: string;
  localModelsDir?: string;
  /** Texts per forward pass: bounds memory whatever the number of documents. */
  batchSize?: number;
}

export class XenovaEmbeddings extends Embeddings {
  readonly modelId: string;
  readonly batchSize: number;
  private readonly localModelsDir: string;
  private readonly pooling: 'mean' | 'cls';
  private readonly queryPrefix: string;
  private readonly passagePrefix: string;
  private extractor: Promise<FeatureExtractionPipeline> | null = null;
  /** Passages embedded so far and the milliseconds it took (benchmarks read this). */
  readonly passageStats = { count: 0, ms: 0 };

  constructor(opts: XenovaEmbeddingsOptions = {}) {
    super({});
    this.modelId = opts.modelId ?? STANDIN_MODEL_ID;
    this.localModelsDir = opts.localModelsDir ?? path.join(PROJECT_ROOT, 'models');
    this.batchSize = opts.batchSize ?? 32;
    const preset = MODEL_PRESETS[this.modelId] ?? {};
    this.pooling = preset.pooling ?? 'mean';
    this.queryPrefix = preset.queryPrefix ?? '';
    this.passagePrefix = preset.passagePrefix ?? '';
  }

  /** Loads the model once. transformers.js settings are global, so they are restored after. */
  private load(): Promise<FeatureExtractionPipeline> {
    this.extractor ??= (async () => {
      const saved = { localModelPath: env.localModelPath, allowRemoteModels: env.allowRemoteModels, allowLocalModels: env.allowLocalModels };
      env.localModelPath = this.localModelsDir.endsWith('/') ? this.localModelsDir : `${this.localModelsDir}/`;
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      try {
        return (await pipeline('feature-extraction', this.modelId, { quantized: true })) as FeatureExtractionPipeline;
      } finally {
        Object.assign(env, saved);
      }
    })();
    return this.extractor;
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    const extractor = await this.load();
    const out = await extractor(texts, { pooling: this.pooling, normalize: true });
    const dim = out.dims[out.dims.length - 1]!;
    const data = out.data as Float32Array;
    return texts.map((_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const t0 = performance.now();
    const vectors: number[][] = [];
    for (let i = 0; i < documents.length; i += this.batchSize) {
      vectors.push(...(await this.embedBatch(documents.slice(i, i + this.batchSize).map((d) => this.passagePrefix + d))));
    }
    this.passageStats.count += documents.length;
    this.passageStats.ms += performance.now() - t0;
    return vectors;
  }

  override async embedQuery(document: string): Promise<number[]> {
    return (await this.embedBatch([this.queryPrefix + document]))[0]!;
  }
}
