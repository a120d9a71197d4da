// The lexical index built passage by passage (LexicalBuilder) against BM25 and counts computed directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bm25Idf, LexicalBuilder, type LexicalDoc as Doc, LexicalIndex } from '../../src/index/lexical.js';
const token = fc.constantFrom('法治', '政府', '村', '普法', '2023', 'law', '柏山', '史村');
const doc = fc.record({ body: fc.array(token, { maxLength: 12 }), head: fc.array(token, { maxLength: 4 }) });

/** BM25 straight from its definition, both fields, boosts body 1 and head 0.6. */
function naiveScores(docs: Doc[], query: string[]): Map<number, number> {
  const scores = new Map<number, number>();
  for (const [field, boost] of [['body', 1], ['head', 0.6]] as const) {
    const avg = docs.reduce((n, d) => n + d[field].length, 0) / docs.length || 1;
    for (const term of query) {
      const df = docs.filter((d) => d[field].includes(term)).length;
      if (!df) continue;
      docs.forEach((d, i) => {
        const tf = d[field].filter((t) => t === term).length;
        if (!tf) return;
        const norm = 1.2 * (1 - 0.75 + (0.75 * d[field].length) / avg);
        scores.set(i, (scores.get(i) ?? 0) + (boost * bm25Idf(docs.length, df) * tf * 2.2) / (tf + norm));
      });
    }
  }
  return scores;
}

test('scores, document frequencies and vocabulary match a direct computation', () => {
  fc.assert(
    fc.property(fc.array(doc, { minLength: 1, maxLength: 12 }), fc.uniqueArray(token, { minLength: 1, maxLength: 3 }), (docs, query) => {
      const builder = new LexicalBuilder();
      for (const d of docs) builder.add(d);
      const index = LexicalIndex.fromBuffer(builder.build().toBuffer());
      const hits = index.search(new Map(query.map((t) => [t, 1])), docs.length);
      const expected = naiveScores(docs, query);
      assert.equal(hits.length, expected.size);
      for (const h of hits) assert.ok(Math.abs(h.score - expected.get(h.id)!) < 1e-9, `doc ${h.id}`);

      const df = builder.documentFrequencies();
      for (const t of new Set(docs.flatMap((d) => [...d.body, ...d.head]))) {
        assert.equal(df.get(t), docs.filter((d) => d.body.includes(t) || d.head.includes(t)).length);
      }
      assert.deepEqual([...builder.bodyVocabulary()].sort(), [...new Set(docs.flatMap((d) => d.body))].sort());
    }),
    { numRuns: 300 },
  );
});
