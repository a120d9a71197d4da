/**
 * The OpenSearch backend against a real 3-node cluster (started once for this file, see
 * test/support/opensearch-cluster.ts): publishing, the same answers as the embedded index, and faults —
 * a node killed under query load, a node restarted, ingest while a node is down, a publish the cluster
 * refuses, and the cluster unreachable at start. Stand-in model, seed reports.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readQuestions } from '../../src/cli/eval.js';
import { type Config } from '../../src/config.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { readManifest } from '../../src/index/store.js';
import { openLiveSearcher } from '../../src/search/live.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { findLauncher, OpenSearchCluster } from '../support/opensearch-cluster.js';
import { copyOfSeeds, DEV_SET, tempDir, testConfig } from '../helpers.js';

const launcher = findLauncher();
if ('missing' in launcher) process.stderr.write(`opensearch: skipping the cluster tests: ${launcher.missing}\n`);

const quiet = () => {};
const ALIAS = 'rqb-test';

/** Questions with known answers: the dev set when the shared folder is there, the examples always. */
const QUESTIONS = [
  ...readQuestions(path.join(PROJECT_ROOT, 'examples', 'questions.jsonl')),
  ...(fs.existsSync(DEV_SET) ? readQuestions(DEV_SET) : []),
].map((q) => q.q);

let cluster: OpenSearchCluster;
let embedder: Embedder;
let corpus: string;
/** The same corpus, published to the cluster (`engine`) and read from index/ (`local`). */
let engine: Config;
let local: Config;

/** What a user sees of an answer: the top quote's place and its answer line. */
async function shown(searcher: Searcher, q: string): Promise<string> {
  const a = await searcher.search(q);
  const r = a.results[0];
  return a.abstained || !r ? `refused (${a.level})` : `${r.source}:${r.start}-${r.end} ${r.answer?.text ?? ''} (${a.level})`;
}

async function aliasTargets(): Promise<string[]> {
  return Object.keys((await cluster.get(`/_alias/${ALIAS}`)) as object);
}

