/** End to end on the seed reports with the stand-in model: dev-set questions, English, traditional Chinese, abstaining, odd input. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { docOf, firstHit, readQuestions, score } from '../../src/cli/eval.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { DEV_SET, tempDir, testConfig } from '../helpers.js';

const config = testConfig({ indexDir: tempDir('rqb-search-') });
let searcher: Searcher;

before(async () => {
  await ingest(config, { log: () => {} });
  searcher = await openSearcher(config, { log: () => {} });
});

const squeeze = (s: string) => s.replace(/\s+/g, '');

describe('answers from the seed reports', () => {
  const cases: [string, string, string][] = [
    ['史村镇怎样推进科学决策？', 'shicun', '领导班子成员分工制'],
    ['柏山镇组织了多少次普法宣传？', 'baishan', '30余次'],
    ['矛盾调处中心接待了多少来访群众？', 'baishan', '114人次'],
    ['集市宣传覆盖了多少人次？', 'shicun', '2600余人次'],
    ['微网格', 'baishan', '微网格'],
  ];
  for (const [q, doc, must] of cases) {
    it(`${q} → quote with ${must}`, async () => {
      const a = await searcher.search(q);
      assert.equal(a.abstained, false);
      const top = a.results[0]!;
      assert.equal(docOf(top.source), doc);
      assert.ok(squeeze(top.quote).includes(must), top.quote);
      assert.ok(top.quote.length <= 300 || !/[。！？；]./.test(top.quote), 'a quote over 300 characters is one sentence');
      assert.ok(top.section.length > 0);
    });
  }

  it('quotes whole sentences whose offsets point into the passage', async () => {
    for (const q of ['反诈宣传入户走访了多少人次？', '柏山镇的三道防线分别是什么？']) {
      for (const r of (await searcher.search(q)).results) {
        assert.ok(r.start >= r.passageStart && r.end <= r.passageEnd);
        assert.equal(r.passage.slice(r.start - r.passageStart, r.end - r.passageStart), r.quote);
        assert.match(r.quote, /([。！？；!?;][”’"」』）)】]*|[^，。！？；]{1,30})$/);
      }
    }
  });

  it('answers a traditional-Chinese question from the simplified text', async () => {
    const a = await searcher.search('柏山鎮化解了多少起矛盾糾紛？');
    assert.ok(a.results.slice(0, 3).some((r) => squeeze(r.quote).includes('化解矛盾纠纷79起')));
  });

  it('bridges English questions to the Chinese reports', async () => {
    const a = await searcher.search('Who leads the rule-of-law government working group in Shicun?');
    assert.equal(a.abstained, false);
    assert.ok(a.results.slice(0, 5).some((r) => docOf(r.source) === 'shicun' && r.quote.includes('书记任组长')));
  });

  it('abstains when the reports do not answer', async () => {
    for (const q of ['今年的高考分数线是多少？', 'Recommend a good pizza restaurant.', '明天北京的天气怎么样？', 'What is the capital of France?']) {
      const a = await searcher.search(q);
      assert.equal(a.abstained, true, `${q} answered: ${a.results[0]?.quote}`);
      assert.deepEqual(a.results, []);
    }
  });

  it('never throws on odd input', async () => {
    const inputs = ['', '   ', '？', '法', '😀😀😀', '\u200b\u200b', '\u202e测试', '<b>柏山镇</b> &amp; </blockquote>', 'x'.repeat(20000), '柏山镇 '.repeat(3000), '\u0000\u0007'];
    for (const q of inputs) {
      const a = await searcher.search(q);
      assert.equal(typeof a.abstained, 'boolean');
      if (q.length > config.search.maxQuestionChars) assert.ok(a.notices.some((n) => /shortened/.test(n)));
    }
  });

  it('limits results to a report when asked', async () => {
    const report = searcher.sources().find((s) => s.source.startsWith('史村镇'))!;
    const a = await searcher.search('法治宣传', { onlyReport: report });
    assert.ok(a.results.length > 0);
    assert.ok(a.results.every((r) => r.source === report.source && r.corpusDir === report.corpusDir));
  });
});

describe('the dev set (../shared/eval/dev.jsonl)', { skip: !fs.existsSync(DEV_SET) && 'no ../shared/eval' }, () => {
  it('meets the targets: zh Hit@1 ≥ 0.9, Hit@5 = 1, both unanswerable abstained, none answerable abstained', async () => {
    const questions = readQuestions(DEV_SET);
    const rows = [];
    for (const question of questions) rows.push({ question, answer: await searcher.search(question.q, { k: 10 }) });
    const zh = score(rows.filter((r) => r.question.lang === 'zh'));
    const all = score(rows);
    assert.ok(zh.hit1 >= 0.9, `zh Hit@1 ${zh.hit1}`);
    assert.equal(zh.hit5, 1, `zh misses: ${rows.filter((r) => r.question.lang === 'zh' && r.question.doc && !firstHit(r.question, r.answer)).map((r) => r.question.id)}`);
    assert.equal(all.abstainedRight, all.unanswerable);
    assert.equal(all.falseAbstain, 0);
  });
});
