/**
 * Cleans a report's raw text into blocks (headings and paragraphs) while keeping, for every character
 * of the cleaned text, its offset in the raw text.
 *
 * What it removes is the noise of PDF and Word exports: page numbers, running headers and footers
 * (lines repeated at the top or bottom of most pages, when the text has pages separated by form feeds),
 * line breaks inside sentences (also across blank lines and pages), spaces between Chinese characters,
 * zero-width and control characters, markdown markers. It never rewrites the words themselves.
 */
import { type Heading, parseHeading } from './headings.js';
import { isHeaderLine } from './report-header.js';

export interface Block {
  kind: 'heading' | 'para';
  text: string;
  /** Offsets in the cleaned text. */
  start: number;
  end: number;
  heading?: Heading;
}

export interface CleanedReport {
  /** Blocks joined by "\n". */
  text: string;
  blocks: Block[];
  /** Offset in the raw text of each cleaned character (length text.length + 1, the last maps the end). */
  toSource: Int32Array;
  /**
   * Where each page starts in the cleaned text (page n starts at pageStarts[n - 1]), when the raw text
   * has pages (separated by form feeds); empty otherwise.
   */
  pageStarts: number[];
}

/** The 1-based page of a cleaned-text offset, or undefined when the report has no pages. */
export function pageAt(pageStarts: readonly number[], offset: number): number | undefined {
  if (pageStarts.length === 0) return undefined;
  let page = 0;
  while (page < pageStarts.length && pageStarts[page]! <= offset) page++;
  return Math.max(1, page);
}

/**
 * The pages a span of the cleaned text is on: where each starts inside the span (the first at `start`),
 * so that the page of any offset in it can be told without the whole report. Empty without pages.
 */
export function pagesWithin(pageStarts: readonly number[], start: number, end: number): { start: number; page: number }[] {
  const first = pageAt(pageStarts, start);
  if (first === undefined) return [];
  const pages = [{ start, page: first }];
  for (let n = first; n < pageStarts.length && pageStarts[n]! < end; n++) pages.push({ start: pageStarts[n]!, page: n + 1 });
  return pages;
}

/** A cleaned line: its characters and where each came from in the raw text. */
interface Line {
  chars: string[];
  src: number[];
  markdownLevel: number;
}

