/**
 * What every format reader returns, and the limits they share: in a module of their own, so that the
 * readers and the registry that lists them (index.ts) do not import each other.
 */

export interface ExtractedText {
  text: string;
  /** How the bytes were read: a text encoding (utf-8, gb18030…) or the format (pdf, docx, html). */
  encoding: string;
  /** Number of pages, for formats that have pages. */
  pages?: number;
}

/**
 * Why a file could not be read: `code` for the person who gave it (the chat words it in their language,
 * see bot/i18n.ts), `error` in English with the technical detail, for logs and ingest warnings.
 */
export interface ReadError {
  error: string;
  code: ReadErrorCode;
}

export type ReadErrorCode = 'unsupported-type' | 'empty' | 'not-pdf' | 'not-docx' | 'password' | 'scanned' | 'damaged' | 'binary' | 'encoding' | 'too-complex';

export type FormatReader = (buf: Buffer) => Promise<ExtractedText | ReadError>;

/** More text than a report holds (a 20 MB plain-text file is about 7 million Chinese characters). */
export const MAX_TEXT_CHARS = 12_000_000;

export function tooMuchText(): string {
  return `refused: more than ${MAX_TEXT_CHARS.toLocaleString('en')} characters of text`;
}
