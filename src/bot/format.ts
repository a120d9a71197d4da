/**
 * The chat layout of an answer, for any markup: Answer → message text, the same for Telegram (HTML,
 * telegram-html.ts, which adds the buttons) and the terminal (plain text, terminal-format.ts). What is
 * shown — which results, the answer line, references, pages — is the answer model's (search/answer-model.ts);
 * this module only lays it out.
 *
 * Every message is built from plain-text pieces that are escaped exactly once, through a `Markup`,
 * so report text can never inject markup; and it is cut to fit Telegram's 4096-character limit by
 * trimming plain text *before* escaping, so an entity or a tag is never cut in half.
 */
import { printable } from '../corpus/display.js';
import { reportMeta } from '../corpus/report-meta.js';
import { answerOf } from '../search/answer-span.js';
import {
  type AnswerSpan,
  baseName,
  citation,
  cleanHeading,
  clip,
  headingNumber,
  headOf,
  itemOf,
  locate,
  pageOf,
  shortRef,
  type Span,
  type ViewMode,
} from '../search/answer-model.js';
import type { Answer, Result, SourceInfo } from '../search/types.js';
import { STRINGS, type Strings } from './i18n.js';
import type { Comparison } from '../search/compare.js';
import type { RefusalHelp } from './refusal-help.js';
import { corpusKinds } from './corpus-summary.js';

// The answer model's names, where the chats have always found them.
export {
  answerPage,
  citation,
  clip,
  hasMoreContext,
  headingNumber,
  headOf,
  itemOf,
  locate,
  pageOf,
  RELEVANT_SHARE,
  relevantOnly,
  shortName,
  shortRef,
  tailOf,
  type ViewMode,
} from '../search/answer-model.js';

/** Telegram's limit on a message's text (we count the HTML source, which is never shorter). */
export const TELEGRAM_TEXT_LIMIT = 4096;

// ---------------------------------------------------------------------------------------------
// Markup: HTML for Telegram (telegram-html.ts), plain (optionally ANSI-bold) text for the terminal (terminal-format.ts).

