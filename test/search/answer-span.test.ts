import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSentences } from '../../src/corpus/chunk.js';
import { answerKind, answerSpan } from '../../src/search/answer-span.js';
import { extractQuote, itemLabelAt } from '../../src/search/quote.js';
import { makeResult, PUFA_PASSAGE, PUFA_QUOTE } from '../bot/helpers/fixtures.js';

describe('answer span', () => {
  it('says what a question asks for', () => {
    assert.equal(answerKind('柏山镇组织了多少次普法宣传？'), 'number');
    assert.equal(answerKind('How many meetings were held?'), 'number');
    assert.equal(answerKind('报告是什么时候发布的？'), 'date');
    assert.equal(answerKind('柏山镇为啥要组织人去考执法证？'), 'reason');
    assert.equal(answerKind('史村镇怎样推进科学决策？'), 'list');
    assert.equal(answerKind('柏山镇存在哪些不足？'), 'list');
    assert.equal(answerKind('史村镇司法所在哪条街？'), 'place');
  });

  it('takes the clause with the asked figure, verbatim, and marks the figure', () => {
    const r = makeResult({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, highlight: [PUFA_QUOTE] });
    const span = answerSpan('柏山镇组织了多少次普法宣传？', r)!;
    assert.equal(span.text, '先后组织各类普法宣传30余次');
    assert.equal(PUFA_PASSAGE.slice(span.start - r.passageStart, span.end - r.passageStart), span.text);
    assert.equal(PUFA_PASSAGE.slice(span.focus.start - r.passageStart, span.focus.end - r.passageStart), '30余次');
  });

  it('prefers the figure with the unit asked (人次 over 次)', () => {
    const r = makeResult({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE });
    assert.equal(answerSpan('解答了多少人次法律咨询？', r)!.text, '解答群众法律咨询1000多人次');
  });

  it('never answers with a signature or a date line', () => {
    const passage = '三是规范文明执法。严格执法程序。\n史村镇人民政府\n2023年12月28日';
    const r = makeResult({ passage, quote: passage });
    const span = answerSpan('史村镇人民政府怎样执法？', r)!;
    assert.doesNotMatch(span.text, /人民政府$|28日$/);
  });

  it('answers a "how" question with what follows an item title that restates it', () => {
    const passage = '三是推进科学决策。严格执行重大行政决策的文件规定，坚持领导班子成员分工制。';
    const r = makeResult({ passage, quote: passage });
    assert.match(answerSpan('怎样推进科学决策？', r)!.text, /^严格执行/);
  });
});

describe('quote edges', () => {
  const sentencesOf = (text: string) => splitSentences(text, 0);
  it('starts an enumerated item at its label and never ends on the next bare item title', () => {
    const text = '一是加强组织领导。领导干部带头学法用法，坚持同部署同推进。自觉把法治政府建设纳入重要议事日程。二是规范文明执法。严格执法程序。';
    const concepts = [{ label: '议事日程', forms: ['议事日程'], weight: 1 }];
    const q = extractQuote(text, sentencesOf(text), concepts, 60);
    assert.ok(q.text.startsWith('一是加强组织领导。'), q.text);
    assert.ok(!q.text.endsWith('二是规范文明执法。'), q.text);
  });
  it('names the item an offset is in, within its paragraph', () => {
    const text = '一是加强组织领导。领导干部带头学法。二是注重学习教育。全镇干部培训。\n另一段落。';
    assert.equal(itemLabelAt(text, text.indexOf('领导干部')), '一是');
    assert.equal(itemLabelAt(text, text.indexOf('全镇')), '二是');
    assert.equal(itemLabelAt(text, text.indexOf('另一')), undefined);
  });
});
