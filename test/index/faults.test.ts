/**
 * A damaged or mismatched index: every fault gets a clear one-line message that says what to run
 * (openSearcher, indexStatus), never a wrong answer; and `ingest` repairs it, even when the reports
 * did not change. (Missing index, cut HNSW graph, broken passages.json, a bad CURRENT pointer, another
 * model and the lock are in ingest.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureIndex } from '../../src/bot/ensure-index.js';
import { type Config } from '../../src/config.js';
import { CHUNKER_VERSION } from '../../src/corpus/chunk.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { DenseIndex } from '../../src/index/hnsw.js';
import { indexStatus, ingest } from '../../src/index/ingest.js';
import { currentGeneration, FORMAT_VERSION, type Manifest, readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const quiet = () => {};
const REBUILD = /run `npm run ingest`/;
const QUESTION = '柏山镇组织了多少次普法宣传？';

let embedder: Embedder;
/** A good index of the seed reports, and a second one of another corpus (for out-of-step parts). */
let good: Config;
let other: Config;

before(async () => {
  good = testConfig({ indexDir: tempDir('rqb-faults-') });
  embedder = await loadEmbedder(good.model, quiet);
  await ingest(good, { embedder, log: quiet });
  const corpus = tempDir('rqb-faults-other-');
  fs.writeFileSync(path.join(corpus, '河东村-2023年报告.txt'), '一、概况\n河东村修建水渠三条，灌溉农田八百亩。\n二、治安\n河东村全年未发生刑事案件。\n');
  other = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-faults-other-idx-') });
  await ingest(other, { embedder, log: quiet });
});

/** A copy of the good index to damage; `gen` is its live generation folder. */
function copyOfGood(): { config: Config; gen: string; file: (name: string) => string; manifest: () => Manifest; setManifest: (m: Manifest) => void } {
  const indexDir = tempDir('rqb-faulty-');
  fs.cpSync(good.indexDir, indexDir, { recursive: true });
  const config = { ...good, indexDir };
  const gen = currentGeneration(indexDir)!;
  const file = (name: string) => path.join(gen, name);
  return {
    config,
    gen,
    file,
    manifest: () => JSON.parse(fs.readFileSync(file('manifest.json'), 'utf8')) as Manifest,
    setManifest: (m) => fs.writeFileSync(file('manifest.json'), JSON.stringify(m)),
  };
}

