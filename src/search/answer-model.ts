/**
 * The answer model: what a chat or `ask --json` shows of search's Answer, decided once for every
 * platform — which results are worth paging through (the relevance cut: ≥ 70 % of the best score, no
 * repeated quote), where the quote and its answering sentences sit in the passage, the page the answer
 * is on, and the references that cite it (〔柏山镇 2023 · 二、（三）〕, "— title · heading › heading").
 * The outcome (answer, caveat, refusal: Answer.level) and the answer line (Result.answer) are decided by
 * the searcher itself. Renderers only lay this out: Telegram HTML (bot/telegram-html.ts with
 * bot/format.ts), the terminal (bot/terminal-format.ts), JSON (cli/ask.ts).
 */
import { headingLabel } from '../corpus/headings.js';
import { printable } from '../corpus/display.js';
import { answerOf } from './answer-span.js';
import { itemLabelAt } from './quote.js';
import type { Answer, AnswerSpan, Result } from './types.js';

export type { AnswerSpan };

// ---------------------------------------------------------------------------------------------
// The relevance cut.

/** Share of the best result's score a result needs to be shown; below it, results are padding ("1/5" of unrelated quotes). */
export const RELEVANT_SHARE = 0.7;

type Place = Pick<Result, 'source' | 'start' | 'end'>;
const overlaps = (a: Place, b: Place) => a.source === b.source && a.start < b.end && b.start < a.end;

/**
 * The answer with only the results worth paging through: those close to the best one in score, none
 * repeating a quote kept before it or one already on screen (`shown`). Search never ranks a report's
 * header or signature as an answer, except for a question about the report itself (its date, issuer …),
 * which it answers from them on purpose: that is decided there, not here. 1/1 is a fine answer; none left is a refusal. The best one is the quote on
 * screen when this answer has it ("all from this report" asks again within its report: what is left
 * there must be near what answered, not near the best of the leftovers, which may be on another subject).
 */
export function relevantOnly(answer: Answer, shown: Place[] = []): Answer {
  const onScreen = answer.results.filter((r) => shown.some((s) => overlaps(r, s))).map((r) => r.score);
  const best = Math.max(answer.results.find((r) => !shown.some((s) => overlaps(r, s)))?.score ?? 0, ...onScreen);
  const kept: Result[] = [];
  for (const r of answer.results) {
    if (r.score < best * RELEVANT_SHARE || [...shown, ...kept].some((s) => overlaps(r, s))) continue;
    kept.push({ ...r, rank: kept.length + 1 });
  }
  return { ...answer, results: kept, abstained: answer.abstained || kept.length === 0 };
}

// ---------------------------------------------------------------------------------------------
// Cutting text without splitting a surrogate pair.

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The first n UTF-16 units of s, one fewer if that would split a surrogate pair. */
export function headOf(s: string, n: number): string {
  if (n >= s.length) return s;
  if (n <= 0) return '';
  return isHighSurrogate(s.charCodeAt(n - 1)) ? s.slice(0, n - 1) : s.slice(0, n);
}

/** The last n UTF-16 units of s, one fewer if that would split a surrogate pair. */
export function tailOf(s: string, n: number): string {
  if (n >= s.length) return s;
  if (n <= 0) return '';
  const start = s.length - n;
  return isHighSurrogate(s.charCodeAt(start - 1)) ? s.slice(start + 1) : s.slice(start);
}

/** s cut to at most max units, with an ellipsis when cut. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${headOf(s, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Where the quote and its answering sentences sit in the passage.

/** A result shown as its quote, or as its whole passage. */
export type ViewMode = 'quote' | 'full';

/** A range of `Located.text`, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

interface Located {
  /** The passage (or the quote alone when the passage does not contain it). */
  text: string;
  quote: Span;
  /** The answering sentences, inside the quote; empty when search gave none. */
  highlights: Span[];
}

/**
 * Finds the quote and its highlights in the passage. Offsets from search are trusted only when
 * they agree with the text; otherwise the quote is looked up, and at worst shown on its own.
 */
