/**
 * Splits a cleaned report into passages that follow its structure: a passage never crosses a heading,
 * never cuts a sentence, and holds roughly MIN..MAX characters, preferring to break where the report
 * itself does (a new paragraph, or an enumeration such as 一是…二是…).
 */
import type { CleanedReport } from './clean.js';
import type { Heading } from './headings.js';
import { isHeaderLine, isSignatureLine } from './report-header.js';

/** Bump when passages would come out differently: the index is then rebuilt. */
export const CHUNKER_VERSION = 7;

export const PASSAGE_MIN_CHARS = 150;
export const PASSAGE_MAX_CHARS = 400;
/**
 * A "sentence" longer than a passage has no sentence punctuation at all (a table, a broken PDF export,
 * one huge line): it is cut, at a comma or a space near the limit when there is one, so that passages
 * keep their usual size and no passage or quote is unbounded, whatever the input.
 */
export const SENTENCE_HARD_MAX_CHARS = PASSAGE_MAX_CHARS;
/** How far back from the limit a hard cut looks for a comma or a space. */
const HARD_CUT_WINDOW = Math.floor(SENTENCE_HARD_MAX_CHARS / 4);

export interface Span {
  start: number;
  end: number;
}

export interface Chunk extends Span {
  /** Headings above the passage, outermost first. */
  sectionPath: string[];
  /** Sentence spans inside the passage (offsets in the cleaned text). */
  sentences: Span[];
}

/** Sentence ends: Chinese and ASCII, followed by any closing quotes or brackets. */
const SENTENCE_RE = /[^。！？；!?;]*(?:[。！？；!?;]+[”’"」』）)】]*|$)/g;
/** The label of an enumerated item at the start of a sentence: 一是, 第二 (in "第二，…"). */
export const ITEM_LABEL = /^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+(?=[，,、]))/;
/** Sentences that open an enumerated point: 一是 二是, 第一, 首先, 其次 … */
const ENUM_START = /^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+[，,、]|首先|其次|再次|最后|此外|同时)/;

/** Splits one paragraph (offsets `start`..`start+text.length`) into sentence spans. */
export function splitSentences(text: string, start = 0): Span[] {
  const spans: Span[] = [];
  SENTENCE_RE.lastIndex = 0;
  for (let m = SENTENCE_RE.exec(text); m && m[0].length > 0; m = SENTENCE_RE.exec(text)) {
    let s = m.index;
    let e = m.index + m[0].length;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    while (e - s > SENTENCE_HARD_MAX_CHARS) {
      const cut = hardCut(text, s, s + SENTENCE_HARD_MAX_CHARS);
      spans.push({ start: start + s, end: start + cut });
      s = cut;
      while (s < e && /\s/.test(text[s]!)) s++;
    }
    if (e > s) spans.push({ start: start + s, end: start + e });
  }
  return spans;
}

/**
 * Where to cut text[from, limit): after the last comma, colon or space within `window` characters of the
 * limit, else at the limit (never inside a surrogate pair).
 */
export function hardCut(text: string, from: number, limit: number, window = HARD_CUT_WINDOW): number {
  for (let i = limit; i > limit - window && i > from + 1; i--) if (/[，、,：:；;\s]/.test(text[i - 1]!)) return i;
  const c = text.charCodeAt(limit);
  return c >= 0xdc00 && c <= 0xdfff && limit - 1 > from ? limit - 1 : limit;
}

interface Sentence extends Span {
  /** A good place to start a new passage. */
  breakBefore: boolean;
}

function packSection(sentences: Sentence[]): Span[][] {
  const total = sentences.reduce((n, s) => n + s.end - s.start, 0);
  if (total <= PASSAGE_MAX_CHARS) return [sentences];
  // Aim for even passages instead of full ones followed by a scrap.
  const target = Math.max(PASSAGE_MIN_CHARS, total / Math.ceil(total / PASSAGE_MAX_CHARS));
  const groups: Span[][] = [];
  let current: Sentence[] = [];
  let size = 0;
  let remaining = total;
  for (const s of sentences) {
    const len = s.end - s.start;
    const wouldOverflow = size + len > PASSAGE_MAX_CHARS;
    const niceBreak = s.breakBefore && size >= target * 0.75;
    const tailFits = size + remaining <= PASSAGE_MAX_CHARS * 1.1;
    if (current.length && (wouldOverflow || niceBreak || size >= target) && !tailFits) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(s);
    size += len;
    remaining -= len;
  }
  if (current.length) {
    // A scrap at the end joins the previous passage when that stays readable.
    const prev = groups[groups.length - 1];
    const prevSize = prev ? prev.reduce((n, s) => n + s.end - s.start, 0) : 0;
    if (prev && size < PASSAGE_MIN_CHARS / 2 && prevSize + size <= PASSAGE_MAX_CHARS * 1.25) prev.push(...current);
    else groups.push(current);
  }
  return groups;
}

/**
 * Chunks a cleaned report. Headings nest in the order the report uses their styles:
 * a heading of a style already on the path replaces that level; a new style goes one level deeper.
 * The report's own metadata lines — issuer, title and addressee above the body, signature and date
 * below it (report-header.ts) — form passages of their own, outside any section, so that no quote
 * ends on "史村镇人民政府 / 2023年12月28日". Other unnumbered markdown headings before the first
 * numbered one are title lines of the opening passage, not sections.
 */
export function chunkReport(report: CleanedReport): Chunk[] {
  const chunks: Chunk[] = [];
  const path: { heading: Heading; text: string }[] = [];
  let sentences: Sentence[] = [];
  let matter: Span[] = [];
  let seenNumbered = false;

  const flush = () => {
    if (!sentences.length) return;
    const sectionPath = path.map((p) => p.text);
    for (const group of packSection(sentences)) {
      chunks.push({ start: group[0]!.start, end: group[group.length - 1]!.end, sectionPath, sentences: group.map(({ start, end }) => ({ start, end })) });
    }
    sentences = [];
  };
  const flushMatter = () => {
    if (!matter.length) return;
    chunks.push({ start: matter[0]!.start, end: matter[matter.length - 1]!.end, sectionPath: [], sentences: matter });
    matter = [];
  };

  for (const block of report.blocks) {
    const numberedHeading = block.kind === 'heading' && block.heading?.label !== '';
    if (!numberedHeading && (isSignatureLine(block.text) || (!seenNumbered && isHeaderLine(block.text)))) {
      flush();
      matter.push({ start: block.start, end: block.end });
      continue;
    }
    flushMatter();
    if (block.kind === 'heading' && block.heading) {
      const h = block.heading;
      const numbered = h.label !== '';
      if (!numbered && !seenNumbered) {
        // Title lines: keep them as text of the opening passage rather than as a section.
        sentences.push({ start: block.start, end: block.end, breakBefore: true });
        continue;
      }
      seenNumbered ||= numbered;
      flush();
      const level = path.findIndex((p) => p.heading.kind === h.kind);
      if (level >= 0) path.length = level;
      path.push({ heading: h, text: block.text });
      continue;
    }
    splitSentences(block.text, block.start).forEach((s, i) => {
      sentences.push({ ...s, breakBefore: i === 0 || ENUM_START.test(report.text.slice(s.start, s.start + 4)) });
    });
  }
  flush();
  flushMatter();
  return chunks;
}
