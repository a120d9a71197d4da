import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  citation,
  COPY_TEXT_LIMIT,
  copyCitation,
  headingNumber,
  headOf,
  renderComparison,
  renderNoAnswer,
  renderResult,
  renderSources,
  shortRef,
  tailOf,
  TELEGRAM_TEXT_LIMIT,
} from '../../src/bot/format.js';
import { plainMarkup } from '../../src/bot/terminal-format.js';
import { answerKeyboard, CALLBACK_DATA_LIMIT, decodeButton, encodeButton, html } from '../../src/bot/telegram-html.js';
import { stringsFor } from '../../src/bot/i18n.js';
import type { Answer } from '../../src/search/types.js';
import { abstained, checkHtml, makeAnswer, makeResult, phoneLines, PUFA_PASSAGE, PUFA_QUOTE, PUFA_SECTIONS } from './helpers/fixtures.js';

const zh = stringsFor('zh');
const en = stringsFor('en');
const opts = { s: zh, markup: html };

describe('renderResult', () => {
  const answer = makeAnswer([{ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, sectionPath: PUFA_SECTIONS, highlight: ['先后组织各类普法宣传30余次'] }]);

  it('puts the answer line first, then the quote with only that clause in bold, then the reference', () => {
    const text = renderResult(answer, 0, opts);
    checkHtml(text);
    assert.match(text, /^先后组织各类普法宣传<b>30余次<\/b>\n<blockquote>联合各村.*进社区，<b>先后组织各类普法宣传30余次<\/b>，解答.*5000余份。<\/blockquote>\n/s);
    assert.ok(text.endsWith('\n<code>〔柏山镇 2023 · 二、（二）2.〕</code>'), text);
  });

  it('full view shows the whole passage in an expandable blockquote, and the citation', () => {
    const text = renderResult(answer, 0, { ...opts, mode: 'full' });
    checkHtml(text);
    assert.match(text, /^先后组织各类普法宣传<b>30余次<\/b>\n<blockquote expandable>柏山镇围绕经济建设.*<b>先后组织各类普法宣传30余次<\/b>.*浓厚的法治氛围。<\/blockquote>/s);
    assert.match(text, /\n— 柏山镇人民政府关于2023年法治政府建设情况的报告 · 二、推进法治政府建设的主要举措和成效 › （二）深入开展/);
  });

  it('fits a typical answer on a phone: answer line within the first three lines, at most 12 lines of 18 characters', () => {
    for (const q of ['柏山镇组织了多少次普法宣传？', '解答了多少人次法律咨询？', '发放了多少份法治宣传材料？']) {
      const lines = phoneLines(checkHtml(renderResult(makeAnswer([{ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, sectionPath: PUFA_SECTIONS }], q), 0, opts)));
      assert.ok(lines.length <= 12, `${q}: ${lines.length} lines\n${lines.join('\n')}`);
      assert.ok(lines.slice(0, 3).some((l) => /\d+[余多]/.test(l)), `${q}: the figure is on line ${lines.findIndex((l) => /\d+[余多]/.test(l)) + 1}`);
    }
  });

  it('bolds only the answer clause, never the whole quote; the quote in bold in the full view when there is no answer clause', () => {
    const whole = makeAnswer([{ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, highlight: [PUFA_QUOTE] }]);
    assert.doesNotMatch(renderResult(whole, 0, opts), new RegExp(`<b>${PUFA_QUOTE}</b>`));
    const none = makeAnswer([{ passage: PUFA_PASSAGE, quote: '。' }]);
    assert.doesNotMatch(renderResult(none, 0, opts), /<b>/);
  });

  it("escapes HTML in passages, titles and sections; says in the user's language when the question was cut", () => {
    const evil = makeAnswer(
      [
        {
          title: 'Report <b>bold</b> & "co"',
          sectionPath: ['一、<script>alert(1)</script>'],
          passage: 'Intro <i>x</i>. The answer is 5 < 6 && 7 > 3. Tail &amp; more.',
          quote: 'The answer is 5 < 6 && 7 > 3.',
          highlight: ['The answer is 5 < 6 && 7 > 3.'],
        },
      ],
      'q',
    );
    evil.shortenedTo = 500;
    for (const mode of ['quote', 'full'] as const) {
      const text = renderResult(evil, 0, { ...opts, mode });
      const visible = checkHtml(text);
      assert.ok(visible.includes('The answer is 5 < 6 && 7 > 3.'));
      assert.ok(text.includes('5 &lt; 6 &amp;&amp; 7 &gt; 3'));
      if (mode === 'full') assert.ok(text.includes('Report &lt;b&gt;bold&lt;/b&gt; &amp; "co"'));
      if (mode === 'full') assert.ok(text.includes('&lt;script&gt;'));
      assert.ok(text.startsWith(`<i>${opts.s.questionShortened(500)}</i>\n`));
    }
    assert.ok(renderResult(evil, 0, { ...opts, mode: 'full' }).includes('Tail &amp;amp; more.'));
  });

  it('keeps an over-long passage under 4096 characters, around the answering sentence', () => {
    const filler = '这是一段很长的背景文字，含有特殊字符<&>以及表情😀。'.repeat(400);
    const quote = '关键句：先后组织各类普法宣传30余次。';
    const long = makeAnswer([{ passage: filler + quote + filler, quote: filler.slice(-300) + quote + filler.slice(0, 300), highlight: [quote] }]);
    for (const mode of ['quote', 'full'] as const) {
      const text = renderResult(long, 0, { ...opts, mode });
      assert.ok(text.length <= TELEGRAM_TEXT_LIMIT, `${mode}: ${text.length}`);
      checkHtml(text);
      assert.ok(text.includes('<b>先后组织各类普法宣传30余次</b>'), mode);
    }
    const full = renderResult(long, 0, { ...opts, mode: 'full' });
    assert.ok(full.length > 3500, 'uses the room it has');
    assert.match(full, /<blockquote expandable>…/);
    assert.match(full, /…<\/blockquote>/);
  });

  it('shows an over-long sentence around its answer, marked as cut, within the limits', () => {
    const sentence = `${'普法'.repeat(5000)}。`;
    const huge = makeAnswer([{ passage: sentence, quote: sentence, highlight: [sentence] }]);
    for (const mode of ['quote', 'full'] as const) {
      const text = renderResult(huge, 0, { ...opts, mode });
      assert.ok(text.length <= TELEGRAM_TEXT_LIMIT);
      assert.match(checkHtml(text), /…\n/);
    }
    assert.ok(phoneLines(checkHtml(renderResult(huge, 0, opts))).length <= 12);
  });

  it('survives offsets that disagree with the text', () => {
    const r = makeResult({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, highlight: ['先后组织各类普法宣传30余次'] });
    const shifted: Answer = { ...makeAnswer([]), results: [{ ...r, start: r.start + 17, passageStart: 0 }] };
    assert.ok(checkHtml(renderResult(shifted, 0, opts)).includes(PUFA_QUOTE));
    const missing: Answer = { ...makeAnswer([]), results: [{ ...r, passage: 'something else' }] };
    assert.ok(checkHtml(renderResult(missing, 0, { ...opts, mode: 'full' })).includes(PUFA_QUOTE));
  });

  it('renders plain text for the terminal', () => {
    const text = renderResult(answer, 0, { s: en, markup: plainMarkup(), maxLength: Infinity, footer: en.terminalFooter(1, 1, false) });
    assert.ok(!text.includes('<'));
    assert.match(text, /^先后组织各类普法宣传30余次\n {2}│ 联合各村/);
    assert.ok(text.includes('〔柏山镇 2023 · 二、（二）2.〕'));
    assert.ok(text.endsWith('Result 1 of 1 · /full for the whole passage · /cite'));
  });

  it('property: any content renders to well-formed HTML within the limit', () => {
    const chunk = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('<b>', '&amp;', '😀', '。', '\n', '>', '&', '普法宣传'));
    const text = fc.array(chunk, { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, text, text, fc.nat(20000), fc.array(fc.string({ maxLength: 400 }), { maxLength: 3 }), fc.constantFrom('quote' as const, 'full' as const), (pre, quote, post, repeat, section, mode) => {
        const q = quote || 'x';
        const passage = pre.repeat(1 + (repeat % 50)) + q + post.repeat(1 + (repeat % 7));
        const a = makeAnswer([{ passage, quote: q, title: pre.slice(0, 500), sectionPath: section, highlight: [headOf(q, Math.max(1, q.length >> 1))] }], 'q', [post.slice(0, 50)]);
        const out = renderResult(a, 0, { ...opts, mode });
        return out.length <= TELEGRAM_TEXT_LIMIT && checkHtml(out) !== undefined;
      }),
      { numRuns: 300 },
    );
  });
});

