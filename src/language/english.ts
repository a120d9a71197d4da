/**
 * A lexical bridge from English questions to Chinese reports, for models without cross-lingual
 * ability (the offline stand-in). Built at ingest from the corpus' own vocabulary:
 * - CC-CEDICT (CC BY-SA 4.0, through the `cc-cedict` package, prepared once into data/) gives English
 *   glosses of each Chinese word of the corpus; the table is inverted to English stem → Chinese words;
 * - place names are matched by their pinyin (Baishan → 柏山, Shicun → 史村).
 * It is a bridge, not a translation: it finds words, not meaning. A real multilingual model makes it
 * unnecessary; it is harmless beside one.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PROJECT_ROOT } from '../config.js';
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

export interface CedictEntry {
  english: string[];
  is_variant?: boolean;
}

/**
 * English stems a dictionary entry glosses a word with, each with how directly it says it
 * ("to consult" says consult directly; "seek advice from" says advice only partly).
 */
export function glossStems(entries: CedictEntry[]): Map<string, number> {
  const stems = new Map<string, number>();
  for (const entry of entries) {
    for (const definition of entry.english) {
      if (/^(variant of|surname|old variant|see |used in|abbr\. for|CL:)/i.test(definition)) continue;
      for (const sense of definition.replace(/\([^)]*\)|\[[^\]]*\]|[|\u3400-\u9fff]+/g, ' ').split(/[;,/]/)) {
        const content = englishWords(sense);
        if (!content.length || content.length > 4) continue;
        for (const w of content) stems.set(stem(w), Math.max(stems.get(stem(w)) ?? 0, 1 / content.length));
      }
    }
  }
  return stems;
}

/**
 * The glosses of every CC-CEDICT word, made once by `npm run build:glosses` (tools/glosses/) into a
 * small file: loading the whole dictionary at every ingest took ~600 MB of memory.
 * Format: one word a line, `word<TAB>stem:weight stem:weight …`, gzip.
 */
export const GLOSSES_FILE = path.join(PROJECT_ROOT, 'data', 'cedict-glosses.tsv.gz');

/** Glosses of the given words (others are skipped as the file is read). */
function readGlosses(words: Set<string>): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  const text = zlib.gunzipSync(fs.readFileSync(GLOSSES_FILE)).toString('utf8');
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end < 0 ? text.length : end);
    at = end < 0 ? text.length : end + 1;
    const tab = line.indexOf('\t');
    if (tab < 0 || !words.has(line.slice(0, tab))) continue;
    out.set(line.slice(0, tab), line.slice(tab + 1).split(' ').map((p) => { const i = p.lastIndexOf(':'); return [p.slice(0, i), Number(p.slice(i + 1))]; }));
  }
  return out;
}

/** The prepared file, decompressed, kept as UTF-8 bytes (4.7 MB; as a JS string it would take 8). */
let glossBytes: Buffer | undefined;

/** The glosses of one word (any word, not only the corpus'), from the prepared file, read once. */
export function glossesOf(word: string): [string, number][] {
  glossBytes ??= Buffer.concat([Buffer.from('\n'), zlib.gunzipSync(fs.readFileSync(GLOSSES_FILE))]);
  const key = Buffer.from(`\n${word}\t`);
  const at = glossBytes.indexOf(key);
  if (at < 0) return [];
  const end = glossBytes.indexOf(10, at + 1);
  const line = glossBytes.toString('utf8', at + key.length, end < 0 ? glossBytes.length : end);
  return line.split(' ').map((p) => [p.slice(0, p.lastIndexOf(':')), Number(p.slice(p.lastIndexOf(':') + 1))]);
}

/**
 * Corpus words that share a direct English gloss with `word` (打官司 "to file a lawsuit" → 诉讼
 * "lawsuit"; 上访 "to petition higher authorities" → 信访): synonyms derived from the dictionary and
 * the corpus' own vocabulary, not from a hand-written list.
 */
export function sharedGlossWords(word: string, bridge: EnglishBridge, limit = 4): string[] {
  const found = new Map<string, number>();
  for (const [s, weight] of glossesOf(word)) {
    // Direct one-word glosses on both sides only: "file" in "to file a lawsuit" must not lead to 文件.
    if (weight < 1 || ENGLISH_STOP_WORDS.has(s)) continue;
    for (const [zh, w] of bridge.glosses[s] ?? []) if (zh !== word && zh.length > 1 && w >= 1) found.set(zh, (found.get(zh) ?? 0) + 1);
  }
  return [...found].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([zh]) => zh);
}

/**
 * Builds the bridge for a corpus vocabulary (Chinese words, simplified) and place-name candidates,
 * at ingest, never per question.
 */
export async function buildEnglishBridge(vocabulary: Iterable<string>, names: Iterable<string>): Promise<EnglishBridge> {
  const { pinyin } = await import('pinyin-pro');
  const words = new Set([...vocabulary].filter((w) => [...w].every((c) => HAN.test(c))));
  const glosses = new Map<string, Map<string, number>>();
  for (const [word, stems] of readGlosses(words)) {
    for (const [s, weight] of stems) {
      const forStem = glosses.get(s) ?? new Map<string, number>();
      forStem.set(word, Math.max(forStem.get(word) ?? 0, weight));
      glosses.set(s, forStem);
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
