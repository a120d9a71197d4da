/**
 * Pure formatting of answers for chat: Answer → message text (Telegram HTML or plain text for the
 * terminal) and inline keyboard, plus the callback data of its buttons.
 *
 * Every message is built from plain-text pieces that are escaped exactly once, through a `Markup`,
 * so report text can never inject markup; and it is cut to fit Telegram's 4096-character limit by
 * trimming plain text *before* escaping, so an entity or a tag is never cut in half.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { headingLabel } from '../corpus/headings.js';
import { reportMeta } from '../corpus/report-meta.js';
import { printable } from '../corpus/display.js';
import type { Answer, Result, SourceInfo } from '../search/types.js';
import { STRINGS, type Strings } from './i18n.js';

/** Telegram's limit on a message's text (we count the HTML source, which is never shorter). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** Telegram's limit on callback_data, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

// ---------------------------------------------------------------------------------------------
// Markup: HTML for Telegram, plain (optionally ANSI-bold) text for the terminal.

export interface Markup {
  /** Plain text → safe markup. */
  esc(text: string): string;
  /** The other helpers take markup (already escaped). */
  bold(m: string): string;
  italic(m: string): string;
  code(m: string): string;
  quote(m: string, expandable: boolean): string;
}

export const html: Markup = {
  esc: (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  bold: (m) => `<b>${m}</b>`,
  italic: (m) => `<i>${m}</i>`,
  code: (m) => `<code>${m}</code>`,
  quote: (m, expandable) => `<blockquote${expandable ? ' expandable' : ''}>${m}</blockquote>`,
};

export function plainMarkup(ansi = false): Markup {
  return {
    esc: (t) => t,
    bold: (m) => (ansi ? `\x1b[1m${m}\x1b[22m` : m),
    italic: (m) => m,
    code: (m) => m,
    quote: (m) => m.split('\n').map((line) => `  │ ${line}`).join('\n'),
  };
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

/** Largest n in [0, hi] with fits(n), given fits is monotone (true then false); -1 when even 0 fails. */
function largestFitting(hi: number, fits: (n: number) => boolean): number {
  if (!fits(0)) return -1;
  let lo = 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Where the quote and its answering sentences sit in the passage.

export type ViewMode = 'quote' | 'full';

/** A range of `Located.text`, end exclusive. */
interface Span {
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

/** Moves an index off the low half of a surrogate pair, so that slicing there splits no character. */
function snap(text: string, i: number, dir: -1 | 1): number {
  const c = text.charCodeAt(i);
  return i > 0 && i < text.length && c >= 0xdc00 && c <= 0xdfff ? i + dir : i;
}

/** text[window] as markup, bold spans in bold (unless they would cover all of it). */
function markSpans(m: Markup, text: string, window: Span, bold: Span[]): string {
  const inside = bold.map((b) => ({ start: Math.max(b.start, window.start), end: Math.min(b.end, window.end) })).filter((b) => b.end > b.start);
  const covered = inside.reduce((n, b) => n + b.end - b.start, 0);
  if (inside.length === 0 || covered >= text.slice(window.start, window.end).trim().length) return m.esc(text.slice(window.start, window.end));
  let out = '';
  let at = window.start;
  for (const b of inside) {
    if (b.start < at) continue; // overlapping highlight: already bold
    out += m.esc(text.slice(at, b.start)) + m.bold(m.esc(text.slice(b.start, b.end)));
    at = b.end;
  }
  return out + m.esc(text.slice(at, window.end));
}

// ---------------------------------------------------------------------------------------------
// Citation: "title · section › subsection" and a short copyable reference 〔柏山镇 2023 · 二、（三）〕.

function cleanHeading(h: string): string {
  return h.replace(/^[#*\s]+|[*\s]+$/g, '').trim();
}

/** The numbering of a heading ("二、", "（三）", "1."), or '' when it has none: the chunker's own rule. */
export const headingNumber = headingLabel;

function baseName(source: string): string {
  return printable((source.split(/[\\/]/).pop() ?? source).replace(/\.[A-Za-z0-9]{1,5}$/, ''));
}

/** Short name of a report: its file name up to the first separator ("柏山镇"), else the title's start. */
export function shortName(r: Pick<Result, 'source' | 'title'>): string {
  const first = baseName(r.source).split(/[-_—–\s·]/)[0] ?? '';
  if (first.length >= 2 && first.length <= 16 && !/^\d+$/.test(first)) return first;
  return clip(cleanHeading(r.title || baseName(r.source)), 12);
}

/** A short, copyable reference to a result: 〔柏山镇 2023 · 二、（三）〕, with its page when known (〔… · 第3页〕). */
export function shortRef(r: Pick<Result, 'source' | 'title' | 'sectionPath' | 'page'>, pageLabel: (n: number) => string = (n) => `第${n}页`): string {
  const year = /(?:19|20)\d{2}/.exec(baseName(r.source))?.[0] ?? /(?:19|20)\d{2}/.exec(r.title)?.[0];
  const name = shortName(r);
  const section = (r.sectionPath ?? []).map(headingNumber).join('');
  const who = year && !name.includes(year) ? `${name} ${year}` : name;
  return `〔${who}${section ? ` · ${section}` : ''}${r.page ? ` · ${pageLabel(r.page)}` : ''}〕`;
}

/** "title · heading › heading", each part capped so that the citation stays short. */
export function citation(r: Pick<Result, 'source' | 'title' | 'sectionPath'>): string {
  const title = clip(cleanHeading(printable(r.title)) || baseName(r.source), 100);
  const path = (r.sectionPath ?? []).map((h) => clip(cleanHeading(h), 60)).filter(Boolean);
  return `— ${title}${path.length ? ` · ${path.join(' › ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Messages.

export interface RenderOptions {
  s: Strings;
  markup: Markup;
  mode?: ViewMode;
  /** Longest text allowed (Telegram: 4096; terminal: Infinity). */
  maxLength?: number;
  /** Plain-text line above the quote (e.g. "Only from …"). */
  header?: string;
  /** Plain-text line below the citation (e.g. the terminal's "Result 1 of 5"). */
  footer?: string;
}

/** Notes for the user in their language (search's own notices are English, for the CLI). */
function noticesOf(answer: Answer, s: Strings): string[] {
  return answer.shortenedTo ? [s.questionShortened(answer.shortenedTo)] : [];
}

/** One result as a message: notices, the quote in a blockquote, the citation and the reference. */
export function renderResult(answer: Answer, index: number, opts: RenderOptions): string {
  const { s, markup: m, mode = 'quote', maxLength = TELEGRAM_TEXT_LIMIT } = opts;
  const r = answer.results[index];
  if (!r) throw new RangeError(`no result ${index} in this answer`);

  const top = [
    ...noticesOf(answer, s).map((n) => m.italic(m.esc(n))),
    ...(answer.namedReports?.length ? [m.italic(m.esc(clip(s.searchedIn(answer.namedReports), 300)))] : []),
    ...(answer.level === 'low' ? [m.italic(m.esc(s.lowConfidence))] : []),
    ...(opts.header ? [m.esc(clip(opts.header, 300))] : []),
  ];
  const bottom = [m.esc(citation(r)), m.code(m.esc(shortRef(r, s.page))), ...(opts.footer ? [m.italic(m.esc(clip(opts.footer, 300)))] : [])];
  const { text, quote, highlights } = locate(r);
  // Short view: the quote, its answering sentences in bold. Full view: the passage, same bold
  // (or the whole quote in bold when search marked no sentences).
  const natural: Span = mode === 'full' ? { start: 0, end: text.length } : quote;
  const bold = highlights.length ? highlights : mode === 'full' ? [quote] : [];
  const focus: Span = bold.length ? { start: bold[0]!.start, end: Math.max(...bold.map((b) => b.end)) } : quote;

  const compose = (w: Span, cutNote = false): string => {
    const body = `${w.start > natural.start ? '…' : ''}${markSpans(m, text, w, bold)}${w.end < natural.end ? '…' : ''}${cutNote ? ` ${m.esc(s.truncated)}` : ''}`;
    return [...top, m.quote(body, mode === 'full'), ...bottom].join('\n');
  };
  const fits = (w: Span, cutNote = false) => compose(w, cutNote).length <= maxLength;

  if (fits(natural)) return compose(natural);
  // 1) Keep the answering sentences, with as much text around them as fits (same amount each side).
  const around = (n: number): Span => ({
    start: snap(text, Math.max(natural.start, focus.start - n), 1),
    end: snap(text, Math.min(natural.end, focus.end + n), -1),
  });
  const n = largestFitting(Math.max(focus.start - natural.start, natural.end - focus.end), (k) => fits(around(k)));
  if (n >= 0) return compose(around(n));
  // 2) The answering sentences alone are too long: show their beginning, and say it is cut.
  const head = (k: number): Span => ({ start: focus.start, end: snap(text, focus.start + k, -1) });
  const k = largestFitting(focus.end - focus.start, (j) => fits(head(j), true));
  if (k >= 0) return compose(head(k), true);
  // 3) Cannot happen with the caps above (the other lines are at most ~2,500 characters); stay safe anyway.
  return m.esc(headOf(`${r.quote}\n${citation(r)}`, Math.floor(maxLength / 5)));
}

/** The reply when the reports do not answer: says so plainly, then how to ask better. */
export function renderNoAnswer(answer: Answer, s: Strings, m: Markup): string {
  const notices = noticesOf(answer, s).map((n) => m.italic(m.esc(n)));
  const missing = answer.missingReport;
  if (missing) return [...notices, m.bold(m.esc(clip(s.noReportFor(missing.place, missing.year, missing.available), 1500)))].join('\n');
  const tips = s.noAnswerTips.map((t) => `• ${m.esc(t)}`);
  return [...notices, m.bold(m.esc(s.noAnswer)), ...tips].join('\n');
}

/** Lines joined until the limit, the rest summed up as "…". */
function linesWithin(lines: string[], maxLength: number): string {
  let out = '';
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length > maxLength - 2) return `${out}\n…`;
    out = next;
  }
  return out;
}

/** The reports, grouped by place with their years (深圳市罗湖区：2017、2020（2 份）); reports with no place one by one. */
export function renderSources(sources: SourceInfo[], s: Strings, m: Markup, maxLength = TELEGRAM_TEXT_LIMIT): string {
  if (sources.length === 0) return m.esc(s.sourcesEmpty);
  const groups = new Map<string, SourceInfo[]>();
  const single: SourceInfo[] = [];
  for (const src of sources) {
    const meta = reportMeta(src.source, src.title);
    const place = meta.places.map((p) => p.name).join('');
    if (place) groups.set(place, [...(groups.get(place) ?? []), src]);
    else single.push(src);
  }
  const yearOf = (src: SourceInfo) => reportMeta(src.source, src.title).year;
  const lines = [
    ...[...groups].map(([place, list]) => {
      const years = [...new Set(list.map(yearOf).filter((y) => y !== undefined))].sort().join(s === STRINGS.zh ? '、' : ', ');
      return `• ${m.esc(clip(s.placeLine(printable(place), years || '—', list.length), 300))}`;
    }),
    ...single.map((src) => `• ${m.esc(clip(s.sourceLine(printable(src.title || baseName(src.source)), printable(src.source), src.passages), 300))}`),
  ];
  return linesWithin([m.bold(m.esc(s.sourcesTitle)), ...lines], maxLength);
}

export function renderGreeting(name: string, s: Strings, m: Markup): string {
  return [m.esc(s.greeting(clip(name, 64))), '', m.esc(s.examplesTitle), ...s.examples.map((e) => `• ${m.code(m.esc(e))}`)].join('\n');
}

export function renderHelp(s: Strings, m: Markup): string {
  const commands = s.commands.map((c) => `/${c.command} — ${m.esc(c.description)}`);
  return [m.esc(s.help), '', ...commands].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Buttons. Callback data is "<action>:<answer key>:<result index>", e.g. "q:Ab3_x9:2" (≤ 20 bytes).

/** q: show result (short quote), f: show result (full passage), s: all from this report, n: no-op label. */
export type ButtonAction = 'q' | 'f' | 's' | 'n';

export interface ButtonData {
  action: ButtonAction;
  key: string;
  index: number;
}

const KEY_RE = /^[A-Za-z0-9_-]{1,16}$/;
const DATA_RE = /^([qfsn]):([A-Za-z0-9_-]{1,16}):(\d{1,2})$/;

export function encodeButton(d: ButtonData): string {
  if (!KEY_RE.test(d.key) || !Number.isInteger(d.index) || d.index < 0 || d.index > 99) throw new RangeError(`bad button data ${JSON.stringify(d)}`);
  const data = `${d.action}:${d.key}:${d.index}`;
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_LIMIT) throw new RangeError('callback data over 64 bytes');
  return data;
}

/** Parses callback data; undefined for anything that is not exactly what encodeButton makes. */
export function decodeButton(data: unknown): ButtonData | undefined {
  if (typeof data !== 'string' || data.length > CALLBACK_DATA_LIMIT) return undefined;
  const m = DATA_RE.exec(data);
  if (!m) return undefined;
  return { action: m[1] as ButtonAction, key: m[2]!, index: Number(m[3]) };
}

export interface KeyboardOptions {
  /** Offer "all from this report" (not when the answer is already limited to one report). */
  sameReport: boolean;
}

/** Buttons under result `index`: ‹ prev · i/n · next ›, then full passage / short quote and same report. */
export function answerKeyboard(
  answer: Answer,
  key: string,
  index: number,
  mode: ViewMode,
  s: Strings,
  opts: KeyboardOptions,
): InlineKeyboardMarkup | undefined {
  const total = answer.results.length;
  const r = answer.results[index];
  if (!r) return undefined;
  const button = (text: string, action: ButtonAction, i: number): InlineKeyboardButton.CallbackButton => ({
    text,
    callback_data: encodeButton({ action, key, index: i }),
  });
  const view: ButtonAction = mode === 'full' ? 'f' : 'q';
  const rows: InlineKeyboardButton.CallbackButton[][] = [];
  if (total > 1) {
    const paging: InlineKeyboardButton.CallbackButton[] = [];
    if (index > 0) paging.push(button(s.prev, view, index - 1));
    paging.push(button(s.position(index + 1, total), 'n', index));
    if (index < total - 1) paging.push(button(s.next, view, index + 1));
    rows.push(paging);
  }
  const more: InlineKeyboardButton.CallbackButton[] = [];
  if (mode === 'full') more.push(button(s.shortQuote, 'q', index));
  else if (hasMoreContext(r)) more.push(button(s.fullPassage, 'f', index));
  if (opts.sameReport) more.push(button(s.sameReport, 's', index));
  if (more.length) rows.push(more);
  return rows.length ? { inline_keyboard: rows } : undefined;
}
