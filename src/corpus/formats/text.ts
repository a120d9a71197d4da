/** Plain text and markdown, in whatever encoding Chinese reports come in (see decodeText). */
import type { ExtractedText, ReadError } from './types.js';

/**
 * Decodes a report: UTF-8 (with or without BOM), UTF-16 with BOM, or else the most likely of GB18030
 * (which covers GBK and GB2312, common for Chinese documents), Big5 (traditional Chinese) and UTF-16
 * without BOM. Returns a reason instead for binary content and for bytes no candidate reads as text.
 */
export function decodeText(buf: Buffer): ExtractedText | ReadError {
  if (buf.length === 0) return { error: 'empty file', code: 'empty' };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' };
  const hasNul = buf.subarray(0, 8192).includes(0);
  if (!hasNul) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf), encoding: 'utf-8' };
    } catch {
      // not UTF-8: guess below
    }
  }
  // NUL bytes are never text in a single- or double-byte encoding; in UTF-16 they are every ASCII character's high byte.
  const candidates = [...(hasNul ? [] : ['gb18030', 'big5']), ...(buf.length % 2 === 0 ? ['utf-16le', 'utf-16be'] : [])];
  let best: { text: string; encoding: string; common: number } | undefined;
  for (const encoding of candidates) {
    const text = new TextDecoder(encoding).decode(buf);
    const { bad, plausible, common } = textShares(text);
    if (bad > 0.001 || plausible < 0.9) continue;
    if (!best || common > best.common) best = { text, encoding: encoding.startsWith('utf-16') ? `${encoding} (no BOM)` : encoding, common };
  }
  if (best) return { text: best.text, encoding: best.encoding };
  if (hasNul) {
    return looksLikeUtf16(buf)
      ? { error: 'undetected encoding (UTF-16 without a byte-order mark that is not readable text); save it as UTF-8', code: 'encoding' }
      : { error: 'binary file (contains NUL bytes)', code: 'binary' };
  }
  return { error: 'undetected encoding (not UTF-8, GB18030, Big5 or UTF-16); save it as UTF-8', code: 'encoding' };
}

/** The most frequent Chinese characters that are written the same in simplified and traditional script. */
const COMMON_HAN = new Set('的一是在不了有和人中大上我他以要到作地出就分成可主年同工也能下子方多定行法所民得十三之等度家力如水化高自二理起小物加都本去性好其些然前外天日事平形相全表正心明看原又利比或但第向道此只意月公者最立已提直五果位入常文次品式及特件求老基山知四');

/**
 * Shares of a decoded text: replacement characters (`bad`), characters a report is made of (`plausible`:
 * Chinese, ASCII, punctuation), and among the Chinese characters the very common ones (`common`): a wrong
 * guess between two double-byte encodings gives valid but rare characters.
 */
function textShares(text: string): { bad: number; plausible: number; common: number } {
  let bad = 0;
  let plausible = 0;
  let han = 0;
  let common = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 0xfffd) bad++;
    const isHan = (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);
    if (isHan) {
      han++;
      if (COMMON_HAN.has(ch)) common++;
    }
    if (isHan || (c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef) || (c >= 0x2000 && c <= 0x206f) || (c >= 0xa0 && c <= 0xff)) plausible++;
  }
  const n = Math.max(1, text.length);
  return { bad: bad / n, plausible: plausible / n, common: common / Math.max(1, han) };
}

/** NUL bytes mostly at one parity: the shape of UTF-16 text. */
function looksLikeUtf16(buf: Buffer): boolean {
  const head = buf.subarray(0, 8192);
  let even = 0;
  let odd = 0;
  head.forEach((b, i) => {
    if (b === 0) i % 2 === 0 ? even++ : odd++;
  });
  return head.length % 2 === 0 && Math.max(even, odd) > 8 * Math.min(even, odd) + 2;
}

export async function readPlainText(buf: Buffer): Promise<ExtractedText | ReadError> {
  return decodeText(buf);
}