describe('citation and reference', () => {
  it('numbers headings the way Chinese reports do', () => {
    assert.equal(headingNumber('二、推进法治政府建设'), '二、');
    assert.equal(headingNumber('**（三）广泛普法宣传，营造法治浓厚氛围**'), '（三）');
    assert.equal(headingNumber('2.围绕中心工作'), '2.');
    assert.equal(headingNumber('第三章 总则'), '第三章');
    assert.equal(headingNumber('史村镇 2023 年度法治政府建设报告'), '');
  });

  it('makes a short copyable reference from the file name, year and heading numbers', () => {
    const r = { source: '史村镇-2023年度法治政府建设报告.md', title: '史村镇人民政府', sectionPath: ['史村镇 2023 年度法治政府建设报告', '一、2023 年度推进法治政府建设主要举措和成效', '（一）强化政治引领'] };
    assert.equal(shortRef(r), '〔史村镇 2023 · 一、（一）〕');
    assert.equal(shortRef({ ...r, sectionPath: [] }), '〔史村镇 2023〕');
    assert.equal(shortRef({ source: 'reports/annual.txt', title: 'Annual report 2021', sectionPath: [] }), '〔annual 2021〕');
    assert.equal(citation({ ...r, sectionPath: [] }), '— 史村镇人民政府');
  });
});

