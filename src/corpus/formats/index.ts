/**
 * One reader per file format, behind one interface: bytes in, the report's text out.
 *
 * Every reader returns plain text that the cleaner understands: lines, blank lines between paragraphs,
 * markdown `#` before headings the format marks as such (Word and HTML headings), and a form feed
 * (`\f`) between pages for formats that have pages (PDF), so that the cleaner can strip running headers
 * and footers and ingest can tell on which page a passage stands.
 */
import { readDocx } from './docx.js';
import { readHtml } from './html.js';
import { readPdf } from './pdf.js';
import { readPlainText } from './text.js';
import { type ExtractedText, type FormatReader, MAX_TEXT_CHARS, type ReadError, tooMuchText } from './types.js';

export type { ExtractedText, FormatReader, ReadError, ReadErrorCode } from './types.js';
export { MAX_TEXT_CHARS, tooMuchText } from './types.js';

/** Readers by file extension (lower case, with the dot). */
export const READERS: ReadonlyMap<string, FormatReader> = new Map<string, FormatReader>([
  ['.txt', readPlainText],
  ['.md', readPlainText],
  ['.markdown', readPlainText],
  ['.pdf', readPdf],
  ['.docx', readDocx],
  ['.html', readHtml],
  ['.htm', readHtml],
]);

/** Reads a report of the given extension; never throws for bad content, it says why instead. */
export async function extractText(extension: string, buf: Buffer): Promise<ExtractedText | ReadError> {
  const reader = READERS.get(extension.toLowerCase());
  if (!reader) return { error: `unsupported file type ${extension || '(none)'}; supported: ${[...READERS.keys()].join(' ')}`, code: 'unsupported-type' };
  if (buf.length === 0) return { error: 'empty file', code: 'empty' };
  try {
    const read = await reader(buf);
    return 'text' in read && read.text.length > MAX_TEXT_CHARS ? { error: tooMuchText(), code: 'too-complex' } : read;
  } catch (err) {
    return { error: `cannot read this ${extension.slice(1).toUpperCase()} file (${(err as Error).message.split('\n')[0]})`, code: 'damaged' };
  }
}
