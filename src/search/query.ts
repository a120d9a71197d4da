/**
 * Turns a question into what the retrievers and the abstain rule need:
 * - concepts: the question's content words, each with the forms that count as a match and an IDF weight;
 * - lexical terms with weights, for BM25;
 * - the text to embed for dense search.
 * English questions go through the English bridge (english.ts) to the corpus' Chinese words.
 */
import { bridgeEnglish, type BridgedWord, type EnglishBridge, isEnglish } from '../language/english.js';
import type { TermStatistics } from '../index/reader.js';
import { bigrams, FUTURE, FUTURE_FORMS, HAN, normalize, PAST_OR_PRESENT, STOP_WORDS, words } from '../language/text.js';

export interface Concept {
  /** The word as asked (English word, or Chinese word). */
  label: string;
  /** Normalized Chinese (or Latin) forms; any one of them present in a text is a match. */
  forms: string[];
  /** The forms searched for in BM25 (default: all): a synonym found only through the dictionary counts as a match, not as a query term. */
  searchForms?: string[];
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
  /** The question asks for a number (多少, 几次, how many): quotes with figures are preferred. */
  asksQuantity: boolean;
}

const ASKS_QUANTITY = /多少|几[个次人项起处名家件场份年天]|how (?:many|much)|number of|what percentage/i;

/** Removes control and zero-width characters and folds whitespace; the question stays as written otherwise. */
export function cleanQuestion(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const ALL_HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$/;

/** The document frequency of a form: its own, or for a Chinese word the rarest of its bigrams (jieba may cut it differently). */
function formDf(form: string, df: TermStatistics): number {
  const own = df.get(form);
  if (own > 0 || form.length < 2 || !ALL_HAN.test(form)) return own;
  const parts = bigrams(form);
  return parts.length ? Math.min(...parts.map((b) => df.get(b))) : 0;
}

/** True when a normalized text contains the form (or, for long Chinese words, all of its bigrams). */
export function containsForm(text: string, form: string): boolean {
  if (text.includes(form)) return true;
  if (form.length < 3 || !ALL_HAN.test(form)) return false;
  return bigrams(form).every((b) => text.includes(b));
}

/** Share of the question's weight that a text (normalized) covers: 0..1. */
export function coverage(text: string, concepts: Concept[]): number {
  const total = concepts.reduce((sum, c) => sum + c.weight, 0);
  return total > 0 ? matchedWeight(text, concepts) / total : 0;
}

/** Summed weight of the concepts a text (normalized) contains. */
export function matchedWeight(text: string, concepts: Concept[]): number {
  let hit = 0;
  for (const c of concepts) if (c.forms.some((f) => containsForm(text, f))) hit += c.weight;
  return hit;
}

/** Numbers with a measure word (三道, 两个, 10次): the answer rarely repeats them as asked. */
const QUANTITY = /^[一二三四五六七八九十百千万两几\d]+[\u4e00-\u9fff]?$/;
const QUANTITY_WEIGHT = 0.3;

/** Whether a string is a word of the corpus: an index token, or part of a report title (names). */
export type KnownWord = (word: string) => boolean;

/**
 * Question words, with single characters glued to a neighbour when the result is a known word:
 * jieba may cut a name differently in a question than in the reports (柏 / 山镇 → 柏山镇).
 */
function questionWords(normalized: string, known: KnownWord): string[] {
  const out: string[] = [];
  const raw = words(normalized).filter((w) => !STOP_WORDS.has(w) && !PAST_OR_PRESENT.has(w) && !FUTURE.has(w));
  const single = (w: string) => w.length === 1 && HAN.test(w);
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i]!;
    const next = raw[i + 1];
    const prev = out[out.length - 1];
    if (single(w) && next && HAN.test(next) && normalized.includes(w + next) && known(w + next)) {
      out.push(w + next);
      i++;
    } else if (single(w) && prev && normalized.includes(prev + w) && known(prev + w)) {
      out[out.length - 1] = prev + w;
    } else out.push(w);
  }
  return out;
}

/** Weight of a phrase made of a lone character and its neighbour (微 + 网格): a hint, not a requirement. */
const PHRASE_WEIGHT = 0.3;

/** Weight of the plans hint a future word (明年, 下一步) adds: it steers, it is never required. */
const FUTURE_WEIGHT = 0.5;

/** Latin abbreviations people type in Chinese questions, and the reports' words for them. */
const ABBREVIATIONS: Record<string, string[]> = {
  gdp: ['生产总值', '地区生产总值', '国内生产总值'],
  cpi: ['居民消费价格'],
  ai: ['人工智能'],
};

/** Corpus words that mean what a word absent from the corpus means (上访 → 信访), or none. */
export type Synonyms = (word: string) => string[];

