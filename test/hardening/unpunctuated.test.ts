/**
 * Issue 15, fault 13: one long line without punctuation. Its passages keep the usual bounds (at most
 * PASSAGE_MAX_CHARS, not 10,000), and every quote stays within QUOTE_MAX_CHARS, even when a single
 * "sentence" is longer than that.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PASSAGE_MAX_CHARS } from '../../src/corpus/chunk.js';
import { ingest } from '../../src/index/ingest.js';
import type { PassageStore } from '../../src/index/store.js';
import { currentGeneration } from '../../src/index/store.js';
import { openSearcher } from '../../src/search/searcher.js';
import { copyOfSeeds, tempDir, testConfig } from '../helpers.js';

/** `chars` characters of made-up Chinese with no punctuation at all (deterministic). */
function unpunctuated(chars: number): string {
  const alphabet = '政府工作报告建设发展经济社会民生教育医疗卫生交通水利农业农村城市环境保护安全生产服务群众';
  let x = 7;
  let s = '';
  while (s.length < chars) s += alphabet[(x = (x * 1103515245 + 12345) % 2 ** 31) % alphabet.length];
  return s;
}

describe('fault 13: a long line without punctuation', () => {
  it('is cut into passages of the usual size, and quotes from it stay within QUOTE_MAX_CHARS', async () => {
    const corpus = copyOfSeeds();
    // A fact in the middle of the line, so that questions find it.
    fs.writeFileSync(path.join(corpus, '一行-数据.txt'), unpunctuated(20_000) + '柏树沟村新建垃圾转运站四座' + unpunctuated(20_000));
    const indexDir = tempDir('rqb-line-');
    const summary = await ingest(testConfig({ corpusDirs: [corpus], indexDir }), { log: () => {} });
    assert.ok(summary.passages >= 40_000 / PASSAGE_MAX_CHARS, `${summary.passages} passages`);
    const store = JSON.parse(fs.readFileSync(path.join(currentGeneration(indexDir)!, 'passages.json'), 'utf8')) as PassageStore;
    // The usual bound: a short scrap at a section's end may join the passage before it (packSection).
    assert.ok(store.passages.every((p) => p.end - p.start <= PASSAGE_MAX_CHARS * 1.25), 'no passage over the usual maximum');
    for (const quoteMaxChars of [300, 60]) {
      const searcher = await openSearcher(testConfig({ corpusDirs: [corpus], indexDir, search: { quoteMaxChars } }));
      for (const question of ['柏树沟村新建了几座垃圾转运站？', '柏山镇组织了多少次普法宣传？']) {
        const answer = await searcher.search(question, { k: 5 });
        assert.ok(answer.results.length > 0, question);
        if (question.startsWith('柏树沟村')) assert.equal(answer.results[0]!.source, '一行-数据.txt');
        for (const r of answer.results) {
          assert.ok(r.quote.length <= quoteMaxChars, `${question}: a quote of ${r.quote.length} characters (limit ${quoteMaxChars})`);
          assert.ok(r.passage.length <= PASSAGE_MAX_CHARS * 1.25);
          assert.equal(r.quote, r.passage.slice(r.start - r.passageStart, r.end - r.passageStart), 'the quote is where its offsets say');
        }
      }
    }
  });
});