export interface Markup {
  /** Plain text → safe markup. */
  esc(text: string): string;
  /** The other helpers take markup (already escaped). */
  bold(m: string): string;
  italic(m: string): string;
  code(m: string): string;
  quote(m: string, expandable: boolean): string;
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
// The quote and its answering sentences in the passage (located by answer-model.ts).

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
// The citation to copy (the references themselves are answer-model.ts's).

/** Longest citation a copy button carries (Telegram's limit on copy_text). */
export const COPY_TEXT_LIMIT = 256;

/**
 * A citation to publish as is, in the user's conventions:
 * 「…」——柏山镇人民政府《关于2023年法治政府建设情况的报告》（2023年1月28日）二（二）2.
 * “…” — 柏山镇人民政府, 《…》 (2023年1月28日), 二（二）2.
 * The report's own title, issuer and date when its text gives them; otherwise the file name.
 * The quote is the answering sentence, shortened (…) to keep the whole within `max` characters.
 */
export function copyCitation(r: Result, question: string, s: Strings, max = COPY_TEXT_LIMIT): string {
  const span = answerOf(question, r);
  const section = (r.sectionPath ?? []).map((h) => headingNumber(h).replace(/、$/, '')).join('') + itemOf(r, span);
  const title = (r.report?.title ?? (cleanHeading(r.title) || baseName(r.source))).replace(/^《|》$/g, '');
  const quoted = sentenceAround(r.quote, span ? span.start - r.start : 0, span ? span.end - r.start : r.quote.length);
  // The page of the quoted sentence, not of the passage or of the quote's first sentence.
  const quotedStart = r.start + (span ? r.quote.slice(0, span.start - r.start).search(/[^。！？；!?;]*$/) : 0);
  const page = pageOf(r, quotedStart);
  const source = s.citeSource(r.report?.issuer ?? '', title, r.report?.date ?? '', section, page ? s.page(page) : '');
  return s.citeQuote(clip(quoted, Math.max(20, max - source.length - 4))) + source;
}

/** The sentence(s) of text that contain [from, to): from the previous sentence end to the next one. */
function sentenceAround(text: string, from: number, to: number): string {
  const before = text.slice(0, from).search(/[^。！？；!?;]*$/);
  const after = text.slice(to).search(/[。！？；!?;]/);
  return text.slice(before, after < 0 ? text.length : to + after + 1).trim();
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

/** Most characters of the quote shown under the answer line (about seven phone lines); the full view shows the passage. */
export const PHONE_QUOTE_CHARS = 120;

/**
 * One result as a message, for a phone: the answer line (the answering clause, its figure in bold),
 * then the quote around it with only that clause in bold, then the short reference. Notices and the
 * caveat of a `low` answer come first, in one short line each. The full view adds the citation and
 * shows the whole passage.
 */
export function renderResult(answer: Answer, index: number, opts: RenderOptions): string {
  const { s, markup: m, mode = 'quote', maxLength = TELEGRAM_TEXT_LIMIT } = opts;
  const r = answer.results[index];
  if (!r) throw new RangeError(`no result ${index} in this answer`);

  const { text, quote, highlights } = locate(r);
  const base = r.start - quote.start; // index in text = offset in the cleaned report - base
  const span = answerOf(answer.q, r);
  const answerLocal = span && text.slice(span.start - base, span.end - base) === span.text ? { start: span.start - base, end: span.end - base } : undefined;
  const top = [
    ...noticesOf(answer, s).map((n) => m.italic(m.esc(n))),
    ...(answer.namedReports && answer.namedReports.length > 1 ? [m.italic(m.esc(clip(s.searchedIn(answer.namedReports), 300)))] : []),
    ...(answer.level === 'low' ? [m.italic(m.esc(s.lowConfidence))] : []),
    ...(opts.header ? [m.esc(clip(opts.header, 300))] : []),
    ...(span && answerLocal ? [answerLine(m, span)] : []),
    ...(index === 0 && answer.terms?.length ? [m.italic(m.esc(s.terms(answer.terms)))] : []),
  ];
  // The page cited is the page of the first sentence shown, which may be past the quote's first one.
  const bottom = (shown: Span) => [
    ...(mode === 'full' ? [m.esc(citation(r))] : []),
    m.code(m.esc(shortRef({ ...r, page: pageOf(r, shown.start + base) }, itemOf(r, span), s.page))),
    ...(opts.footer ? [m.italic(m.esc(clip(opts.footer, 300)))] : []),
  ];
  // Short view: the quote around the answering clause, that clause in bold. Full view: the passage,
  // same bold (or the whole quote in bold when search marked nothing).
  const bold = answerLocal ? [answerLocal] : highlights.length ? highlights : mode === 'full' ? [quote] : [];
  const focus: Span = bold.length ? { start: bold[0]!.start, end: Math.max(...bold.map((b) => b.end)) } : quote;
  const natural: Span = mode === 'full' ? { start: 0, end: text.length } : phoneWindow(text, quote, focus);
  const cutBefore = natural.start > (mode === 'full' ? 0 : quote.start);
  const cutAfter = natural.end < (mode === 'full' ? text.length : quote.end);

  const compose = (w: Span, cutNote = false): string => {
    const body = `${w.start > natural.start || cutBefore ? '…' : ''}${markSpans(m, text, w, bold)}${w.end < natural.end || cutAfter ? '…' : ''}${cutNote ? ` ${m.esc(s.truncated)}` : ''}`;
    const firstShown = { start: w.start + (text.slice(w.start, w.end).length - text.slice(w.start, w.end).trimStart().length), end: w.end };
    return [...top, m.quote(body, mode === 'full'), ...bottom(firstShown)].join('\n');
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

/** The answer line: the answering clause, verbatim, its figure (date, place) in bold. */
function answerLine(m: Markup, span: AnswerSpan): string {
  const f = { start: span.focus.start - span.start, end: span.focus.end - span.start };
  const t = span.text;
  return `${m.esc(t.slice(0, f.start))}${m.bold(m.esc(t.slice(f.start, f.end)))}${m.esc(t.slice(f.end))}`;
}

/**
 * The part of the quote a phone shows: the sentence with the answer, and its neighbours while the
 * whole stays within PHONE_QUOTE_CHARS; a sentence longer than that is cut at commas around the answer.
 */
function phoneWindow(text: string, quote: Span, focus: Span): Span {
  if (quote.end - quote.start <= PHONE_QUOTE_CHARS) return quote;
  const ends = [quote.start];
  for (let i = quote.start; i < quote.end; i++) if (/[。！？；!?;]/.test(text[i]!) && !/[”’"」』）)】]/.test(text[i + 1] ?? '')) ends.push(i + 1);
  ends.push(quote.end);
  let start = Math.max(...ends.filter((e) => e <= focus.start));
  let end = Math.min(...ends.filter((e) => e >= focus.end));
  const size = () => end - start;
  for (;;) {
    const prev = Math.max(quote.start, ...ends.filter((e) => e < start));
    const next = Math.min(quote.end, ...ends.filter((e) => e > end));
    if (next > end && next - start <= PHONE_QUOTE_CHARS) end = next;
    else if (prev < start && end - prev <= PHONE_QUOTE_CHARS) start = prev;
    else break;
  }
  while (start < end && /\s/.test(text[start]!)) start++;
  if (size() <= PHONE_QUOTE_CHARS) return { start, end };
  // One long sentence: from a comma before the answer to one after it.
  const room = Math.max(0, PHONE_QUOTE_CHARS - (focus.end - focus.start));
  const from = Math.max(start, focus.start - Math.floor(room / 3));
  const to = Math.min(end, focus.end + room - (focus.start - from));
  const comma = text.slice(from, focus.start).search(/[，,、]/);
  const lastComma = Math.max(text.slice(focus.end, to).lastIndexOf('，'), text.slice(focus.end, to).lastIndexOf(','));
  return {
    start: snap(text, comma >= 0 && from > start ? from + comma + 1 : from, 1),
    end: snap(text, lastComma >= 0 && to < end ? focus.end + lastComma + 1 : to, -1),
  };
}

/** The caption of a page picture: the reference with the page shown, and the report's own title (well within Telegram's 1,024 characters). */
export function pageCaption(r: Result, page: number, s: Strings, m: Markup): string {
  const title = r.report?.title ?? (cleanHeading(printable(r.title)) || baseName(r.source));
  return [m.code(m.esc(shortRef({ ...r, page }, '', s.page))), m.esc(clip(`《${title.replace(/^《|》$/g, '')}》`, 200))].join('\n');
}

/**
 * The quote where it stands, for a report without pages to show (Word, HTML, text): the heading path,
 * then the passage — the sentences before and after — with the quoted sentences in bold, and the reference.
 */
export function renderContext(r: Result, s: Strings, m: Markup, maxLength = TELEGRAM_TEXT_LIMIT): string {
  const { text, quote } = locate(r);
  const path = (r.sectionPath ?? []).map((h) => clip(cleanHeading(printable(h)), 60)).filter(Boolean);
  const head = [m.bold(m.esc(clip(cleanHeading(printable(r.report?.title ?? r.title)) || baseName(r.source), 100))), ...path.map((h, i) => m.esc(`${'  '.repeat(i)}${h}`))];
  const ref = m.code(m.esc(shortRef(r, '', s.page)));
  const room = Math.max(200, maxLength - head.join('\n').length - ref.length - 40);
  // The passage, cut around the quote if it does not fit (the quote's own length caps what is kept).
  const spare = Math.max(0, room - (quote.end - quote.start));
  const from = snap(text, Math.max(0, quote.start - Math.floor(spare / 2)), 1);
  const to = snap(text, Math.min(text.length, quote.end + Math.ceil(spare / 2)), -1);
  const body = `${from > 0 ? '…' : ''}${markSpans(m, text, { start: from, end: to }, [quote])}${to < text.length ? '…' : ''}`;
  return [...head, m.quote(body, false), ref].join('\n');
}

/**
 * A comparison in one message: each report's answer line (its best sentence's answering clause) and
 * reference; a side with no report for its place or year, or nothing on the question, says so.
 */
export function renderComparison(c: Pick<Comparison, 'q' | 'rows'> & Partial<Pick<Comparison, 'absent'>>, s: Strings, m: Markup, maxLength = TELEGRAM_TEXT_LIMIT): string {
  const absent = c.absent ?? [];
  const lines = [m.italic(m.esc(s.comparisonTitle(c.rows.length + absent.length)))];
  for (const { label, result: r } of c.rows) {
    const span = answerOf(c.q, r);
    const line = span ? answerLine(m, span) : m.esc(clip(r.quote, 60));
    lines.push(`• ${m.bold(m.esc(label))}：${line}`, `  ${m.code(m.esc(shortRef(r, itemOf(r, span))))}`);
  }
  for (const { label, missing } of absent) {
    // A missing report's sentence names its place itself.
    if (missing) lines.push(`• ${m.italic(m.esc(clip(s.noReportFor(missing.place, missing.year, missing.available), 300)))}`);
    else lines.push(`• ${m.bold(m.esc(label))}：${m.italic(m.esc(s.comparisonNothing))}`);
  }
  return linesWithin(lines, maxLength);
}

/**
 * The reply when the reports do not answer: says so plainly, then what the reports cover near the
 * question (`help`: their nearest headings, and the Chinese words of an English question), then how to ask.
 */
export function renderNoAnswer(answer: Answer, s: Strings, m: Markup, help?: RefusalHelp): string {
  const notices = noticesOf(answer, s).map((n) => m.italic(m.esc(n)));
  const missing = answer.missingReport;
  if (missing) return [...notices, m.bold(m.esc(clip(s.noReportFor(missing.place, missing.year, missing.available), 1500)))].join('\n');
  const near = help?.headings.length ? [m.esc(s.nearTitle), ...help.headings.map((h) => `• ${m.esc(clip(`${h.report}：${cleanHeading(h.heading)}`, 80))}`)] : [];
  const words = help?.words.length ? [m.esc(s.wordsTitle), ...help.words.map((w) => `• ${m.esc(w.english)} → ${w.chinese.map((c) => m.code(m.esc(c))).join(' ')}`)] : [];
  const tips = s.noAnswerTips.map((t) => `• ${m.esc(t)}`);
  return [...notices, m.bold(m.esc(s.noAnswer)), ...near, ...words, ...(near.length || words.length ? [''] : []), ...tips].join('\n');
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
  // Place → years and report count; one reading of each report's name.
  const groups = new Map<string, { years: Set<number>; reports: number }>();
  const single: SourceInfo[] = [];
  for (const src of sources) {
    const meta = reportMeta(src.source, src.title);
    const place = meta.places.map((p) => p.name).join('');
    if (!place) {
      single.push(src);
      continue;
    }
    const group = groups.get(place) ?? { years: new Set<number>(), reports: 0 };
    if (meta.year !== undefined) group.years.add(meta.year);
    group.reports++;
    groups.set(place, group);
  }
  const lines = [
    ...[...groups].map(([place, { years, reports }]) => {
      const list = [...years].sort().join(s === STRINGS.zh ? '、' : ', ');
      return `• ${m.esc(clip(s.placeLine(printable(place), list || '—', reports), 300))}`;
    }),
    ...single.map((src) => `• ${m.esc(clip(s.sourceLine(printable(src.title || baseName(src.source)), printable(src.source), src.passages), 300))}`),
  ];
  return linesWithin([m.bold(m.esc(s.sourcesTitle)), ...lines], maxLength);
}

/** The greeting, with what the indexed reports are (from their titles, see corpus-summary.ts). */
export function renderGreeting(name: string, s: Strings, m: Markup, sources: SourceInfo[]): string {
  return [m.esc(s.greeting(clip(name, 64), corpusKinds(sources), sources.length)), '', m.esc(s.examplesTitle), ...s.examples.map((e) => `• ${m.code(m.esc(e))}`)].join('\n');
}

export function renderHelp(s: Strings, m: Markup): string {
  const commands = s.commands.map((c) => `/${c.command} — ${m.esc(c.description)}`);
  return [m.esc(s.help), '', ...commands].join('\n');
}