describe('copy citation', () => {
  const r = makeResult({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, sectionPath: PUFA_SECTIONS });
  const withHeader = { ...r, report: { title: '关于2023年法治政府建设情况的报告', issuer: '柏山镇人民政府', date: '2023年1月28日' } };

  it("cites the quote with the report's own issuer, title, date and section, in Chinese conventions", () => {
    const text = copyCitation(withHeader, '柏山镇组织了多少次普法宣传？', zh);
    assert.ok(text.startsWith('「联合各村'), text);
    assert.ok(text.endsWith('5000余份。」——柏山镇人民政府《关于2023年法治政府建设情况的报告》（2023年1月28日）二（二）2.'), text);
    assert.ok(text.length <= COPY_TEXT_LIMIT);
  });

  it('falls back to the file name, and follows English conventions for English users', () => {
    assert.match(copyCitation(r, '柏山镇组织了多少次普法宣传？', zh), /」——《柏山镇人民政府关于2023年法治政府建设情况的报告》二（二）2\.$/);
    assert.match(copyCitation(withHeader, 'How many?', en), /^“.*” — 柏山镇人民政府, 《关于2023年法治政府建设情况的报告》 \(2023年1月28日\), 二（二）2\.$/);
  });

  it('shortens a long quote so that the whole citation fits a copy button', () => {
    const long = makeResult({ passage: `${'普法宣传'.repeat(200)}。`, quote: `${'普法宣传'.repeat(200)}。` });
    const text = copyCitation({ ...long, report: withHeader.report }, '普法宣传', zh);
    assert.ok(text.length <= COPY_TEXT_LIMIT, String(text.length));
    assert.match(text, /…」——柏山镇人民政府/);
  });

  it('is offered as a copy button under an answer', () => {
    const kb = answerKeyboard(makeAnswer([{ passage: PUFA_PASSAGE, quote: PUFA_QUOTE }]), 'KEY123', 0, 'quote', zh, { sameReport: true, copy: true })!;
    const copy = kb.inline_keyboard.flat().find((b) => 'copy_text' in b);
    assert.equal(copy?.text, '复制引用');
  });

  it('names the enumerated item in the reference', () => {
    const passage = '一是加强组织领导。领导干部带头学法用法。二是注重学习教育。通过机关例会学习对全镇干部进行法律知识培训30余次。';
    const item = makeResult({ source: '史村镇-2023年度法治政府建设报告.md', passage, quote: passage, sectionPath: ['一、2023 年度推进法治政府建设主要举措和成效', '（二）强化学习'] });
    assert.match(renderResult({ ...makeAnswer([]), q: '培训了多少次？', results: [item] }, 0, opts), /〔史村镇 2023 · 一、（二）二是〕/);
  });
});

describe('no answer and sources', () => {
  it('says plainly that the reports do not answer, and how to ask', () => {
    const text = renderNoAnswer(abstained(), en, html);
    checkHtml(text);
    assert.ok(text.startsWith(`<b>${en.noAnswer}</b>\n• `));
    assert.ok(text.includes('/sources'));
  });

  it('groups reports by place with their years; reports without a place one by one', () => {
    const text = renderSources(
      [
        { source: '深圳市罗湖区-2020-a.txt', title: 'a', passages: 3, corpusDir: '/c' },
        { source: '深圳市罗湖区-2017-b.txt', title: 'b', passages: 3, corpusDir: '/c' },
        { source: '深圳市-2017-c.txt', title: 'c', passages: 3, corpusDir: '/c' },
        { source: '法治报告.md', title: '法治报告', passages: 2, corpusDir: '/c' },
      ],
      zh,
      html,
    );
    assert.deepEqual(text.split('\n').slice(1), ['• 深圳市罗湖区：2017、2020（2 份）', '• 深圳市：2017（1 份）', '• 法治报告（法治报告.md，2 段）']);
  });

  it('lists sources within the limit', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ source: `镇${i}-2023年报告.txt`, title: `<镇${i}> 报告`, passages: i, corpusDir: '/c' }));
    const text = renderSources(many, zh, html);
    assert.ok(text.length <= TELEGRAM_TEXT_LIMIT);
    checkHtml(text);
    assert.ok(text.includes('• &lt;镇0&gt; 报告（镇0-2023年报告.txt，0 段）'), text.slice(0, 200));
    assert.ok(text.endsWith('\n…'));
  });
});

