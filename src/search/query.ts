/**
 * Turns a question into what the retrievers and the abstain rule need:
 * - concepts: the question's content words, each with the forms that count as a match and an IDF weight;
 * - lexical terms with weights, for BM25;
 * - the text to embed for dense search.
 * English questions go through the English bridge (english.ts) to the corpus' Chinese words.
 */
import { bridgeEnglish, type EnglishBridge, isEnglish } from './english.js';
import type { DocumentFrequencies } from './lexical.js';
import { bigrams, HAN, normalize, STOP_WORDS, words } from './text.js';

export interface Concept {
  /** The word as asked (English word, or Chinese word). */
  label: string;
  /** Normalized Chinese (or Latin) forms; any one of them present in a text is a match. */
  forms: string[];
  /** IDF weight: rare words count more. */
  weight: number;
}

export interface AnalyzedQuery {
  /** The question after cleaning (what is shown back). */
  question: string;
  normalized: string;
  english: boolean;
  concepts: Concept[];
  /** BM25 terms → weight. */
  terms: Map<string, number>;
  /** Text to embed for dense retrieval. */
  denseText: string;
}

/** Removes control and zero-width characters and folds whitespace; the question stays as written otherwise. */
export function cleanQuestion(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The document frequency of a form: its own, or for a Chinese word the rarest of its bigrams (jieba may cut it differently). */
function formDf(form: string, df: DocumentFrequencies): number {
  const own = df.get(form);
  if (own > 0 || form.length < 2 || !HAN.test(form)) return own;
  const parts = bigrams(form);
  return parts.length ? Math.min(...parts.map((b) => df.get(b))) : 0;
}

/** True when a normalized text contains the form (or, for long Chinese words, all of its bigrams). */
export function containsForm(text: string, form: string): boolean {
  if (text.includes(form)) return true;
  if (form.length < 3 || !HAN.test(form)) return false;
  return bigrams(form).every((b) => text.includes(b));
}

/** Share of the question's weight that a text (normalized) covers: 0..1. */
export function coverage(text: string, concepts: Concept[]): number {
  let total = 0;
  let hit = 0;
  for (const c of concepts) {
    total += c.weight;
    if (c.forms.some((f) => containsForm(text, f))) hit += c.weight;
  }
  return total > 0 ? hit / total : 0;
}

function chineseConcepts(normalized: string, df: DocumentFrequencies): Concept[] {
  const concepts: Concept[] = [];
  const seen = new Set<string>();
  for (const w of words(normalized)) {
    if (STOP_WORDS.has(w) || seen.has(w)) continue;
    // Single Chinese characters carry little meaning alone; kept only if the question has nothing else.
    if (w.length === 1 && HAN.test(w)) continue;
    seen.add(w);
    concepts.push({ label: w, forms: [w], weight: df.idf(formDf(w, df)) });
  }
  if (concepts.length === 0) {
    for (const ch of [...normalized].filter((c) => HAN.test(c) && !STOP_WORDS.has(c))) {
      if (!seen.has(ch)) concepts.push({ label: ch, forms: [ch], weight: df.idf(df.get(ch)) }), seen.add(ch);
    }
  }
  return concepts;
}

function englishConcepts(question: string, bridge: EnglishBridge, df: DocumentFrequencies): Concept[] {
  return bridgeEnglish(question, bridge).map(({ english, chinese }) => {
    const forms = chinese.map(([zh]) => zh);
    // An English word with no Chinese counterpart in the corpus weighs like a word the corpus lacks.
    const weight = forms.length ? Math.max(...forms.map((f) => df.idf(formDf(f, df)))) : df.idf(0);
    return { label: english, forms: forms.length ? forms : [english], weight };
  });
}

export function analyzeQuery(question: string, df: DocumentFrequencies, bridge: EnglishBridge): AnalyzedQuery {
  const cleaned = cleanQuestion(question);
  const normalized = normalize(cleaned);
  const english = isEnglish(cleaned);
  const concepts = english ? englishConcepts(cleaned, bridge, df) : chineseConcepts(normalized, df);
  // Chinese words and their bigrams go to BM25; bridged words weigh less the less direct their gloss.
  const terms = new Map<string, number>();
  const add = (t: string, w: number) => terms.set(t, Math.max(terms.get(t) ?? 0, w));
  if (english) {
    for (const { chinese } of bridgeEnglish(cleaned, bridge)) for (const [zh, w] of chinese) [zh, ...bigrams(zh)].forEach((t) => add(t, w));
    for (const w of normalized.match(/[a-z0-9]+/g) ?? []) add(w, 1);
  } else {
    for (const c of concepts) for (const f of c.forms) [f, ...(f.length > 2 ? bigrams(f) : [])].forEach((t) => add(t, 1));
  }
  const denseText = english ? [cleaned, ...concepts.flatMap((c) => c.forms.slice(0, 2))].join(' ') : normalized;
  return { question: cleaned, normalized, english, concepts, terms, denseText };
}