export function locate(r: Result): Located {
  const passage = r.passage ?? '';
  const quote = r.quote || passage;
  let at = r.start - r.passageStart;
  if (at < 0 || passage.slice(at, at + quote.length) !== quote) at = passage.indexOf(quote);
  const text = at >= 0 ? passage : quote;
  const base = r.start - Math.max(at, 0); // index in text = offset in the cleaned report - base
  const q = { start: r.start - base, end: r.start - base + quote.length };
  const highlights = (r.highlights ?? [])
    .map((h) => ({ start: Math.max(q.start, h.start - base), end: Math.min(q.end, h.end - base) }))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start);
  return { text, quote: q, highlights };
}

/** True when the full passage shows more than the quote. */
export function hasMoreContext(r: Result): boolean {
  const { text, quote } = locate(r);
  return text.slice(0, quote.start).trim() !== '' || text.slice(quote.end).trim() !== '';
}

// ---------------------------------------------------------------------------------------------
// Citation: "title · section › subsection" and a short copyable reference 〔柏山镇 2023 · 二、（三）〕.

export function cleanHeading(h: string): string {
  return h.replace(/^[#*\s]+|[*\s]+$/g, '').trim();
}

/** The numbering of a heading ("二、", "（三）", "1."), or '' when it has none: the chunker's own rule. */
export const headingNumber = headingLabel;

export function baseName(source: string): string {
  return printable((source.split(/[\\/]/).pop() ?? source).replace(/\.[A-Za-z0-9]{1,5}$/, ''));
}

/** Short name of a report: its file name up to the first separator ("柏山镇"), else the title's start. */
export function shortName(r: Pick<Result, 'source' | 'title'>): string {
  const first = baseName(r.source).split(/[-_—–\s·]/)[0] ?? '';
  if (first.length >= 2 && first.length <= 16 && !/^\d+$/.test(first)) return first;
  return clip(cleanHeading(r.title || baseName(r.source)), 12);
}

/** A short, copyable reference: 〔柏山镇 2023 · 二、（三）〕, with the item (〔史村镇 2023 · 一、（二）一是〕) and the page (〔… · 第3页〕) when known. */
export function shortRef(r: Pick<Result, 'source' | 'title' | 'sectionPath' | 'page'>, item = '', pageLabel: (n: number) => string = (n) => `第${n}页`): string {
  const year = /(?:19|20)\d{2}/.exec(baseName(r.source))?.[0] ?? /(?:19|20)\d{2}/.exec(r.title)?.[0];
  const name = shortName(r);
  const section = (r.sectionPath ?? []).map(headingNumber).join('') + item;
  const who = year && !name.includes(year) ? `${name} ${year}` : name;
  return `〔${who}${section ? ` · ${section}` : ''}${r.page ? ` · ${pageLabel(r.page)}` : ''}〕`;
}

/**
 * The page of a cleaned-text offset inside a result's passage (PDF reports), from the page starts search
 * gave with it; the quote's page when those are absent (an older index), undefined without pages.
 */
export function pageOf(r: Pick<Result, 'page' | 'pages'>, offset: number): number | undefined {
  const pages = r.pages ?? [];
  if (pages.length === 0) return r.page;
  let page = pages[0]!.page;
  for (const p of pages) if (p.start <= offset) page = p.page;
  return page;
}

/** The enumerated item ("一是") the answer (else the quote) of a result is in, or ''. */
export function itemOf(r: Result, span?: AnswerSpan): string {
  const at = (span?.start ?? r.start) - r.passageStart;
  return at >= 0 && at <= (r.passage ?? '').length ? (itemLabelAt(r.passage, at) ?? '') : '';
}

/** "title · heading › heading", each part capped so that the citation stays short. */
export function citation(r: Pick<Result, 'source' | 'title' | 'sectionPath'>): string {
  const title = clip(cleanHeading(printable(r.title)) || baseName(r.source), 100);
  const path = (r.sectionPath ?? []).map((h) => clip(cleanHeading(h), 60)).filter(Boolean);
  return `— ${title}${path.length ? ` · ${path.join(' › ')}` : ''}`;
}

/** The page a result's answer is on (its answering clause, else its first answering sentence, else the quote's start). */
export function answerPage(question: string, r: Result): number | undefined {
  return pageOf(r, answerOf(question, r)?.start ?? r.highlights?.[0]?.start ?? r.start);
}
