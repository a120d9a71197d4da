/**
 * Publishing the live embedded generation (INDEX_DIR) to OpenSearch: `npm run ingest` with
 * INDEX_BACKEND=opensearch builds or updates index/ as always (chunks, embeddings, BM25 tokens), then
 * copies that generation into a new OpenSearch index and flips the alias to it.
 *
 * Never half-published: the alias moves in one `_aliases` call, only after every passage and the meta
 * parts are written, refreshed and counted. Idempotent: documents are keyed by passage id, a generation
 * already live is not written again, and one left half-written by an interrupted run is rewritten.
 */
import path from 'node:path';
import type { Config } from '../../config.js';
import { indexTokens, normalize } from '../../language/text.js';
import { FILES, type PassageStore, readJson, readLive, VectorFile } from '../store.js';
import { connect, EngineError, type Engine, generationIndex } from './engine.js';
import { indexDefinition, META_PART_CHARS, type MetaDoc, metaDocId, type PassageDoc, passageDocId, tokenField } from './schema.js';

export interface PublishResult {
  index: string;
  /** False when the alias already named this generation. */
  published: boolean;
  passages: number;
  seconds: number;
}

export interface PublishOptions {
  log?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Passages per bulk request. */
  batch?: number;
}

/** The concrete indexes an alias points at ([] when it does not exist). */
export async function aliasTargets(engine: Engine, alias: string): Promise<string[]> {
  const found = await engine.call<Record<string, unknown>>('GET', `/_alias/${alias}`, undefined, { ignore_unavailable: true, allow_no_indices: true }).catch((err: Error) => {
    if (/\(404:/.test(err.message)) return {};
    throw err;
  });
  return Object.keys(found ?? {});
}

/** Fails with the first item's reason when a bulk request did not write everything. */
function checkBulk(result: { errors?: boolean; items?: Record<string, { status: number; error?: { reason?: string; type?: string } }>[] }, what: string): void {
  if (!result.errors) return;
  const failed = (result.items ?? []).map((i) => Object.values(i)[0]!).filter((i) => i.status >= 300);
  const first = failed[0]?.error;
  throw new EngineError(`OpenSearch did not write ${failed.length} ${what} (${first?.type ?? 'error'}: ${first?.reason ?? 'no reason given'}); nothing was published, run \`npm run ingest\` again`);
}

export async function publishToOpenSearch(config: Config, options: PublishOptions = {}): Promise<PublishResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const live = readLive(config.indexDir);
  if (!live) throw new EngineError(`no embedded index at ${config.indexDir} to publish; run \`npm run ingest\``);
  const { dir, manifest } = live;
  const alias = config.backend.opensearchIndex;
  const index = generationIndex(alias, manifest.generation);
  const engine = connect(config.backend, 120_000);
  try {
    const before = await aliasTargets(engine, alias);
    if (before.length === 1 && before[0] === index) return { index, published: false, passages: manifest.passageCount, seconds: (performance.now() - started) / 1000 };

    // A previous run that died half way leaves this generation's index unpublished: start it afresh.
    await engine.call('DELETE', `/${index}`, undefined, { ignore_unavailable: true });
    await engine.call('PUT', `/${index}`, indexDefinition(config, manifest.model.dim), { wait_for_active_shards: 1, timeout: '60s' });

    const store = readJson<PassageStore>(path.join(dir, FILES.passages));
    const vectors = VectorFile.open(dir, manifest.passageCount, manifest.model.dim);
    const batch = options.batch ?? 500;
    try {
      for (let first = 0; first < store.passages.length; first += batch) {
        const n = Math.min(batch, store.passages.length - first);
        const rows = vectors.rows(first, n);
        const lines: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const pid = first + i;
          const p = store.passages[pid]!;
          const d = store.docs[p.doc]!;
          const doc: PassageDoc = {
            kind: 'passage',
            pid,
            doc: p.doc,
            source: d.source,
            corpus_dir: d.corpusDir,
            title: d.title,
            section: p.section,
            start: p.start,
            end: p.end,
            // Exactly the tokens of the embedded lexical index (ingest.ts, buildLexical).
            body: tokenField(indexTokens(normalize(d.text.slice(p.start, p.end)))),
            head: tokenField(indexTokens(normalize([d.title, ...p.section].join(' ')))),
            vector: Array.from(rows.subarray(i * manifest.model.dim, (i + 1) * manifest.model.dim)),
          };
          lines.push({ index: { _index: index, _id: passageDocId(pid) } }, doc);
        }
        checkBulk(await engine.bulk('/_bulk', lines), 'passages');
        options.onProgress?.(first + n, store.passages.length);
      }
    } finally {
      vectors.close();
    }

    // The manifest, passage store and term statistics, as the embedded searcher reads them.
    const terms = readJson<unknown>(path.join(dir, FILES.terms));
    const data = JSON.stringify({ manifest, store, terms });
    const parts = Math.max(1, Math.ceil(data.length / META_PART_CHARS));
    for (let part = 0; part < parts; part++) {
      const doc: MetaDoc = { kind: 'meta', part, parts, meta: { data: data.slice(part * META_PART_CHARS, (part + 1) * META_PART_CHARS) } };
      checkBulk(await engine.bulk('/_bulk', [{ index: { _index: index, _id: metaDocId(part) } }, doc]), 'meta parts');
    }

    await engine.call('POST', `/${index}/_refresh`);
    const { count } = await engine.call<{ count: number }>('GET', `/${index}/_count`, { query: { term: { kind: 'passage' } } });
    if (count !== manifest.passageCount) {
      throw new EngineError(`OpenSearch holds ${count} of the ${manifest.passageCount} passages of ${index}; nothing was published, run \`npm run ingest\` again`);
    }

    // The one step that publishes: every reader sees the old generation or this one.
    const actions = [...before.map((i) => ({ remove: { index: i, alias } })), { add: { index, alias } }];
    await engine.call('POST', '/_aliases', { actions });
    await removeOldGenerations(engine, alias, [index, ...before], log);
    const seconds = (performance.now() - started) / 1000;
    log(`published ${manifest.passageCount} passages to OpenSearch as ${index} (alias ${alias}) in ${seconds.toFixed(1)} s`);
    return { index, published: true, passages: manifest.passageCount, seconds };
  } finally {
    await engine.close();
  }
}

/** Deletes the generations of this alias but the ones kept (the new one and the one before, which a running bot may still read). */
async function removeOldGenerations(engine: Engine, alias: string, keep: string[], log: (m: string) => void): Promise<void> {
  const all = await engine.call<{ index: string }[]>('GET', `/_cat/indices/${alias}-gen-*`, undefined, { format: 'json', h: 'index' });
  for (const { index } of all) {
    if (keep.includes(index)) continue;
    await engine.call('DELETE', `/${index}`).catch((err: Error) => log(`warning: could not remove the old generation ${index}: ${err.message}`));
  }
}
