/**
 * Adding one report to the corpus, or taking one out, while the bot runs (chat uploads, the terminal's
 * /add): the file is read and checked first, stored under a safe name in the first corpus folder
 * (never over another file), and the index is updated incrementally; a running bot's live searcher
 * then swaps the new index in. A file that cannot be read changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { chunkReport } from '../corpus/chunk.js';
import { cleanReport } from '../corpus/clean.js';
import { extractText } from '../corpus/formats/index.js';
import { headingLabel } from '../corpus/headings.js';
import { isReportFileName, MAX_FILE_BYTES, REPORT_EXTENSIONS, sha256, type SkipCode } from '../corpus/load.js';
import type { Embedder } from '../embed/embedder.js';
import { ingest, type IngestProgress, type IngestSummary } from './ingest.js';
import { acquireLock, fsyncPath, IndexError, readManifest } from './store.js';

export type ReportErrorCode = SkipCode | 'name-missing' | 'no-match' | 'ambiguous' | 'not-taken' | 'busy' | 'no-free-name' | 'too-slow';

/**
 * A report that cannot be added or removed. The message says why in English with the detail (for the
 * log); `code` and `names` are what the chat words in the user's language (bot/i18n.ts refusalReason).
 */
export class ReportError extends Error {
  override name = 'ReportError';
  constructor(
    message: string,
    readonly code: ReportErrorCode,
    /** What the reply names: the report a duplicate duplicates, the name asked for and the reports it matches. */
    readonly names: string[] = [],
  ) {
    super(message);
  }
}

export interface AddedReport {
  /** File name in the corpus folder (may differ from the name it was sent with). */
  source: string;
  /** Set when the name it was sent with was taken or unsafe: that name, cleaned. */
  renamedFrom?: string;
  title: string;
  pages?: number;
  passages: number;
  seconds: number;
  /** A heading of the report, to suggest a question about it. */
  topic: string;
  /** Set when the very file was in the corpus already under its name (an upload sent again after a crash). */
  already?: boolean;
}

export interface RemovedReport {
  source: string;
  title: string;
  passages: number;
}

export interface ReportOptions {
  embedder?: Embedder;
  log?: (message: string) => void;
  /** Called once the file has been read (report-child.ts times reading apart from the ingest). */
  onRead?: () => void;
  /** Progress of the index update that takes the new report in (a large file takes a while to embed). */
  onProgress?: (p: IngestProgress) => void;
  /** Called once the upload is stored in the corpus folder, with its name. */
  onStored?: (name: string) => void;
}

/** Longest file name kept, in UTF-8 bytes (file systems allow 255). */
const MAX_NAME_BYTES = 150;

/**
 * The file name a report is stored under: the last part of the name it was sent with (no folders, so no
 * `../` tricks), without control or reserved characters or leading dots, at most MAX_NAME_BYTES.
 * Null when nothing usable is left or the type is not one the corpus reads.
 */
export function safeReportName(sent: string): string | null {
  const base = (sent.split(/[\\/]/).pop() ?? '').normalize('NFC');
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').trim();
  const ext = path.extname(cleaned).toLowerCase();
  if (!REPORT_EXTENSIONS.has(ext)) return null;
  let stem = Array.from(cleaned.slice(0, cleaned.length - ext.length).trim());
  while (Buffer.byteLength(stem.join('')) > MAX_NAME_BYTES) stem.pop();
  if (stem.length === 0) stem = Array.from('report');
  const name = stem.join('') + ext;
  return isReportFileName(name) ? name : `report-${name}`;
}

/** The supported types, for messages: ".txt .md … .pdf". */
export function supportedTypes(): string {
  return [...REPORT_EXTENSIONS].join(' ');
}

// One change at a time in this process (an ingest in another process is refused by the index lock).
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => {});
  return run;
}

/** Names tried for an upload before giving up (a folder full of "name-N" files, or of odd entries). */
const MAX_NAME_TRIES = 100;

/** True when nothing at all (no file, folder, or dangling symlink) has this name. */
function nameFree(file: string): boolean {
  return fs.lstatSync(file, { throwIfNoEntry: false }) === undefined;
}

/** "name.pdf", "name-2.pdf", "name-3.pdf" …: the candidate names of an upload, in order. */
function candidateNames(name: string): string[] {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  return Array.from({ length: MAX_NAME_TRIES }, (_, i) => (i === 0 ? name : `${stem}-${i + 1}${ext}`));
}

