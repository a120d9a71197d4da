/**
 * Finds the reports in the corpus folders and reads them to text (through the reader for their format).
 * A file that cannot be read as a report is reported with a reason and skipped:
 * one bad file never stops the others.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extractText, READERS, type ReadErrorCode } from './formats/index.js';
import { decodeText } from './formats/text.js';
import { printable } from './display.js';

export const REPORT_EXTENSIONS: ReadonlySet<string> = new Set(READERS.keys());
/** Files that describe a folder rather than being a report. */
const METADATA_NAMES = /^(readme|source|sources|license|licence|changelog|notice)(\.[a-z]+)?$/i;
/** Larger files are skipped: a report is rarely more than a few MB (and Telegram bots cannot fetch more than 20 MB). */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** True for a file name the corpus reads as a report: a known format, not a README or similar. */
export function isReportFileName(name: string): boolean {
  return !name.startsWith('.') && REPORT_EXTENSIONS.has(path.extname(name).toLowerCase()) && !METADATA_NAMES.test(name);
}

export interface CorpusFile {
  /** Absolute path of the corpus folder it was found in. */
  corpusDir: string;
  /** Path relative to the corpus folder, with forward slashes. */
  source: string;
  absPath: string;
  bytes: number;
  mtimeMs: number;
}

export interface LoadedReport extends CorpusFile {
  /** The text as its reader gives it: pages separated by a form feed (\f) for paged formats. */
  text: string;
  /** A text encoding (utf-8, gb18030…) or the format that was read (pdf, docx, html). */
  encoding: string;
  /** Number of pages, for formats that have pages. */
  pages?: number;
  sha256: string;
}

/** Why a report file was left out: what the chat words in the user's language (bot/i18n.ts). */
export type SkipCode = ReadErrorCode | 'too-large' | 'unreadable' | 'no-text' | 'duplicate';

export interface SkippedFile {
  file: string;
  /** In English, with the technical detail: for logs and ingest warnings. */
  reason: string;
  /** Absent in manifests written before codes existed. */
  code?: SkipCode;
  /** For a duplicate: the report it duplicates. */
  duplicateOf?: string;
  /**
   * For a report file that was found but not indexed: which one, and its size and time when it was looked
   * at, so that a later change (an empty file filled in) is noticed. `unreadable` when it could not be
   * read at all (gone, no permission): it is looked at again as soon as it can be read.
   */
  corpusDir?: string;
  bytes?: number;
  mtimeMs?: number;
  unreadable?: boolean;
}

/** Lists report files under each folder (recursively, sorted, symlinks not followed). */
export function listCorpusFiles(corpusDirs: string[]): { files: CorpusFile[]; skipped: SkippedFile[] } {
  const files: CorpusFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const dir of corpusDirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new Error(`corpus folder not found: ${dir}`);
    }
    const walk = (abs: string) => {
      for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (entry.name.startsWith('.')) continue;
        const child = path.join(abs, entry.name);
        if (entry.isDirectory()) walk(child);
        else if (entry.isFile() && isReportFileName(entry.name)) {
          const stat = fs.statSync(child);
          const source = path.relative(dir, child).split(path.sep).join('/');
          if (stat.size > MAX_FILE_BYTES) skipped.push({ file: source, reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`, code: 'too-large' });
          else files.push({ corpusDir: dir, source, absPath: child, bytes: stat.size, mtimeMs: stat.mtimeMs });
        }
      }
    };
    walk(dir);
  }
  return { files, skipped };
}

/** Decodes plain text (UTF-8, UTF-16 with BOM or GB18030), or says why it is not text. */
export const decodeReport = decodeText;

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * Reads one file to text; a file that cannot be read comes back as skipped, with the reason. Size, time
 * and hash all come from this one read (the time taken before it): an edit between listing the folder
 * and reading the file cannot leave them out of step.
 */
export async function readReport(file: CorpusFile): Promise<LoadedReport | SkippedFile> {
  let buf: Buffer;
  let mtimeMs: number;
  try {
    const fd = fs.openSync(file.absPath, 'r');
    try {
      mtimeMs = fs.fstatSync(fd).mtimeMs;
      buf = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return { file: file.source, reason: `cannot read: ${(err as Error).message}`, code: 'unreadable', corpusDir: file.corpusDir, bytes: file.bytes, mtimeMs: file.mtimeMs, unreadable: true };
  }
  const read = { ...file, bytes: buf.length, mtimeMs };
  const extracted = await extractText(path.extname(file.absPath), buf);
  if ('error' in extracted) return skippedAs(read, extracted.error, extracted.code);
  if (!/\S/.test(extracted.text)) return skippedAs(read, 'no text', 'no-text');
  return { ...read, text: extracted.text, encoding: extracted.encoding, ...(extracted.pages ? { pages: extracted.pages } : {}), sha256: sha256(buf) };
}

/** A report file left out of the index, with what identifies its present content. */
export function skippedAs(file: CorpusFile, reason: string, code: SkipCode, duplicateOf?: string): SkippedFile {
  return { file: file.source, reason, code, ...(duplicateOf ? { duplicateOf } : {}), corpusDir: file.corpusDir, bytes: file.bytes, mtimeMs: file.mtimeMs };
}

/** The report's display title: its file name without extension, dashes and underscores as spaces, control characters escaped. */
export function titleOf(source: string): string {
  return printable(path.posix.basename(source))
    .replace(/\.[^.]+$/, '')
    .replace(/[-_]+/g, ' ')
    .trim();
}
