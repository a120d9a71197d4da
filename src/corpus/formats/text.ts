/**
 * Plain text and markdown: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK
 * and GB2312, common for Chinese documents).
 */
import type { ExtractedText, ReadError } from './index.js';

export function decodeText(buf: Buffer): ExtractedText | ReadError {
  if (buf.length === 0) return { error: 'empty file' };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' };
  if (buf.subarray(0, 8192).includes(0)) return { error: 'binary file (contains NUL bytes)' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf), encoding: 'utf-8' };
  } catch {
    // Not UTF-8: try GB18030, and accept it only if it yields mostly CJK/ASCII text.
    const text = new TextDecoder('gb18030').decode(buf);
    const bad = (text.match(/\uFFFD/g) ?? []).length;
    if (bad / Math.max(1, text.length) > 0.001) return { error: 'not UTF-8 and not GB18030 text' };
    return { text, encoding: 'gb18030' };
  }
}

export async function readPlainText(buf: Buffer): Promise<ExtractedText | ReadError> {
  return decodeText(buf);
}