/** The fault is refused with a message matching `message` and a rebuild hint; then ingest repairs it. */
async function refusedThenRepaired(config: Config, message: RegExp, status: string) {
  await assert.rejects(openSearcher(config, { embedder }), (err: Error) => {
    assert.equal(err.name, 'IndexError');
    assert.match(err.message, message);
    assert.match(err.message, REBUILD);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
  const st = await indexStatus(config);
  assert.equal(st.status, status, st.reason);
  assert.match(st.reason, REBUILD);
  const logs: string[] = [];
  const s = await ingest(config, { embedder, log: (m) => logs.push(m) });
  assert.ok(s.changed, 'the same reports, but the index is rebuilt');
  assert.equal(s.embedded + s.reused, s.passages);
  assert.equal((await indexStatus(config)).status, 'ok');
  const a = await (await openSearcher(config, { embedder })).search(QUESTION);
  assert.ok(a.results[0]?.quote.includes('30余次'), 'answers right after the repair');
  return { summary: s, logs };
}

describe('index faults', () => {
  it('wrong dimension: an HNSW graph of other vectors is refused (hnswlib itself would search garbage)', async () => {
    const f = copyOfGood();
    const n = f.manifest().passageCount;
    const small = DenseIndex.build(Array.from({ length: n }, (_, i) => Float32Array.from({ length: 8 }, (_, j) => Math.sin(i + j))), 8, { m: 16, efConstruction: 50, efSearch: 50 });
    small.save(f.file('hnsw.bin'));
    // Loading the graph alone checks its header too.
    assert.throws(() => DenseIndex.load(f.file('hnsw.bin'), 256, n, 128), /HNSW graph does not match the passage store \(23 vectors of 8 dims, expected 23 of 256\)/);
    // As an index from before file sizes were recorded, so that only the graph's own header can tell.
    f.setManifest({ ...f.manifest(), fileBytes: undefined });
    await refusedThenRepaired(f.config, /hnsw\.bin is missing or corrupt \(the HNSW graph holds 23 vectors of 8 dims, not 23 of 256\)/, 'corrupt');
  });

  it('wrong dimension: a manifest that says another dimension for the same model', async () => {
    const f = copyOfGood();
    f.setManifest({ ...f.manifest(), model: { ...f.manifest().model, dim: 384 } });
    await refusedThenRepaired(f.config, /built with model local\/zh-char-bigram-hash-256 \(384 dims\) but the model now is local\/zh-char-bigram-hash-256 \(256 dims\)/, 'corrupt');
  });

  it('vectors out of step with the passages: a cut vectors.f32 is refused, and ingest re-embeds instead of reusing it', async () => {
    const f = copyOfGood();
    const vectors = fs.readFileSync(f.file('vectors.f32'));
    fs.writeFileSync(f.file('vectors.f32'), vectors.subarray(0, vectors.length - 1024 - 3));
    const { summary, logs } = await refusedThenRepaired(f.config, /vectors\.f32 is missing or corrupt \(the vector file has \d+ bytes/, 'corrupt');
    assert.equal(summary.embedded, summary.passages, 'nothing reused from a damaged generation');
    assert.match(summary.rebuildReason ?? '', /previous index is unreadable \(index file vectors\.f32 is missing or corrupt/);
    assert.ok(logs.some((l) => l.startsWith('Rebuilding the whole index: the previous index is unreadable')));
  });

  it('passage store out of step with the manifest', async () => {
    const f = copyOfGood();
    const store = JSON.parse(fs.readFileSync(f.file('passages.json'), 'utf8'));
    store.passages.pop();
    fs.writeFileSync(f.file('passages.json'), JSON.stringify(store));
    f.setManifest({ ...f.manifest(), fileBytes: undefined }); // only the count can tell
    await refusedThenRepaired(f.config, /the passage store does not match the manifest/, 'stale');
  });

  it('parts from another generation (lexical index, term statistics, graph) are refused, never mixed in', async () => {
    const otherGen = currentGeneration(other.indexDir)!;
    const cases: [string, RegExp][] = [
      ['lexical.bin', /the lexical index does not match the manifest/],
      ['terms.json', /the term statistics does not match the manifest/],
      ['hnsw.bin', /the HNSW graph holds 2 vectors of 256 dims, not 23 of 256/],
    ];
    for (const [name, message] of cases) {
      const f = copyOfGood();
      fs.copyFileSync(path.join(otherGen, name), f.file(name));
      // Sizes recorded: caught by the cheap check, status included.
      await assert.rejects(openSearcher(f.config, { embedder }), new RegExp(`${name.replace('.', '\\.')} is missing or corrupt`));
      assert.equal((await indexStatus(f.config)).status, 'corrupt');
      // No sizes (an older index): caught by the consistency checks.
      f.setManifest({ ...f.manifest(), fileBytes: undefined });
      await assert.rejects(openSearcher(f.config, { embedder }), message, name);
    }
  });

  it('a file missing from the generation', async () => {
    const f = copyOfGood();
    fs.rmSync(f.file('terms.json'));
    await refusedThenRepaired(f.config, /terms\.json is missing or corrupt \(the term statistics is not there\)/, 'corrupt');
  });

  it('a cut HNSW graph is repaired by ingest although the reports did not change', async () => {
    const f = copyOfGood();
    fs.writeFileSync(f.file('hnsw.bin'), fs.readFileSync(f.file('hnsw.bin')).subarray(0, 200));
    const { summary } = await refusedThenRepaired(f.config, /hnsw\.bin is missing or corrupt/, 'corrupt');
    assert.equal(summary.embedded, summary.passages);
  });

  it('another chunker version: status says incompatible and what to run; ingest and npm start rebuild', async () => {
    const f = copyOfGood();
    f.setManifest({ ...f.manifest(), chunkerVersion: CHUNKER_VERSION - 1 });
    const st = await indexStatus(f.config);
    assert.equal(st.status, 'incompatible');
    assert.equal(st.reason, `the index was built by another version of the chunker (${CHUNKER_VERSION - 1}, this one is ${CHUNKER_VERSION}); run \`npm run ingest\` to rebuild it`);
    // npm start's first step rebuilds it (vectors are keyed by text, so they are reused).
    let said = '';
    const rebuilt = await ensureIndex(f.config, { err: { write: (s: string) => ((said += s), true) } as unknown as NodeJS.WritableStream });
    assert.equal(rebuilt, true);
    assert.match(said, /^The index was built by another version or model: rebuilding it from .* now…\n {2}index incompatible: the index was built by another version of the chunker/);
    assert.equal(readManifest(f.config.indexDir)!.chunkerVersion, CHUNKER_VERSION);
    assert.equal((await indexStatus(f.config)).status, 'ok');
  });

  it('another index format, an empty manifest, an empty CURRENT: a clear message', async () => {
    const f = copyOfGood();
    f.setManifest({ ...f.manifest(), formatVersion: 99 });
    await assert.rejects(openSearcher(f.config, { embedder }), new RegExp(`has format 99, this version reads ${FORMAT_VERSION}; run \`npm run ingest\``));
    assert.equal((await indexStatus(f.config)).status, 'corrupt');
    fs.writeFileSync(f.file('manifest.json'), JSON.stringify({ formatVersion: FORMAT_VERSION }));
    await assert.rejects(openSearcher(f.config, { embedder }), /manifest\.json is incomplete; run `npm run ingest`/);
    fs.writeFileSync(path.join(f.config.indexDir, 'CURRENT'), '');
    await assert.rejects(openSearcher(f.config, { embedder }), /bad CURRENT pointer\); run `npm run ingest`/);
    assert.ok((await ingest(f.config, { embedder, log: quiet })).changed);
    assert.ok((await (await openSearcher(f.config, { embedder })).search(QUESTION)).results[0]?.quote.includes('30余次'));
  });
});
