/**
 * Recognises the headings Chinese reports number themselves with (一、 （一） 1. （1） ① 第X章),
 * and markdown `#` headings. Levels are not fixed per style: the chunker nests them in the order
 * a report uses them, so a report that starts at （一） still gets a sensible path.
 */

/** The numbering style of a heading; markdown headings without numbering are `md1`..`md6`. */
export type HeadingKind = 'chapter' | 'part' | 'cn' | 'cn-paren' | 'num' | 'num-paren' | 'circled' | `md${number}`;

export interface Heading {
  kind: HeadingKind;
  /** The numbering label as written, e.g. `二、` `（三）` `1.`; empty for unnumbered markdown headings. */
  label: string;
  /** Length of the heading at the start of the line; the rest of the line, if any, is body text. */
  length: number;
}

const CN_NUM = '[一二三四五六七八九十百零〇两]+';
const PATTERNS: { kind: HeadingKind; re: RegExp }[] = [
  { kind: 'chapter', re: new RegExp(`^第(?:${CN_NUM}|\\d+)[章篇编]`) },
  { kind: 'part', re: new RegExp(`^第(?:${CN_NUM}|\\d+)(?:部分|节)`) },
  { kind: 'cn', re: new RegExp(`^${CN_NUM}[、，,．.]`) },
  { kind: 'cn-paren', re: new RegExp(`^[（(]${CN_NUM}[)）]`) },
  { kind: 'num', re: /^\d{1,2}(?:[、．]|\.(?!\d))/ },
  { kind: 'num-paren', re: /^[（(]\d{1,2}[)）]/ },
  { kind: 'circled', re: /^[①-⑳]/ },
];

/** Longest text accepted as a heading line (longer lines are paragraphs that happen to start with a number). */
export const MAX_HEADING_CHARS = 60;
/** A heading that runs into body text on the same line ends at its first sentence, if that is this short. */
const MAX_RUN_IN_HEADING_CHARS = 40;
const SENTENCE_END = /[。！？；!?;]/;

/**
 * Parses the start of a cleaned line as a heading, or returns null.
 * `markdownLevel` is the number of `#` the line had (0 for none).
 */
export function parseHeading(line: string, markdownLevel = 0): Heading | null {
  const numbered = PATTERNS.find((p) => p.re.test(line));
  if (!numbered) {
    if (markdownLevel > 0 && line.length <= MAX_HEADING_CHARS * 2) return { kind: `md${markdownLevel}`, label: '', length: line.length };
    return null;
  }
  const label = line.match(numbered.re)![0];
  const body = line.slice(label.length);
  if (body.length === 0) return null;
  const endAt = body.search(SENTENCE_END);
  // A whole line without sentence punctuation (or only at its end) is a heading line.
  if (markdownLevel > 0 || endAt === -1 || endAt === body.length - 1) {
    if (markdownLevel > 0 || line.length <= MAX_HEADING_CHARS) {
      const length = endAt === body.length - 1 ? line.length - 1 : line.length;
      return { kind: numbered.kind, label, length };
    }
    return null;
  }
  // "（一）加强组织领导。柏山镇……": a run-in heading, then body text. Plain numbers (1.) that run into
  // text are list items, not headings.
  if ((numbered.kind === 'num' || numbered.kind === 'num-paren' || numbered.kind === 'circled') && markdownLevel === 0) return null;
  if (endAt <= MAX_RUN_IN_HEADING_CHARS) return { kind: numbered.kind, label, length: label.length + endAt };
  return null;
}

/** The numbering label of one heading ("二、", "（三）", "1."), or '' when it has none. */
export function headingLabel(heading: string): string {
  const h = heading.replace(/^[#*\s]+/, '');
  return PATTERNS.map((p) => h.match(p.re)?.[0]).find(Boolean) ?? '';
}

/** The short reference of a heading path: its labels, e.g. ["二、…", "（三）…"] → "二、（三）". */
export function sectionLabel(path: string[]): string {
  return path.map(headingLabel).join('');
}