const CJK = /[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/;
const SPACE = /[ \t\u00a0\u2000-\u200a\u3000\u202f\u205f]/;
/** Characters a finished paragraph line ends with. */
const LINE_END = /[。！？；：!?;:”"）)」』…—]$/;
/** Page numbers and running footers on a line of their own. */
const PAGE_NUMBER = /^(?:[-—–_\s]*\d{1,4}[-—–_\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*\/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$/i;
/** Paragraph lines shorter than this that lack end punctuation stand alone (titles, signatures, dates). */
const MIN_JOINABLE_CHARS = 20;
/** Running headers and footers are looked for among this many lines at the top and at the bottom of a page. */
const PAGE_EDGE_LINES = 2;
const DIGIT = /[0-9０-９]/;

function cleanLine(raw: string, offset: number): Line {
  let chars: string[] = [];
  let src: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (INVISIBLE.test(ch)) continue;
    chars.push(SPACE.test(ch) ? ' ' : ch);
    src.push(offset + i);
  }
  // Markdown heading and list markers, bold/italic markers and blockquote markers go.
  let markdownLevel = 0;
  const joined = chars.join('');
  const md = joined.match(/^\s*(#{1,6})\s+/);
  const lead = md ? md[0].length : (joined.match(/^\s*(?:>\s*)+|^\s*[-*+]\s+(?=\S)/)?.[0].length ?? 0);
  if (md) markdownLevel = md[1]!.length;
  chars = chars.slice(lead);
  src = src.slice(lead);
  const keep = chars.map((c, i) => !((c === '*' || c === '_') && (chars[i + 1] === c || chars[i - 1] === c)));
  chars = chars.filter((_, i) => keep[i]);
  src = src.filter((_, i) => keep[i]);
  if (markdownLevel) {
    while (chars.length && chars[chars.length - 1] === '#') (chars.pop(), src.pop());
  }
  // Whitespace: dropped next to Chinese text, folded to one space between Latin words, trimmed.
  const outC: string[] = [];
  const outS: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== ' ') {
      outC.push(chars[i]!);
      outS.push(src[i]!);
      continue;
    }
    let j = i;
    while (j < chars.length && chars[j] === ' ') j++;
    const left = outC[outC.length - 1];
    const right = chars[j];
    if (left !== undefined && right !== undefined && !CJK.test(left) && !CJK.test(right)) {
      outC.push(' ');
      outS.push(src[i]!);
    }
    i = j - 1;
  }
  return { chars: outC, src: outS, markdownLevel };
}

/**
 * Blanks the running headers and footers: a line found among the first or last lines of at least half
 * of the pages (at least two), digits aside ("第 3 页" and "第 4 页" are the same footer).
 */
function dropRunningLines(lines: Line[], pageOf: number[]): void {
  const pages = (pageOf[pageOf.length - 1] ?? 0) + 1;
  if (pages < 2) return;
  const key = (i: number) => lines[i]!.chars.join('').replace(/\s+/g, '').replace(/[0-9０-９]+/g, '#');
  // The non-blank lines of each page, then the few at its top and bottom.
  const byPage: number[][] = Array.from({ length: pages }, () => []);
  for (let i = 0; i < lines.length; i++) if (lines[i]!.chars.length) byPage[pageOf[i]!]!.push(i);
  const edges = byPage.map((ids) => [...new Set([...ids.slice(0, PAGE_EDGE_LINES), ...ids.slice(-PAGE_EDGE_LINES)])]);
  // On how many pages each edge line occurs.
  const pagesWith = new Map<string, Set<number>>();
  edges.forEach((ids, page) => {
    for (const i of ids) pagesWith.set(key(i), (pagesWith.get(key(i)) ?? new Set<number>()).add(page));
  });
  const needed = Math.max(2, Math.ceil(pages / 2));
  for (const ids of edges) for (const i of ids) if (pagesWith.get(key(i))!.size >= needed) lines[i] = { chars: [], src: [], markdownLevel: 0 };
}

/** Cleaned-text offsets where each page starts, from the raw offsets of the form feeds between pages. */
function pageStartsOf(raw: string, toSource: number[]): number[] {
  const starts = [0];
  for (let at = raw.indexOf('\f'); at >= 0; at = raw.indexOf('\f', at + 1)) {
    // The first cleaned character that comes from after the page break (toSource never decreases).
    let lo = 0;
    let hi = toSource.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (toSource[mid]! > at) hi = mid;
      else lo = mid + 1;
    }
    starts.push(lo);
  }
  return starts.length > 1 ? starts : [];
}

/** Cleans raw report text into blocks with offsets back to the raw text. */
export function cleanReport(raw: string): CleanedReport {
  const lines: Line[] = [];
  /** The 0-based page of each line (pages are separated by form feeds). */
  const pageOf: number[] = [];
  const re = /\r\n|\r|\n|\f|\u2028|\u2029/g;
  let at = 0;
  let page = 0;
  for (let m = re.exec(raw); ; m = re.exec(raw)) {
    const end = m ? m.index : raw.length;
    const line = cleanLine(raw.slice(at, end), at);
    const text = line.chars.join('');
    lines.push(PAGE_NUMBER.test(text) && text.length > 0 ? { chars: [], src: [], markdownLevel: 0 } : line);
    pageOf.push(page);
    if (!m) break;
    if (m[0] === '\f') page++;
    at = m.index + m[0].length;
  }
  dropRunningLines(lines, pageOf);

  // Group lines into blocks. A paragraph line that does not end a sentence continues on the next
  // non-blank line unless that is a heading (PDF exports break lines, and even leave blank lines, mid-sentence).
  type Pending = { kind: 'heading' | 'para'; chars: string[]; src: number[]; heading?: Heading };
  const pending: Pending[] = [];
  let open: Pending | null = null;
  // Above the body (before its first heading or finished sentence), a line that is a whole header line —
  // a long title, an addressee — stands alone: "关于…的报告" is not run into "中共临川县委、…：" below it.
  let inHeader = true;
  for (const line of lines) {
    if (line.chars.length === 0) continue;
    const text = line.chars.join('');
    if (inHeader && open && /[。！？!?]/.test(open.chars.join(''))) inHeader = false;
    const heading = parseHeading(text, line.markdownLevel);
    if (heading) {
      inHeader = false;
      open = null;
      pending.push({ kind: 'heading', chars: line.chars.slice(0, heading.length), src: line.src.slice(0, heading.length), heading });
      let rest = heading.length;
      while (rest < line.chars.length && /[。；;\s]/.test(line.chars[rest]!)) rest++;
      if (rest < line.chars.length) {
        open = { kind: 'para', chars: line.chars.slice(rest), src: line.src.slice(rest) };
        pending.push(open);
      }
    } else if (open && !LINE_END.test(open.chars.join('')) && open.chars.length >= MIN_JOINABLE_CHARS && !(inHeader && isHeaderLine(open.chars.join('')))) {
      // Join without a space between Chinese characters, with one between Latin words. A number
      // broken over two lines of Chinese text (which line breaking allows there) is joined back, and so is
      // a word hyphenated at the line end (the hyphen stays: it may be part of the word).
      const last = open.chars[open.chars.length - 1]!;
      const first = line.chars[0]!;
      const brokenNumber = DIGIT.test(last) && DIGIT.test(first) && open.chars.some((c) => CJK.test(c));
      const hyphenated = last === '-' && /[A-Za-z]/.test(open.chars[open.chars.length - 2] ?? '') && /[a-z]/.test(first);
      if (!CJK.test(last) && !CJK.test(first) && !brokenNumber && !hyphenated) {
        open.chars.push(' ');
        open.src.push(line.src[0]!);
      }
      for (let i = 0; i < line.chars.length; i++) (open.chars.push(line.chars[i]!), open.src.push(line.src[i]!));
    } else {
      open = { kind: 'para', chars: [...line.chars], src: [...line.src] };
      pending.push(open);
    }
  }

  const blocks: Block[] = [];
  const textParts: string[] = [];
  const toSource: number[] = [];
  let offset = 0;
  for (const p of pending) {
    if (blocks.length) {
      textParts.push('\n');
      toSource.push(toSource.length ? toSource[toSource.length - 1]! + 1 : 0);
      offset += 1;
    }
    const text = p.chars.join('');
    blocks.push({ kind: p.kind, text, start: offset, end: offset + text.length, heading: p.heading });
    textParts.push(text);
    for (const s of p.src) toSource.push(s);
    offset += text.length;
  }
  const last = pending.length ? pending[pending.length - 1]!.src : [];
  toSource.push(last.length ? last[last.length - 1]! + 1 : 0);
  return { text: textParts.join(''), blocks, toSource: Int32Array.from(toSource), pageStarts: pageStartsOf(raw, toSource) };
}