describe('OpenSearch backend on a 3-node cluster', { skip: 'missing' in launcher ? launcher.missing : false }, () => {
  before(async () => {
    cluster = await OpenSearchCluster.start(3);
    corpus = copyOfSeeds();
    const indexDir = tempDir('rqb-os-idx-');
    engine = testConfig({ corpusDirs: [corpus], indexDir, backend: { kind: 'opensearch', opensearchUrls: cluster.urls, opensearchIndex: ALIAS, shards: 2, replicas: 1 } });
    local = { ...engine, backend: { ...engine.backend, kind: 'embedded' } };
    embedder = await loadEmbedder(engine.model, quiet);
    await ingest(engine, { embedder, log: quiet });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('publishes one generation under the alias: every passage, HNSW on the lucene engine, and a second ingest writes nothing', async () => {
    const manifest = readManifest(engine.indexDir)!;
    const targets = await aliasTargets();
    assert.equal(targets.length, 1);
    assert.match(targets[0]!, new RegExp(`^${ALIAS}-gen-`));
    const count = (await cluster.get(`/${ALIAS}/_count?q=kind:passage`)) as { count: number };
    assert.equal(count.count, manifest.passageCount);
    const mapping = (await cluster.get(`/${targets[0]}/_mapping`)) as Record<string, { mappings: { properties: { vector: { method: { engine: string; space_type: string } } } } }>;
    const method = Object.values(mapping)[0]!.mappings.properties.vector.method;
    assert.equal(method.engine, 'lucene'); // never faiss: its native library may be missing (issue 24)
    assert.equal(method.space_type, 'cosinesimil');
    const again = await ingest(engine, { embedder, log: quiet });
    assert.equal(again.changed, false);
    assert.deepEqual(await aliasTargets(), targets);
  });

  it('gives the answers the embedded index gives (same quote, same answer line, same outcome)', async () => {
    const fromEngine = await openSearcher(engine, { embedder });
    const fromDisk = await openSearcher(local, { embedder });
    assert.equal(fromEngine.info().generation, fromDisk.info().generation);
    const differ: string[] = [];
    for (const q of QUESTIONS) {
      const [a, b] = [await shown(fromDisk, q), await shown(fromEngine, q)];
      if (a !== b) differ.push(`${q}\n  embedded:   ${a}\n  opensearch: ${b}`);
    }
    // Lucene keeps passage lengths in one byte: BM25 may differ in the last digits, so one near tie may turn.
    assert.ok(differ.length <= Math.floor(QUESTIONS.length * 0.05), `${differ.length} of ${QUESTIONS.length} differ:\n${differ.join('\n')}`);
  });

  it('keeps answering while a node is killed under query load, and the node rejoins when restarted', async () => {
    const searcher = await openSearcher(engine, { embedder });
    const expected = new Map<string, string>();
    for (const q of QUESTIONS.slice(0, 6)) expected.set(q, await shown(searcher, q));
    let stop = false;
    let answered = 0;
    const failures: string[] = [];
    const user = async (u: number) => {
      for (let i = u; !stop; i++) {
        const q = [...expected.keys()][i % expected.size]!;
        try {
          const got = await shown(searcher, q);
          if (got !== expected.get(q)) failures.push(`${q}: ${got} instead of ${expected.get(q)}`);
          answered++;
        } catch (err) {
          failures.push(`${q}: ${(err as Error).message}`);
        }
      }
    };
    const users = [0, 1, 2, 3].map(user);
    await new Promise((r) => setTimeout(r, 1500));
    const before = answered;
    await cluster.kill(0); // the first node: it holds shards, and is where the client sends first
    await new Promise((r) => setTimeout(r, 4000));
    stop = true;
    await Promise.all(users);
    assert.deepEqual(failures, []);
    assert.ok(answered > before, `answered ${answered - before} questions after the kill`);
    cluster.restart(0);
    await cluster.waitFor({ status: 'green', nodes: 3 }, 180);
    assert.equal(await shown(searcher, [...expected.keys()][0]!), [...expected.values()][0]);
  });

  it('ingests while a node is down: the new generation is published whole, answers, and a running bot swaps it in', async () => {
    const bot = await openLiveSearcher(engine, { embedder, log: quiet, checkEveryMs: 0, warmUp: false });
    await cluster.kill(2);
    await cluster.waitFor({ status: 'yellow', nodes: 2 }, 120);
    const before = readManifest(engine.indexDir)!;
    fs.writeFileSync(path.join(corpus, '河东村-2023年报告.txt'), '一、概况\n河东村修建水渠三条，灌溉农田八百亩。\n二、治安\n河东村全年未发生刑事案件。\n');
    const summary = await ingest(engine, { embedder, log: quiet });
    assert.equal(summary.changed, true);
    const after = readManifest(engine.indexDir)!;
    assert.notEqual(after.generation, before.generation);
    const searcher = await openSearcher(engine, { embedder });
    assert.equal(searcher.info().generation, after.generation);
    assert.match(await shown(searcher, '河东村修建了几条水渠？'), /河东村/);
    await bot.refresh();
    assert.equal(bot.generation(), after.generation);
    bot.close();
    cluster.restart(2);
    await cluster.waitFor({ status: 'green', nodes: 3 }, 180);
  });

  it('a publish the cluster refuses fails with one line and leaves the published generation live', async () => {
    const live = await aliasTargets();
    const health = (await cluster.get('/_cluster/health')) as { active_shards: number };
    const put = (value: number | null) =>
      fetch(`${cluster.urls[1]}/_cluster/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ persistent: { 'cluster.max_shards_per_node': value } }),
      });
    // No room for one more index: creating the next generation's is refused.
    await put(Math.max(1, Math.ceil(health.active_shards / 3)));
    try {
      fs.writeFileSync(path.join(corpus, '西岭村-2023年报告.txt'), '一、概况\n西岭村新修道路五公里。\n');
      await assert.rejects(ingest(engine, { embedder, log: quiet }), (err: Error) => {
        assert.match(err.message, /^OpenSearch refused PUT \/rqb-test-gen-/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.deepEqual(await aliasTargets(), live);
      const searcher = await openSearcher(engine, { embedder });
      assert.match(await shown(searcher, '河东村修建了几条水渠？'), /河东村/);
    } finally {
      await put(null);
    }
  });
});

describe('OpenSearch unreachable at start', () => {
  let config: Config;
  before(async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(p));
      });
    });
    config = testConfig({ indexDir: tempDir('rqb-os-down-'), backend: { kind: 'opensearch', opensearchUrls: [`http://127.0.0.1:${port}`], opensearchIndex: ALIAS } });
    embedder ??= await loadEmbedder(config.model, quiet);
  });

  it('says so in one line', async () => {
    await assert.rejects(openSearcher(config, { embedder }), (err: Error) => {
      assert.equal(err.name, 'IndexError');
      assert.match(err.message, /^OpenSearch at http:\/\/127\.0\.0\.1:\d+ is unreachable \(.+\); start the cluster, check OPENSEARCH_URL, or set INDEX_BACKEND=embedded$/);
      return true;
    });
  });

  it('answers from the last embedded index when OPENSEARCH_FALLBACK_EMBEDDED is set', async () => {
    await ingest({ ...config, backend: { ...config.backend, kind: 'embedded' } }, { embedder, log: quiet });
    const logged: string[] = [];
    const searcher = await openSearcher({ ...config, backend: { ...config.backend, fallbackToEmbedded: true } }, { embedder, log: (m) => logged.push(m) });
    assert.match(logged.join('\n'), /unreachable.*answering from the embedded index/);
    assert.match(await shown(searcher, '柏山镇组织了多少次普法宣传？'), /柏山镇/);
  });
});
