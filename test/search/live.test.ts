/**
 * The searcher that follows the index (what `npm start` uses): while `npm run ingest` runs in another
 * process and publishes a new generation, questions keep being answered, none fails, each answer comes
 * from exactly one generation, and the new report becomes findable. A question under way when the swap
 * happens finishes on its own generation; an unusable new generation is refused and the old one kept.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../src/config.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';
import { ingest } from '../../src/index/ingest.js';
import { currentGeneration, type PassageStore, publishGeneration } from '../../src/index/store.js';
import { type LiveSearcher, openLiveSearcher } from '../../src/search/live.js';
import type { Answer } from '../../src/search/types.js';
import { copyOfSeeds, STANDIN_ENV, tempDir, testConfig } from '../helpers.js';

const NEW_REPORT = '新河镇-2023年工作报告.txt';
const NEW_TEXT = '一、水利建设\n新河镇疏浚河道十八公里，新建排灌站五座，受益农田两万亩。\n二、平安建设\n新河镇调解邻里纠纷六十六起。\n';
const NEW_QUESTION = '新河镇疏浚了多少公里河道？';
const OLD_QUESTION = '柏山镇组织了多少次普法宣传？';

/** passageId → [source, passage text] of a generation, to tell which one an answer came from. */
function passagesOf(genDir: string): Map<number, string> {
  const store = JSON.parse(fs.readFileSync(path.join(genDir, 'passages.json'), 'utf8')) as PassageStore;
  return new Map(store.passages.map((p, id) => [id, `${store.docs[p.doc]!.source}\n${store.docs[p.doc]!.text.slice(p.start, p.end)}`]));
}

/** The generations (by name) an answer is consistent with: every result's id, source and passage agree. */
function generationsOf(answer: Answer, gens: Map<string, Map<number, string>>): string[] {
  return [...gens].filter(([, passages]) => answer.results.every((r) => passages.get(r.passageId) === `${r.source}\n${r.passage}`)).map(([name]) => name);
}

