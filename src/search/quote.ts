/**
 * Quotes: the sentences of a passage that best answer, whole sentences only, short enough for a phone
 * (never longer than the limit: a single sentence longer than it is cut at a comma or a space).
 * The best sentence is the one covering most of the question's weight; neighbours are added while the
 * quote stays within the limit, the more relevant side first (the sentence after by default:
 * reports state a point, then its figures).
 */
import { hardCut, ITEM_LABEL, type Span } from '../corpus/chunk.js';
import { type Concept, matchedWeight } from './query.js';
import { normalize } from '../language/text.js';

export interface Quote extends Span {
  text: string;
  /** Spans of the sentences that matched the question (for bold), in document offsets. */
  highlights: Span[];
}

/** A figure with its unit: 30余次, 1000多人次, 114人次, 800余处. */
const FIGURE = /\d+(?:\.\d+)?\s*[余多]?\s*[万亿千百]?[次人起处个项件份场家户条元名所]|[一二三四五六七八九十百千万两]+[余多]?[次人起处个项件份场家户条名]/;

function sentenceScore(text: string, concepts: Concept[], asksQuantity: boolean): number {
  const score = matchedWeight(text, concepts);
  // A question asking "how many" is answered by a sentence with a figure in it.
  return asksQuantity && score > 0 && FIGURE.test(text) ? score * 1.5 : score;
}

/** An item sentence this short, ended by 。 and followed by more text, is only its title ("三是规范文明执法。"); after ； it is a list entry. */
const BARE_ITEM_TITLE_CHARS = 20;

/** Index of the sentence that opens the enumerated item sentence i belongs to (same paragraph), if any. */
function enclosingItem(docText: string, sentences: Span[], i: number): number | undefined {
  for (let j = i; j >= 0; j--) {
    if (ITEM_LABEL.test(docText.slice(sentences[j]!.start, sentences[j]!.start + 4))) return j;
    if (j > 0 && docText.slice(sentences[j - 1]!.end, sentences[j]!.start).includes('\n')) return undefined;
  }
  return undefined;
}

/** ITEM_LABEL wherever a sentence starts. */
const ITEM_LABEL_IN_TEXT = new RegExp(`(?:^|[。！？；])(${ITEM_LABEL.source.slice(1)})`, 'g');

/** The label of the enumerated item that covers offset `at` of `text` ("一是"), when the item starts in the same paragraph. */
export function itemLabelAt(text: string, at: number): string | undefined {
  const paragraph = text.slice(text.lastIndexOf('\n', at - 1) + 1, at);
  let label: string | undefined;
  for (const m of paragraph.matchAll(ITEM_LABEL_IN_TEXT)) label = m[1];
  return label;
}

/** Picks the quote from a passage's sentences (offsets into `docText`). */
export function extractQuote(docText: string, sentences: Span[], concepts: Concept[], maxChars: number, asksQuantity = false, anchor?: number): Quote {
  const scores = sentences.map((s) => sentenceScore(normalize(docText.slice(s.start, s.end)), concepts, asksQuantity));
  let best = 0;
  scores.forEach((s, i) => {
    if (s > scores[best]!) best = i;
  });
  // The second stage chose the answering sentence: the quote is built around it, and it is bold.
  if (anchor !== undefined) {
    scores[anchor] = Math.max(...scores, 1) * 1.01;
    best = anchor;
  }
  let from = best;
  let to = best;
  const length = (a: number, b: number) => sentences[b]!.end - sentences[a]!.start;
  for (;;) {
    const canPrev = from > 0 && length(from - 1, to) <= maxChars;
    const canNext = to < sentences.length - 1 && length(from, to + 1) <= maxChars;
    if (!canPrev && !canNext) break;
    if (canNext && (!canPrev || scores[to + 1]! >= scores[from - 1]!)) to++;
    else from--;
  }
  // Clean edges: a quote inside an enumerated item starts at its label ("一是…") when that stays
  // readable, and never ends on the bare title of the next item ("…。三是规范文明执法。").
  const text = (i: number) => docText.slice(sentences[i]!.start, sentences[i]!.end);
  const itemStart = enclosingItem(docText, sentences, from);
  if (itemStart !== undefined && itemStart < from && length(itemStart, best) <= maxChars * 1.25) {
    from = itemStart;
    while (to > best && length(from, to) > maxChars * 1.25) to--;
  }
  const bareTitle = (i: number) => ITEM_LABEL.test(text(i)) && text(i).length <= BARE_ITEM_TITLE_CHARS && text(i).endsWith('。') && i < sentences.length - 1;
  while (to > best && bareTitle(to)) to--;
  const start = sentences[from]!.start;
  // One sentence longer than the limit (text without punctuation): cut at a comma or space within it.
  const end = from === to && sentences[to]!.end - start > maxChars ? hardCut(docText, start, start + maxChars, Math.floor(maxChars / 4)) : sentences[to]!.end;
  const top = scores[best]!;
  const highlights = top > 0 ? sentences.slice(from, to + 1).filter((_, i) => scores[from + i]! >= top * 0.5) : [];
  return { start, end, text: docText.slice(start, end), highlights: highlights.map((h) => ({ start: h.start, end: Math.min(h.end, end) })) };
}
