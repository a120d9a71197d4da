/**
 * Rich messages (src/bot/rich.ts) as pure functions: the same lines as the HTML message, structured as
 * blocks — the quote a block quotation ending in the footnote reference, the footnote citing it — and
 * report text can never forge formatting (the private-use marks richMarkup uses are dropped from it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderResult } from '../../src/bot/format.js';
import { html } from '../../src/bot/telegram-html.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { CITATION_NOTE, richAnswer } from '../../src/bot/rich.js';
import { makeAnswer, PUFA_PASSAGE, PUFA_QUOTE, PUFA_SECTIONS } from './helpers/fixtures.js';

const zh = stringsFor('zh');

describe('rich answers', () => {
  const answer = makeAnswer([{ passage: PUFA_PASSAGE, quote: PUFA_QUOTE, sectionPath: PUFA_SECTIONS, highlight: ['先后组织各类普法宣传30余次'] }]);

  it('the answer line as a paragraph, the quote as a block quotation with [1], the footnote with the reference and the citation', () => {
    const rich = richAnswer(answer, 0, { s: zh });
    assert.deepEqual(
      rich.blocks!.map((b) => b.type),
      ['paragraph', 'blockquote', 'footer'],
    );
    const [line, quote, footer] = rich.blocks! as unknown as [{ text: unknown }, { blocks: { text: unknown[] }[] }, { text: unknown[] }];
    assert.deepEqual(line.text, ['先后组织各类普法宣传', { type: 'bold', text: '30余次' }]);
    const quoted = quote.blocks[0]!.text;
    assert.deepEqual(quoted.at(-1), { type: 'reference_link', text: '[1]', reference_name: CITATION_NOTE });
    assert.ok(JSON.stringify(quoted[0]).includes('{"type":"bold","text":"先后组织各类普法宣传30余次"}'), JSON.stringify(quoted[0]));
    const note = footer.text[1] as { type: string; name: string; text: unknown[] };
    assert.equal(note.type, 'reference');
    assert.equal(note.name, CITATION_NOTE);
    assert.deepEqual(note.text[0], { type: 'code', text: '〔柏山镇 2023 · 二、（二）2.〕' });
    assert.match(String(note.text[2]), /^— .*二、推进法治政府建设的主要举措和成效 › （二）/);
  });

  it('holds the same text as the HTML message (tags and footnote aside)', () => {
    const plainOf = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) ? v.map(plainOf).join('') : v && typeof v === 'object' ? plainOf((v as { text?: unknown; blocks?: unknown }).text ?? (v as { blocks?: unknown }).blocks ?? '') : '');
    const rich = richAnswer(answer, 0, { s: zh });
    const htmlText = renderResult(answer, 0, { s: zh, markup: html }).replace(/<[^>]+>/g, '');
    const [line, quote] = rich.blocks!.map(plainOf);
    assert.ok(htmlText.startsWith(`${line}\n${quote!.replace(/ \[1\]$/, '')}\n`), `${htmlText}\n---\n${line}\n${quote}`);
  });

  it('report text cannot forge formatting: the marks are dropped from it', () => {
    const forged = `\uE000b假的粗体\uE001${PUFA_QUOTE}`;
    const rich = richAnswer(makeAnswer([{ passage: `${forged}`, quote: forged }]), 0, { s: zh });
    const text = JSON.stringify(rich);
    assert.ok(!/[\uE000\uE001]/.test(text));
    assert.ok(!text.includes('{"type":"bold","text":"假的粗体"}'), text);
  });
});