describe('a searcher that follows the index', () => {
  const corpus = copyOfSeeds();
  const config = testConfig({ corpusDirs: [corpus], indexDir: tempDir('rqb-live-') });
  const logs: string[] = [];
  let embedder: Embedder;
  let live: LiveSearcher;

  before(async () => {
    embedder = await loadEmbedder(config.model, () => {});
    await ingest(config, { embedder, log: () => {} });
    live = await openLiveSearcher(config, { embedder, checkEveryMs: 25, log: (m) => logs.push(m) });
  });
  after(() => live?.close());

  it('keeps answering while another process re-ingests, each answer from one generation, then finds the new report', async () => {
    const genA = path.basename(currentGeneration(config.indexDir)!);
    const gens = new Map([[genA, passagesOf(path.join(config.indexDir, genA))]]);
    assert.equal(live.generation(), genA);
    assert.equal((await live.search(NEW_QUESTION)).results[0]?.source === NEW_REPORT, false);

    fs.writeFileSync(path.join(corpus, NEW_REPORT), NEW_TEXT); // sorts before 柏山镇: its passages change ids
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts/ingest.ts'), '--corpus', corpus, '--index', config.indexDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...STANDIN_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childErr = '';
    child.stderr.on('data', (d) => (childErr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void exited.then(() => (done = true));

    // Four users at once, a round every 20 ms, until the ingest is over and the swap has happened.
    const answers: { q: string; a: Answer; at: number }[] = [];
    const deadline = Date.now() + 50_000;
    let extra = 0;
    while (Date.now() < deadline && (!done || live.swaps === 0 || extra++ < 5)) {
      const round = await Promise.all([OLD_QUESTION, NEW_QUESTION, OLD_QUESTION, NEW_QUESTION].map(async (q) => ({ q, a: await live.search(q), at: Date.now() })));
      answers.push(...round);
      await new Promise((resolve) => setTimeout(resolve, 20)); // leaves the ingest a core
    }
    assert.equal(await exited, 0, childErr);
    const genB = path.basename(currentGeneration(config.indexDir)!);
    assert.notEqual(genB, genA);
    assert.equal(live.generation(), genB, 'swapped in');
    assert.equal(live.swaps, 1);
    gens.set(genB, passagesOf(path.join(config.indexDir, genB)));

    const from = answers.map(({ a }) => generationsOf(a, gens));
    assert.ok(answers.length > 20, `${answers.length} answers`);
    from.forEach((g, i) => assert.ok(g.length >= 1, `answer ${i} (${answers[i]!.q}) mixes generations or matches none`));
    // Old-question answers tell the generations apart (ids shifted): each is from exactly one.
    answers.forEach(({ q }, i) => q === OLD_QUESTION && assert.equal(from[i]!.length, 1));
    // Before the swap, old answers; after it, new ones: never back.
    const firstB = from.findIndex((g) => g.length === 1 && g[0] === genB);
    assert.ok(firstB > 0, 'some answers came from the old generation');
    assert.ok(from.slice(firstB).every((g) => g.includes(genB)), 'no answer from the old generation after the swap');
    for (const { q, a } of answers.slice(firstB)) if (q === NEW_QUESTION) assert.equal(a.results[0]?.source, NEW_REPORT);
    for (const { q, a } of answers) if (q === OLD_QUESTION) assert.ok(a.results[0]?.quote.includes('30余次'));
    assert.ok(logs.some((l) => l.startsWith(`index: now answering from ${genB}`)));
  });

  it('a question under way finishes on the generation it started with', async () => {
    // An embedder that holds the question until told to go on.
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const held: Embedder = { ...embedder, embedQuery: async (t) => (await gate, embedder.embedQuery(t)) };
    // No warm-up: its questions would wait at the gate too.
    const slow = await openLiveSearcher(config, { embedder: held, checkEveryMs: 0, log: () => {}, warmUp: false });
    try {
      const genB = slow.generation();
      const storeB = passagesOf(path.join(config.indexDir, genB));
      const pending = slow.search(OLD_QUESTION);
      // A new generation is published and swapped in, and the old folder is even deleted, meanwhile.
      const genC = copyGeneration(config.indexDir, path.join(config.indexDir, genB));
      assert.equal(await slow.refresh(), true);
      assert.equal(slow.generation(), genC);
      fs.rmSync(path.join(config.indexDir, genB), { recursive: true });
      go();
      const a = await pending;
      assert.deepEqual(generationsOf(a, new Map([[genB, storeB]])), [genB]);
      assert.ok(a.results[0]?.quote.includes('30余次'));
      assert.equal((await slow.search(OLD_QUESTION)).results[0]?.quote.includes('30余次'), true);
    } finally {
      slow.close();
    }
  });

  it('refuses an unusable new generation once, keeps answering from the one it has, and takes the next good one', async () => {
    await live.refresh();
    const good = live.generation();
    // Publishing removes all but the last two generations: copies are made from a saved one.
    const saved = path.join(tempDir('rqb-live-saved-'), good);
    fs.cpSync(path.join(config.indexDir, good), saved, { recursive: true });
    const bad = copyGeneration(config.indexDir, saved, (dir) => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, model: { ...m.model, id: 'Xenova/multilingual-e5-small', dim: 384 } }));
    });
    logs.length = 0;
    assert.equal(await live.refresh(), false);
    assert.equal(await live.refresh(), false);
    assert.equal(live.generation(), good);
    assert.equal(logs.filter((l) => l.includes(`the new generation ${bad} cannot be used`)).length, 1, logs.join('\n'));
    assert.match(logs[0]!, /built with model Xenova\/multilingual-e5-small/);
    assert.ok((await live.search(OLD_QUESTION)).results[0]?.quote.includes('30余次'));

    const damaged = copyGeneration(config.indexDir, saved, (dir) => fs.writeFileSync(path.join(dir, 'hnsw.bin'), 'garbage'));
    assert.equal(await live.refresh(), false);
    assert.ok(logs.some((l) => l.includes(`the new generation ${damaged} cannot be used: index file hnsw.bin is missing or corrupt`)));

    const next = copyGeneration(config.indexDir, saved);
    assert.equal(await live.refresh(), true);
    assert.equal(live.generation(), next);
    assert.ok((await live.search(OLD_QUESTION)).results[0]?.quote.includes('30余次'));
  });
});

/** Publishes a copy of a generation folder under a new name (optionally changed first); returns the name. */
function copyGeneration(indexDir: string, from: string, change?: (dir: string) => void): string {
  const name = `gen-${new Date(Date.now() + 1000).toISOString().replace(/[:.]/g, '-')}-${Math.floor(Math.random() * 1e6)}`;
  const dir = path.join(indexDir, name);
  fs.cpSync(from, dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, generation: name }));
  change?.(dir);
  publishGeneration(indexDir, name);
  return name;
}
