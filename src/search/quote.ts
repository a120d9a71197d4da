/**
 * Quotes: the sentences of a passage that best answer, whole sentences only, short enough for a phone
 * (never longer than the limit: a single sentence longer than it is cut at a comma or a space).
 * The best sentence is the one covering most of the question's weight; neighbours are added while the
 * quote stays within the limit, the more relevant side first (the sentence after by default:
 * reports state a point, then its figures).
 */
import { hardCut, type Span } from '../corpus/chunk.js';
import { type Concept, matchedWeight } from './query.js';
import { normalize } from './text.js';

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

/** Picks the quote from a passage's sentences (offsets into `docText`). */
export function extractQuote(docText: string, sentences: Span[], concepts: Concept[], maxChars: number, asksQuantity = false): Quote {
  const scores = sentences.map((s) => sentenceScore(normalize(docText.slice(s.start, s.end)), concepts, asksQuantity));
  let best = 0;
  scores.forEach((s, i) => {
    if (s > scores[best]!) best = i;
  });
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
  const start = sentences[from]!.start;
  // One sentence longer than the limit (text without punctuation): cut at a comma or space within it.
  const end = from === to && sentences[to]!.end - start > maxChars ? hardCut(docText, start, start + maxChars, Math.floor(maxChars / 4)) : sentences[to]!.end;
  const top = scores[best]!;
  const highlights = top > 0 ? sentences.slice(from, to + 1).filter((_, i) => scores[from + i]! >= top * 0.5) : [];
  return { start, end, text: docText.slice(start, end), highlights: highlights.map((h) => ({ start: h.start, end: Math.min(h.end, end) })) };
}