function chineseConcepts(normalized: string, df: TermStatistics, known: KnownWord, synonyms: Synonyms): Concept[] {
  const concepts: Concept[] = [];
  const seen = new Set<string>();
  const add = (label: string, weight: number) => {
    if (seen.has(label)) return;
    seen.add(label);
    // A word the reports never use (people's words are not the reports') counts as found when one of
    // its synonyms in the reports is, weighted like that synonym.
    const alternatives = (ABBREVIATIONS[label] ?? []).concat(formDf(label, df) === 0 && label.length > 1 ? synonyms(label) : []).filter((s) => formDf(s, df) > 0);
    const w = alternatives.length ? Math.min(weight, ...alternatives.map((s) => df.idf(formDf(s, df)))) : weight;
    concepts.push({ label, forms: [label, ...alternatives], searchForms: [label], weight: w });
  };
  const list = questionWords(normalized, known);
  list.forEach((w, i) => {
    if (w.length === 1 && HAN.test(w)) {
      // Single Chinese characters carry little meaning alone, but the phrase they make with a
      // neighbour, if the corpus has it, tells 微网格 from 网格.
      let phrased = false;
      for (const phrase of [(list[i - 1] ?? '') + w, w + (list[i + 1] ?? '')]) {
        if (phrase.length > 1 && ALL_HAN.test(phrase) && normalized.includes(phrase) && formDf(phrase, df) > 0) {
          add(phrase, df.idf(formDf(phrase, df)) * PHRASE_WEIGHT);
          phrased = true;
        }
      }
      // A lone noun the question ends on (有几个村) asks about the compounds it heads (行政村, 村民).
      // Not the question's own words (史村 in 史村镇 ends in 村 too).
      const heads = phrased || !HAN.test(w) ? [] : df.wordsEndingIn(w, 8).filter((h) => !normalized.includes(h)).slice(0, 6);
      if (heads.length && !seen.has(w)) {
        seen.add(w);
        concepts.push({ label: w, forms: heads, weight: df.idf(df.get(heads[0]!)) * PHRASE_WEIGHT });
      }
      return;
    }
    add(w, df.idf(formDf(w, df)) * (QUANTITY.test(w) ? QUANTITY_WEIGHT : 1));
  });
  if (concepts.length === 0) {
    for (const ch of [...normalized].filter((c) => HAN.test(c) && !STOP_WORDS.has(c))) add(ch, df.idf(df.get(ch)));
  }
  if (concepts.length > 0 && words(normalized).some((w) => FUTURE.has(w))) {
    concepts.push({ label: '下一步', forms: FUTURE_FORMS, weight: FUTURE_WEIGHT });
  }
  return concepts;
}

function englishConcepts(bridged: BridgedWord[], df: TermStatistics): Concept[] {
  return bridged.map(({ english, chinese }) => {
    const forms = chinese.map(([zh]) => zh);
    // Weighted by the most direct gloss (listed first); an English word with no Chinese counterpart
    // in the corpus weighs like a word the corpus lacks.
    const weight = df.idf(forms.length ? formDf(forms[0]!, df) : 0);
    return { label: english, forms: forms.length ? forms : [english], weight };
  });
}

/**
 * `inScope`, when given, is whether a Chinese word occurs in the reports being searched: an English
 * word's glosses are then narrowed to those (a report named in the question has its own vocabulary).
 */
export function analyzeQuery(
  question: string,
  df: TermStatistics,
  bridge: EnglishBridge,
  inTitles: KnownWord = () => false,
  inScope?: KnownWord,
  synonyms: Synonyms = () => [],
): AnalyzedQuery {
  const cleaned = cleanQuestion(question);
  const normalized = normalize(cleaned);
  const english = isEnglish(cleaned);
  const bridged = (english ? bridgeEnglish(cleaned, bridge) : []).map((b) => {
    const narrowed = inScope ? b.chinese.filter(([zh]) => inScope(zh)) : b.chinese;
    return narrowed.length ? { ...b, chinese: narrowed } : b;
  });
  const concepts = english ? englishConcepts(bridged, df) : chineseConcepts(normalized, df, (w) => df.get(w) > 0 || inTitles(w), synonyms);
  // Chinese words and their bigrams go to BM25; bridged words weigh less the less direct their gloss.
  const terms = new Map<string, number>();
  const add = (t: string, w: number) => terms.set(t, Math.max(terms.get(t) ?? 0, w));
  for (const { chinese } of bridged) for (const [zh, w] of chinese) [zh, ...bigrams(zh)].forEach((t) => add(t, w));
  if (english) for (const w of normalized.match(/[a-z0-9]+/g) ?? []) add(w, 1);
  else {
    for (const c of concepts) for (const f of c.searchForms ?? c.forms) [f, ...(f.length > 2 ? bigrams(f) : [])].forEach((t) => add(t, 1));
  }
  const denseText = english ? [cleaned, ...concepts.flatMap((c) => c.forms.slice(0, 2))].join(' ') : normalized;
  return { question: cleaned, normalized, english, concepts, terms, denseText, asksQuantity: ASKS_QUANTITY.test(cleaned) };
}