/** Longest topic suggested; a longer heading is cut at its first comma. */
const MAX_TOPIC_CHARS = 30;

/** The first numbered heading of the report, without its number: something to ask about. */
function topicOf(text: string): string {
  const chunk = chunkReport(cleanReport(text)).find((c) => c.sectionPath.length > 0);
  const heading = chunk?.sectionPath[chunk.sectionPath.length - 1] ?? '';
  let topic = heading.slice(headingLabel(heading).length).replace(/^[#\s]+|[。；：:，,\s]+$/g, '');
  if (topic.length > MAX_TOPIC_CHARS) topic = topic.split(/[，,；;、]/)[0]!;
  return Array.from(topic).slice(0, MAX_TOPIC_CHARS).join('');
}

/**
 * Runs a change of the corpus folder under the index lock, so that no other ingest (another process, or
 * `npm start`'s) reads the folder half changed; a lock held elsewhere is a ReportError (nothing changed).
 */
async function underLock<T>(config: Config, work: () => Promise<T>): Promise<T> {
  let release: () => void;
  try {
    release = acquireLock(config.indexDir);
  } catch (err) {
    if (err instanceof IndexError) throw new ReportError('the index is being updated by another process; try again in a minute', 'busy');
    throw err;
  }
  try {
    restoreSetAside(config);
    return await work();
  } finally {
    release();
  }
}

/** The hidden name a report being removed waits under until the index without it is published. */
const ASIDE_PREFIX = '.removing-';

/**
 * A removal cut short (a crash) leaves its report under the hidden name: put back when the live index
 * still has it, deleted when it does not. Called under the lock.
 */
function restoreSetAside(config: Config): void {
  const dir = config.corpusDirs[0]!;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(ASIDE_PREFIX));
  } catch {
    return;
  }
  const indexed = new Set((readManifest(config.indexDir)?.files ?? []).filter((f) => f.corpusDir === dir).map((f) => f.source));
  for (const aside of names) {
    const source = aside.slice(ASIDE_PREFIX.length);
    if (indexed.has(source) && nameFree(path.join(dir, source))) fs.renameSync(path.join(dir, aside), path.join(dir, source));
    else fs.rmSync(path.join(dir, aside), { force: true });
  }
}

/** Writes a file and flushes it to disk (and removes it again when the write fails). */
function writeDurably(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
}

/**
 * Stores an upload under the first free candidate name: written whole and flushed under a hidden name
 * (the corpus ignores those), then linked (link never replaces anything, so two uploads of one name
 * cannot overwrite each other), and the folder flushed, so that an index naming the report never
 * outlives its file in a power cut. Returns the name taken.
 */
