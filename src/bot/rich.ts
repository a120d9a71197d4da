/**
 * Answers as Telegram rich messages (Bot API 10.1, sendRichMessage), built as explicit blocks:
 * - an answer: its lines as paragraphs, the quote as a block quotation ending in a footnote reference
 *   "[1]", and the footnote (the short reference with its page, the report's title and section path);
 * - a comparison: a table, one row per report (report, its answering clause, its reference);
 * - "Show page": the page picture as a photo block, the reference as caption and the title as credit.
 *
 * The texts are the HTML messages' own (format.ts): they are rendered through `richMarkup`, which marks
 * bold, italic, code and the quotation with private-use characters instead of tags, and the marks are
 * read back into rich text here. So the window of the quote, its bold answer, notices and the page in the
 * reference are decided in one place for both kinds of message. Sending, and falling back to HTML when the
 * Bot API refuses, is rich-fallback.ts's job.
 */
import type { InputFile } from 'grammy';
import type { InputRichBlock, InputRichMessage, RichBlockTableCell, RichText } from 'grammy/types';
import { answerOf } from '../search/answer-span.js';
import type { Answer, Result } from '../search/types.js';
import type { Comparison } from './conversation.js';
import { answerLine, citation, clip, itemOf, type Markup, pageCaption, renderResult, shortRef, type ViewMode } from './format.js';
import type { Strings } from './i18n.js';

/** Telegram's limit on a rich message's text, in characters. */
export const RICH_TEXT_LIMIT = 32768;
/** Name of the footnote that cites the quote. */
export const CITATION_NOTE = 'source';

/** A rich message to send (grammY's type, files as InputFile). */
export type RichMessage = InputRichMessage;

// ---------------------------------------------------------------------------------------------
// Markup with private-use marks instead of tags, read back into rich text.

const OPEN = '\uE000';
const CLOSE = '\uE001';
type Tag = 'b' | 'i' | 'c' | 'q';

/** Like `html`, but marks formatting with U+E000 <tag> … U+E001; report text cannot forge a mark (esc drops those characters). */
export const richMarkup: Markup = {
  esc: (t) => t.replace(/[\uE000\uE001]/g, ''),
  bold: (m) => `${OPEN}b${m}${CLOSE}`,
  italic: (m) => `${OPEN}i${m}${CLOSE}`,
  code: (m) => `${OPEN}c${m}${CLOSE}`,
  quote: (m) => `${OPEN}q${m}${CLOSE}`,
};

interface Marked {
  tag?: Tag;
  parts: (string | Marked)[];
}

/** Reads richMarkup's output into a tree of marked parts. */
function parseMarks(s: string): Marked {
  const root: Marked = { parts: [] };
  const stack = [root];
  let text = '';
  const flush = () => {
    if (text) stack.at(-1)!.parts.push(text);
    text = '';
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === OPEN) {
      flush();
      const node: Marked = { tag: s[++i] as Tag, parts: [] };
      stack.at(-1)!.parts.push(node);
      stack.push(node);
    } else if (ch === CLOSE && stack.length > 1) {
      flush();
      stack.pop();
    } else text += ch;
  }
  flush();
  return root;
}

const RICH_TYPE = { b: 'bold', i: 'italic', c: 'code' } as const;

function toRichText(parts: (string | Marked)[]): RichText {
  const out = parts.map((p): RichText => (typeof p === 'string' ? p : { type: RICH_TYPE[p.tag as 'b' | 'i' | 'c'] ?? 'bold', text: toRichText(p.parts) }));
  return out.length === 1 ? out[0]! : out;
}

/** The top level of a marked message: its lines, and the quotation as an item of its own. */
interface Item {
  quote: boolean;
  parts: (string | Marked)[];
}

function itemsOf(root: Marked): Item[] {
  const items: Item[] = [];
  let line: (string | Marked)[] = [];
  const endLine = () => {
    if (line.some((p) => typeof p !== 'string' || p.trim() !== '')) items.push({ quote: false, parts: line });
    line = [];
  };
  for (const part of root.parts) {
    if (typeof part !== 'string') {
      if (part.tag === 'q') {
        endLine();
        items.push({ quote: true, parts: part.parts });
      } else line.push(part);
      continue;
    }
    const pieces = part.split('\n');
    pieces.forEach((piece, i) => {
      if (i > 0) endLine();
      if (piece) line.push(piece);
    });
  }
  endLine();
  return items;
}