describe('buttons', () => {
  const three = makeAnswer([0, 1, 2].map(() => ({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE })));

  it('round-trips callback data and stays within 64 bytes', () => {
    for (const action of ['q', 'f', 's', 'n'] as const) {
      const data = encodeButton({ action, key: 'Ab3_x9-Z', index: 99 });
      assert.ok(Buffer.byteLength(data) <= CALLBACK_DATA_LIMIT);
      assert.deepEqual(decodeButton(data), { action, key: 'Ab3_x9-Z', index: 99 });
    }
    assert.throws(() => encodeButton({ action: 'q', key: 'bad key', index: 0 }));
    assert.throws(() => encodeButton({ action: 'q', key: 'k', index: 100 }));
  });

  it('rejects forged or malformed callback data', () => {
    for (const forged of ['', 'q', 'q:abc', 'x:abc:1', 'q:abc:1:2', 'q:abc:-1', 'q:abc:100', 'q:ab c:1', 'q:abc:1 ', `q:${'a'.repeat(17)}:1`, 'q:абв:1', 'x'.repeat(65), undefined, 42]) {
      assert.equal(decodeButton(forged), undefined, String(forged));
    }
  });

  it('pages with prev/next, toggles the full passage, offers the same report', () => {
    const kb = (i: number, mode: 'quote' | 'full', sameReport = true) => answerKeyboard(three, 'KEY123', i, mode, en, { sameReport })!.inline_keyboard.map((row) => row.map((b) => `${b.text}=${'callback_data' in b ? b.callback_data : ''}`));
    assert.deepEqual(kb(0, 'quote'), [['1/3=n:KEY123:0', 'Next ›=q:KEY123:1'], ['Full passage=f:KEY123:0', 'All from this report=s:KEY123:0']]);
    assert.deepEqual(kb(1, 'full'), [['‹ Previous=f:KEY123:0', '2/3=n:KEY123:1', 'Next ›=f:KEY123:2'], ['Short quote=q:KEY123:1', 'All from this report=s:KEY123:1']]);
    assert.deepEqual(kb(2, 'quote', false), [['‹ Previous=q:KEY123:1', '3/3=n:KEY123:2'], ['Full passage=f:KEY123:2']]);
    // One result whose quote is the whole passage: nothing to page or expand.
    const single = makeAnswer([{ passage: PUFA_QUOTE, quote: PUFA_QUOTE }]);
    assert.equal(answerKeyboard(single, 'KEY123', 0, 'quote', en, { sameReport: false }), undefined);
  });
});

describe('text cutting', () => {
  it('never splits a surrogate pair', () => {
    assert.equal(headOf('a😀b', 2), 'a');
    assert.equal(tailOf('a😀b', 2), 'b');
    assert.equal(headOf('a😀b', 3), 'a😀');
    assert.equal(tailOf('a😀b', 3), '😀b');
  });
});

describe('comparisons', () => {
  it('shows each report side by side, and says which side has no report or nothing on the question', () => {
    const result = makeResult({ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, sectionPath: PUFA_SECTIONS });
    const text = renderComparison(
      {
        q: '柏山镇和史村镇哪个发放的宣传资料多？',
        rows: [{ label: '柏山镇 2023', result }],
        absent: [{ label: '史村镇 2023' }, { label: '王庄镇', missing: { place: '王庄镇', year: 2023, available: ['王庄镇 2021'] } }],
      },
      zh,
      html,
    );
    checkHtml(text);
    const lines = text.split('\n');
    assert.equal(lines[0], '<i>3 份报告各自的说法：</i>');
    assert.match(lines[1]!, /^• <b>柏山镇 2023<\/b>：/);
    assert.match(lines[2]!, /^ {2}<code>〔柏山镇 2023 · 二、（二）2\.〕<\/code>$/);
    assert.equal(lines[3], `• <b>史村镇 2023</b>：<i>${zh.comparisonNothing}</i>`);
    assert.equal(lines[4], '• <i>没有王庄镇 2023 年的报告。王庄镇的报告有：王庄镇 2021</i>');
  });
});