function storeUpload(dir: string, safe: string, data: Buffer): string {
  const tmp = path.join(dir, `.upload-${process.pid}-${Date.now()}${path.extname(safe)}`);
  try {
    writeDurably(tmp, data);
    for (const name of candidateNames(safe)) {
      if (!nameFree(path.join(dir, name))) continue;
      try {
        fs.linkSync(tmp, path.join(dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // taken meanwhile
        throw err;
      }
      fsyncPath(dir);
      return name;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  throw new ReportError(`no free name for it in ${path.basename(dir)}/ (tried ${safe} and ${MAX_NAME_TRIES - 1} numbered names)`, 'no-free-name');
}

/** A file of the folder with exactly these bytes (stored by an upload that a crash cut short before the index was published). */
function sameBytesIn(dir: string, safe: string, data: Buffer, hash: string): string | undefined {
  return candidateNames(safe).find((name) => {
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    return stat?.isFile() && stat.size === data.length && sha256(fs.readFileSync(file)) === hash;
  });
}

/**
 * Adds a report sent as `sentName` with these bytes. Throws ReportError (nothing changed) when the name,
 * type, size or content is not a readable report, or when ingest skips it (a duplicate, for example).
 * The same file sent again under its name (Telegram re-sending an update after a crash mid-upload, say)
 * is reported as added, with `already` set: it is in the corpus.
 */
export function addReport(config: Config, sentName: string, data: Buffer, options: ReportOptions = {}): Promise<AddedReport> {
  return oneAtATime(async () => {
    const started = performance.now();
    const safe = safeReportName(sentName);
    if (!safe) throw new ReportError(`unsupported file type "${path.extname(sentName) || sentName}"; supported: ${supportedTypes()}`, 'unsupported-type');
    if (data.length > MAX_FILE_BYTES) throw new ReportError(`the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`, 'too-large');
    const extracted = await extractText(path.extname(safe), data);
    if ('error' in extracted) throw new ReportError(extracted.error, extracted.code);
    if (!/\S/.test(extracted.text)) throw new ReportError('the file has no text', 'no-text');
    options.onRead?.();
    const hash = sha256(data);
    const dir = config.corpusDirs[0]!;
    const log = options.log ?? (() => {});
    const describe = (source: string, already: boolean): AddedReport => {
      const entry = readManifest(config.indexDir)!.files.find((f) => f.corpusDir === dir && f.source === source)!;
      return {
        source,
        ...(source !== sentName ? { renamedFrom: sentName } : {}),
        title: entry.title,
        ...(entry.pages ? { pages: entry.pages } : {}),
        passages: entry.passages,
        seconds: (performance.now() - started) / 1000,
        topic: topicOf(extracted.text),
        ...(already ? { already } : {}),
      };
    };

    return underLock(config, async () => {
      const twin = readManifest(config.indexDir)?.files.find((f) => f.sha256 === hash);
      if (twin) {
        if (twin.corpusDir === dir && candidateNames(safe).includes(twin.source)) return describe(twin.source, true);
        throw new ReportError(`this file is already in the corpus, as ${twin.source}`, 'duplicate', [twin.source]);
      }
      fs.mkdirSync(dir, { recursive: true });
      const stored = sameBytesIn(dir, safe, data, hash);
      const name = stored ?? storeUpload(dir, safe, data);
      if (!stored) options.onStored?.(name);
      let summary: IngestSummary;
      try {
        summary = await ingest(config, { embedder: options.embedder, log, lockHeld: true, onProgress: options.onProgress });
      } catch (err) {
        fs.rmSync(path.join(dir, name), { force: true });
        throw err;
      }
      const skipped = summary.skipped.find((s) => s.file === name);
      const entry = readManifest(config.indexDir)?.files.find((f) => f.corpusDir === dir && f.source === name);
      if (skipped || !entry) {
        // Not taken (a duplicate of a report already there, say): the folder goes back to what it was.
        fs.rmSync(path.join(dir, name), { force: true });
        await ingest(config, { embedder: options.embedder, log, lockHeld: true });
        throw new ReportError(skipped?.reason ?? 'the file was not taken as a report', skipped?.code ?? 'not-taken', skipped?.duplicateOf ? [skipped.duplicateOf] : []);
      }
      return describe(name, stored !== undefined);
    });
  });
}

/**
 * Removes the report of the first corpus folder named exactly `query`, or the only one whose file name or
 * title contains it, and updates the index. ReportError when none or several match, or when another
 * process is updating the index. The file is set aside under a hidden name first (the corpus ignores it),
 * deleted only once the index without it is published, and put back when that fails.
 */
export function removeReport(config: Config, query: string, options: ReportOptions = {}): Promise<RemovedReport> {
  return oneAtATime(async () => {
    const q = query.trim();
    if (!q) throw new ReportError('name the report to remove', 'name-missing');
    const dir = config.corpusDirs[0]!;
    return underLock(config, async () => {
      const files = (readManifest(config.indexDir)?.files ?? []).filter((f) => f.corpusDir === dir);
      const exact = files.filter((f) => f.source === q);
      const matches = exact.length ? exact : files.filter((f) => f.source.includes(q) || f.title.includes(q));
      if (matches.length === 0) throw new ReportError(`no report in ${path.basename(dir)}/ matches "${q}"`, 'no-match', [q]);
      if (matches.length > 1) throw new ReportError(`"${q}" matches ${matches.length} reports: ${matches.map((f) => f.source).join(', ')}`, 'ambiguous', [q, ...matches.map((f) => f.source)]);
      const target = matches[0]!;
      const file = path.join(dir, target.source);
      const aside = path.join(dir, ASIDE_PREFIX + target.source);
      fs.renameSync(file, aside);
      try {
        await ingest(config, { embedder: options.embedder, log: options.log ?? (() => {}), lockHeld: true });
      } catch (err) {
        fs.renameSync(aside, file);
        throw err;
      }
      fs.rmSync(aside, { force: true });
      return { source: target.source, title: target.title, passages: target.passages };
    });
  });
}
