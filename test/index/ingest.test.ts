import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { indexStatus, ingest } from '../../src/index/ingest.js';
import { currentGeneration, readManifest } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

const quiet = () => {};

describe('ingest', () => {
  const corpus = copyOfSeeds();
  const indexDir = tempDir('rqb-index-');
  const config = testConfig({ corpusDirs: [corpus], indexDir });
  let embedder: Awaited<ReturnType<typeof loadEmbedder>>;
  before(async () => {
    embedder = await loadEmbedder(config.model, quiet);
  });

  it('builds the index with manifest, passages and vectors', async () => {
    assert.equal((await indexStatus(config)).status, 'missing');
    const s = await ingest(config, { embedder, log: quiet });
    assert.equal(s.files, 2);
    assert.ok(s.passages >= 10);
    assert.equal(s.embedded, s.passages);
    const m = readManifest(indexDir)!;
    assert.equal(m.model.id, 'local/zh-char-bigram-hash-256');
    assert.equal(m.model.dim, 256);
    assert.equal(m.files.length, 2);
    for (const f of ['manifest.json', 'passages.json', 'vectors.f32', 'hnsw.bin', 'lexical.bin', 'terms.json']) {
      assert.ok(fs.existsSync(path.join(currentGeneration(indexDir)!, f)), f);
    }
    assert.equal(fs.statSync(path.join(currentGeneration(indexDir)!, 'vectors.f32')).size, s.passages * 256 * 4);
    assert.deepEqual(await indexStatus(config), { status: 'ok', reason: 'up to date' });
  });

  it('stores passages whose offsets lead back to the raw report text', () => {
    const gen = currentGeneration(indexDir)!;
    const store = JSON.parse(fs.readFileSync(path.join(gen, 'passages.json'), 'utf8'));
    const squeeze = (t: string) => t.replace(/[\s#*]/g, '');
    for (const p of store.passages) {
      const doc = store.docs[p.doc];
      const raw = fs.readFileSync(path.join(doc.corpusDir, doc.source), 'utf8');
      assert.equal(squeeze(raw.slice(p.srcStart, p.srcEnd)), squeeze(doc.text.slice(p.start, p.end)));
      for (let i = 0; i < p.sentences.length; i += 2) assert.ok(p.sentences[i] >= p.start && p.sentences[i + 1] <= p.end);
    }
  });

  it('does no work when nothing changed', async () => {
    const generation = readManifest(indexDir)!.generation;
    const s = await ingest(config, { embedder, log: quiet });
    assert.equal(s.changed, false);
    assert.equal(s.embedded, 0);
    assert.equal(readManifest(indexDir)!.generation, generation);
  });

  it('re-embeds only what changed when a report is edited, added or removed', async () => {
    const before = readManifest(indexDir)!;
    const file = path.join(corpus, '柏山镇-2023年法治政府建设情况报告.txt');
    fs.appendFileSync(file, '\n五、附记\n柏山镇新建了法治文化长廊一处，群众反响良好。\n');
    assert.equal((await indexStatus(config)).status, 'stale');
    let s = await ingest(config, { embedder, log: quiet });
    assert.ok(s.changed);
    assert.ok(s.embedded >= 1 && s.embedded <= 2, `embedded ${s.embedded}`);
    assert.equal(s.reused, s.passages - s.embedded);
    assert.notEqual(readManifest(indexDir)!.generation, before.generation);

    fs.writeFileSync(path.join(corpus, '新报告.txt'), '一、概况\n新报告的内容，讲述了河东村修建水渠的经过。\n');
    s = await ingest(config, { embedder, log: quiet });
    assert.equal(s.files, 3);
    assert.equal(s.embedded, 1);
    const searcher = await openSearcher(config, { embedder });
    assert.ok((await searcher.search('河东村修建水渠')).results[0]?.source === '新报告.txt');

    fs.rmSync(path.join(corpus, '新报告.txt'));
    assert.equal((await indexStatus(config)).status, 'stale');
    s = await ingest(config, { embedder, log: quiet });
    assert.equal(s.files, 2);
    assert.equal(s.embedded, 0);
  });

  it('skips broken files with a warning and indexes the rest', async () => {
    const dir = copyOfSeeds();
    fs.writeFileSync(path.join(dir, 'empty.txt'), '');
    fs.writeFileSync(path.join(dir, 'binary.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
    fs.copyFileSync(path.join(dir, '柏山镇-2023年法治政府建设情况报告.txt'), path.join(dir, 'copy.txt'));
    const warnings: string[] = [];
    const s = await ingest(testConfig({ corpusDirs: [dir], indexDir: tempDir() }), { embedder, log: (m) => warnings.push(m) });
    assert.equal(s.files, 2);
    const skipped = s.skipped.map((x) => x.file).sort();
    assert.ok(skipped.includes('binary.txt') && skipped.includes('empty.txt'), skipped.join());
    assert.equal(skipped.length, 3); // one of the two identical files
    assert.ok(warnings.some((w) => /binary\.txt: binary file/.test(w)));
    assert.ok(warnings.some((w) => /: duplicate of (copy\.txt|柏山镇)/.test(w)));
  });

  it('refuses another ingest while one holds the lock', async () => {
    const lock = path.join(indexDir, '.ingest.lock');
    fs.writeFileSync(lock, String(process.pid)); // this process is alive
    try {
      await assert.rejects(ingest(config, { embedder, log: quiet }), /another ingest \(pid \d+\) is writing/);
    } finally {
      fs.rmSync(lock);
    }
    fs.writeFileSync(lock, '999999999'); // a dead process's lock is taken over
    assert.equal((await ingest(config, { embedder, log: quiet })).changed, false);
  });

  it('rebuilds and says so when the model changes', async () => {
    const m = readManifest(indexDir)!;
    const manifestFile = path.join(currentGeneration(indexDir)!, 'manifest.json');
    fs.writeFileSync(manifestFile, JSON.stringify({ ...m, model: { ...m.model, id: 'some/other-model' } }));
    const logs: string[] = [];
    const s = await ingest(config, { embedder, log: (x) => logs.push(x) });
    assert.ok(s.changed);
    assert.equal(s.embedded, s.passages);
    assert.match(s.rebuildReason ?? '', /model changed \(some\/other-model → local\/zh-char-bigram-hash-256\)/);
    assert.ok(logs.some((l) => /Rebuilding the whole index/.test(l)));
  });
});

describe('opening an index', () => {
  it('refuses an index built with another model', async () => {
    const indexDir = tempDir();
    const config = testConfig({ indexDir });
    const embedder = await loadEmbedder(config.model, quiet);
    await ingest(config, { embedder, log: quiet });
    const manifestFile = path.join(currentGeneration(indexDir)!, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...m, model: { ...m.model, id: 'Xenova/multilingual-e5-small', dim: 384 } }));
    await assert.rejects(openSearcher(config, { embedder }), /built with model Xenova\/multilingual-e5-small \(384 dims\) but the model now is local\/zh-char-bigram-hash-256 \(256 dims\); run `npm run ingest`/);
    assert.equal((await indexStatus(config)).status, 'incompatible');
  });

  it('gives a clear error for a missing or corrupt index', async () => {
    const indexDir = tempDir();
    const config = testConfig({ indexDir });
    const embedder = await loadEmbedder(config.model, quiet);
    await assert.rejects(openSearcher(config, { embedder }), /no index at .*; run `npm run ingest` first/);
    await ingest(config, { embedder, log: quiet });
    const gen = currentGeneration(indexDir)!;
    fs.writeFileSync(path.join(gen, 'hnsw.bin'), fs.readFileSync(path.join(gen, 'hnsw.bin')).subarray(0, 100));
    await assert.rejects(openSearcher(config, { embedder }), { name: 'IndexError', message: /HNSW graph .*rebuild/ });
    fs.writeFileSync(path.join(gen, 'passages.json'), '{"docs": [');
    await assert.rejects(openSearcher(config, { embedder }), { name: 'IndexError', message: /passages\.json is missing or corrupt/ });
    fs.writeFileSync(path.join(indexDir, 'CURRENT'), 'gen-does-not-exist\n');
    await assert.rejects(openSearcher(config, { embedder }), /generation gen-does-not-exist is missing/);
    // A rebuild repairs it.
    await ingest(config, { embedder, log: quiet });
    assert.ok((await (await openSearcher(config, { embedder })).search('微网格')).results.length > 0);
  });
});
