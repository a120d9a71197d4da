/**
 * What people ask, answered with the real model (the bundled multilingual-e5-small) on the seed reports
 * and, beside them, reports of the same kind from ../shared/corpus-large named by place and year.
 * The questions are the kinds in the issue (everyday wording, relative time, English, a named place and
 * year), written for this test, not taken from the evaluation sets.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ingest } from '../../src/index/ingest.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { SEED_CORPUS, SHARED, tempDir } from '../helpers.js';

const LARGE = path.join(SHARED, 'corpus-large', 'shenzhen-gov-reports');

describe('answers with the real model: everyday questions, named reports, refusals', () => {
  let searcher: Searcher;
  before(async () => {
    // Seeds plus every 光明区 report and one 深圳市 report: several reports of the same kind.
    const large = tempDir('rqb-large-');
    for (const f of fs.readdirSync(LARGE).filter((f) => f.startsWith('深圳市光明区-') || f === '深圳市-2005-深圳市政府工作报告.txt')) {
      fs.copyFileSync(path.join(LARGE, f), path.join(large, f));
    }
    const config = loadConfig({ corpusDirs: [SEED_CORPUS, large], indexDir: tempDir('rqb-index-') }, { ALLOW_REMOTE_MODELS: 'false' });
    await ingest(config, { log: () => {} });
    searcher = await openSearcher(config, { log: () => {} });
  });

  const top = async (q: string) => {
    const a = await searcher.search(q, { k: 5 });
    // The passage each result quotes from, whitespace removed: is the answer among what is shown?
    return { a, text: a.results.map((r) => `${r.source} ${r.section} ${r.passage}`.replace(/\s+/g, '')).join('\n') };
  };

  it('everyday wording and relative time are answered, not refused', async () => {
    const cases: [string, RegExp][] = [
      ['柏山镇去年搞了几次普法', /柏山镇[^\n]*30余次/],
      ['史村镇有几个村', /史村镇[^\n]*27个行政村/],
      ['史村镇明年的工作打算是什么', /史村镇[^\n]*2024年/],
      ['What did Shicun do about petitions?', /史村镇[^\n]*信访/],
    ];
    for (const [q, expected] of cases) {
      const { a, text } = await top(q);
      assert.equal(a.abstained, false, q);
      assert.notEqual(a.level, 'none', q);
      assert.match(text, expected, q);
    }
  });

  it('a report named by place and year is searched on its own and said', async () => {
    const { a } = await top('光明区2020年的政府工作报告里，第一家大型商业综合体叫什么？');
    assert.deepEqual(a.namedReports, ['深圳市光明区 2020']);
    assert.ok(a.results.every((r) => r.source.startsWith('深圳市光明区-2020-')));
  });

  it('a place with no report for the year asked gets no quote, and the years that exist', async () => {
    const { a } = await top('What GDP figure did Guangming District give in its 2018 government work report?');
    assert.equal(a.abstained, true);
    assert.equal(a.missingReport?.place, '深圳市光明区');
    assert.ok(a.missingReport!.available.includes('深圳市光明区 2019'));
  });

  it('off-topic questions are refused', async () => {
    for (const q of ['推荐一家好吃的火锅店', 'How do I bake sourdough bread at home?']) {
      const { a } = await top(q);
      assert.equal(a.level, 'none', `${q}: ${JSON.stringify(a.signals)}`);
    }
  });
});