/** Lines of marked parts as one rich text, a line break between them. */
function joinLines(lines: (string | Marked)[][]): RichText {
  return toRichText(lines.flatMap((l, i) => (i > 0 ? ['\n', ...l] : l)));
}

// ---------------------------------------------------------------------------------------------
// Messages.

/**
 * One result as a rich message: the same lines as the HTML message, the quote as a block quotation that
 * ends in the footnote reference [1], and the footnote citing it (reference with page, title, sections).
 */
export function richAnswer(answer: Answer, index: number, opts: { s: Strings; mode?: ViewMode; header?: string }): RichMessage {
  const r = answer.results[index];
  if (!r) throw new RangeError(`no result ${index} in this answer`);
  const items = itemsOf(parseMarks(renderResult(answer, index, { ...opts, markup: richMarkup, maxLength: RICH_TEXT_LIMIT })));
  const at = items.findIndex((item) => item.quote);
  if (at < 0) throw new Error('the answer has no quotation to send as a rich message');
  const before = items.slice(0, at).map((item): InputRichBlock => ({ type: 'paragraph', text: toRichText(item.parts) }));
  // Below the quote: the reference (and in the full view the citation already); the citation is added in the short view.
  const notes = items.slice(at + 1).map((item) => item.parts);
  // The short view adds the citation the full view shows, with the report's own title when its text gives one.
  if (opts.mode !== 'full') notes.push([citation({ ...r, title: r.report?.title ? `《${r.report.title.replace(/^《|》$/g, '')}》` : r.title })]);
  const quote: RichText = [toRichText(items[at]!.parts), ' ', { type: 'reference_link', text: '[1]', reference_name: CITATION_NOTE }];
  return {
    blocks: [
      ...before,
      { type: 'blockquote', blocks: [{ type: 'paragraph', text: quote }] },
      { type: 'footer', text: ['[1] ', { type: 'reference', name: CITATION_NOTE, text: joinLines(notes) }] },
    ],
    skip_entity_detection: true, // quotes are verbatim: no links made of figures or "#"
  };
}

function cell(text: RichText, header = false): RichBlockTableCell {
  return { text, align: 'left', valign: 'top', ...(header ? { is_header: true as const } : {}) };
}

/** A comparison as a table: a row per report with its answering clause and reference; a side with nothing says so in its row. */
export function richComparison(c: Pick<Comparison, 'q' | 'rows' | 'absent'>, s: Strings): RichMessage {
  const rows: RichBlockTableCell[][] = [s.comparisonColumns.map((h) => cell(h, true))];
  for (const { label, result: r } of c.rows) {
    const span = answerOf(c.q, r);
    const said = span ? toRichText(parseMarks(answerLine(richMarkup, span)).parts) : clip(r.quote, 60);
    rows.push([cell({ type: 'bold', text: label }), cell(said), cell({ type: 'code', text: shortRef(r, itemOf(r, span)) })]);
  }
  for (const { label, missing } of c.absent) {
    const note = missing ? clip(s.noReportFor(missing.place, missing.year, missing.available), 300) : s.comparisonNothing;
    rows.push([cell({ type: 'bold', text: label }), cell({ type: 'italic', text: note }), cell('—')]);
  }
  return {
    blocks: [
      { type: 'paragraph', text: { type: 'italic', text: s.comparisonTitle(c.rows.length + c.absent.length) } },
      { type: 'table', cells: rows, is_bordered: true, is_striped: true },
    ],
    skip_entity_detection: true,
  };
}

/** "Show page" as a photo block: the reference with the page as caption, the report's title as its credit. */
export function richPage(r: Result, page: number, picture: InputFile, s: Strings): RichMessage {
  const [ref, ...title] = itemsOf(parseMarks(pageCaption(r, page, s, richMarkup))).map((item) => item.parts);
  return {
    blocks: [{ type: 'photo', photo: { type: 'photo', media: picture }, caption: { text: toRichText(ref ?? []), ...(title.length ? { credit: joinLines(title) } : {}) } }],
    skip_entity_detection: true,
  };
}
