/**
 * Finds the reports in the corpus folders and decodes them to text.
 * A file that cannot be read as a report is reported with a reason and skipped:
 * one bad file never stops the others.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const REPORT_EXTENSIONS = new Set(['.txt', '.md', '.markdown']);
/** Files that describe a folder rather than being a report. */
const METADATA_NAMES = /^(readme|source|sources|license|licence|changelog|notice)(\.[a-z]+)?$/i;
/** Larger files are skipped: a report is rarely more than a few MB of text. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

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
  text: string;
  encoding: string;
  sha256: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
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
        else if (entry.isFile() && REPORT_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) && !METADATA_NAMES.test(entry.name)) {
          const stat = fs.statSync(child);
          const source = path.relative(dir, child).split(path.sep).join('/');
          if (stat.size > MAX_FILE_BYTES) skipped.push({ file: source, reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` });
          else files.push({ corpusDir: dir, source, absPath: child, bytes: stat.size, mtimeMs: stat.mtimeMs });
        }
      }
    };
    walk(dir);
  }
  return { files, skipped };
}

/**
 * Decodes a report: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK and GB2312,
 * common for Chinese documents). Returns null with a reason for binary or undecodable content.
 */
export function decodeReport(buf: Buffer): { text: string; encoding: string } | { error: string } {
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

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * Reads and decodes one file. Size, time and hash all come from this one read (the time taken before it):
 * an edit between listing the folder and reading the file cannot leave them out of step.
 */
export function readReport(file: CorpusFile): LoadedReport | SkippedFile {
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
    return { file: file.source, reason: `cannot read: ${(err as Error).message}`, corpusDir: file.corpusDir, bytes: file.bytes, mtimeMs: file.mtimeMs, unreadable: true };
  }
  const read = { ...file, bytes: buf.length, mtimeMs };
  const decoded = decodeReport(buf);
  if ('error' in decoded) return skippedAs(read, decoded.error);
  if (!/\S/.test(decoded.text)) return skippedAs(read, 'no text');
  return { ...read, text: decoded.text, encoding: decoded.encoding, sha256: sha256(buf) };
}

/** A report file left out of the index, with what identifies its present content. */
export function skippedAs(file: CorpusFile, reason: string): SkippedFile {
  return { file: file.source, reason, corpusDir: file.corpusDir, bytes: file.bytes, mtimeMs: file.mtimeMs };
}

/** The report's display title: its file name without extension, dashes and underscores as spaces. */
export function titleOf(source: string): string {
  return path.posix
    .basename(source)
    .replace(/\.[^.]+$/, '')
    .replace(/[-_]+/g, ' ')
    .trim();
}
