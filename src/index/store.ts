/**
 * The index on disk. Every ingest writes a complete new generation folder, then switches the
 * `CURRENT` pointer to it with an atomic rename, so a reader (or a running bot) always sees either the
 * old index or the new one, never half of each, and an ingest killed half way leaves the old one intact.
 *
 *   index/CURRENT                 name of the live generation
 *   index/gen-<time>-<pid>/       manifest.json, passages.json, vectors.f32, hnsw.bin, lexical.bin, terms.json
 *   index/.ingest.lock            held by a running ingest
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SkippedFile } from '../corpus/load.js';
import type { ReportHeader } from '../corpus/report-header.js';

/** Bump when the files of a generation change shape: older indexes are then rebuilt. */
export const FORMAT_VERSION = 3;

export class IndexError extends Error {
  override name = 'IndexError';
}

export interface ManifestFile {
  corpusDir: string;
  source: string;
  sha256: string;
  bytes: number;
  mtimeMs: number;
  /** A text encoding (utf-8, gb18030…) or the format that was read (pdf, docx, html). */
  encoding: string;
  /** Number of pages, for formats that have pages (PDF). */
  pages?: number;
  title: string;
  /** The report's own title, issuer and date, read from its text (absent in older indexes). */
  header?: ReportHeader;
  /** Index of the file's first passage and how many it has. */
  firstPassage: number;
  passages: number;
}

export interface Manifest {
  formatVersion: number;
  generation: string;
  builtAt: string;
  chunkerVersion: number;
  model: { id: string; dim: number; pooling: string; queryPrefix: string; passagePrefix: string; quantized: boolean };
  hnsw: { m: number; efConstruction: number; space: 'cosine' };
  corpusDirs: string[];
  files: ManifestFile[];
  /** Report files left out, with why (and, since issue 15, what they were when looked at). */
  skipped: SkippedFile[];
  passageCount: number;
  /** Size in bytes of every file of the generation (absent in indexes built before it was added). */
  fileBytes?: Record<string, number>;
}

/** A passage as stored: offsets into its document's cleaned text. */
export interface StoredPassage {
  /** Index into `docs`. */
  doc: number;
  start: number;
  end: number;
  /** Offsets in the text as read from the file (the file itself for plain text). */
  srcStart: number;
  srcEnd: number;
  section: string[];
  /** Sentence spans as flat [start, end, start, end, …] (cleaned-text offsets). */
  sentences: number[];
  /** Hash of the embedded text and model: the embedding cache key. */
  hash: string;
}

export interface StoredDoc {
  corpusDir: string;
  source: string;
  title: string;
  /** The cleaned text; passages are slices of it. */
  text: string;
  /** For reports with pages (PDF): where each page starts in the cleaned text (see cleanReport). */
  pageStarts?: number[];
}

export interface PassageStore {
  docs: StoredDoc[];
  passages: StoredPassage[];
}

export const FILES = {
  manifest: 'manifest.json',
  passages: 'passages.json',
  vectors: 'vectors.f32',
  hnsw: 'hnsw.bin',
  lexical: 'lexical.bin',
  terms: 'terms.json',
} as const;

/** Folder of the live generation, or null when there is no index. */
export function currentGeneration(indexDir: string): string | null {
  const pointer = path.join(indexDir, 'CURRENT');
  if (!fs.existsSync(pointer)) return null;
  const name = fs.readFileSync(pointer, 'utf8').trim();
  if (!/^gen-[\w-]+$/.test(name)) throw new IndexError(`index at ${indexDir} is corrupt (bad CURRENT pointer); run \`npm run ingest\` to rebuild it`);
  const dir = path.join(indexDir, name);
  if (!fs.existsSync(dir)) throw new IndexError(`index at ${indexDir} is corrupt (generation ${name} is missing); run \`npm run ingest\` to rebuild it`);
  return dir;
}

export function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new IndexError(`index file ${path.basename(file)} is missing or corrupt (${(err as Error).message.split('\n')[0]}); run \`npm run ingest\` to rebuild it`);
  }
}

/** Reads the live manifest, or null when there is no index. */
export function readManifest(indexDir: string): Manifest | null {
  return readLive(indexDir)?.manifest ?? null;
}

/**
 * The live generation: its folder and manifest, read through one look at CURRENT, so that the files
 * opened next come from the very generation the manifest describes. Null when there is no index.
 */
export function readLive(indexDir: string): { dir: string; manifest: Manifest } | null {
  const dir = currentGeneration(indexDir);
  if (!dir) return null;
  const manifest = readJson<Manifest>(path.join(dir, FILES.manifest));
  if (manifest === null || typeof manifest !== 'object' || manifest.formatVersion !== FORMAT_VERSION) {
    throw new IndexError(`index at ${indexDir} has format ${manifest?.formatVersion}, this version reads ${FORMAT_VERSION}; run \`npm run ingest\` to rebuild it`);
  }
  if (!manifest.model || !Array.isArray(manifest.files) || !Number.isInteger(manifest.passageCount)) {
    throw new IndexError(`index file ${FILES.manifest} is incomplete; run \`npm run ingest\` to rebuild it`);
  }
  return { dir, manifest };
}

/** Sizes of a generation's files, as recorded in its manifest. */
export function fileSizes(dir: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const name of Object.values(FILES)) if (name !== FILES.manifest) sizes[name] = fs.statSync(path.join(dir, name)).size;
  return sizes;
}

/**
 * Checks that every file of a generation is there, whole (the sizes its manifest recorded), and that
 * the vectors match the passage count and dimension. Throws IndexError saying what is wrong and how to repair it.
 * Cheap: it only stats files.
 */
export function verifyGeneration(dir: string, manifest: Manifest): void {
  const damaged = (name: string, detail: string) =>
    new IndexError(`index file ${name} is missing or corrupt (the ${FILE_ROLES[name] ?? name} ${detail}); run \`npm run ingest\` to rebuild it`);
  for (const name of Object.values(FILES)) {
    let size: number;
    try {
      size = fs.statSync(path.join(dir, name)).size;
    } catch {
      throw damaged(name, 'is not there');
    }
    const expected = manifest.fileBytes?.[name];
    if (expected !== undefined && size !== expected) throw damaged(name, `has ${size} bytes, ${expected} were written`);
    if (name === FILES.vectors && size !== manifest.passageCount * manifest.model.dim * 4) {
      throw damaged(name, `has ${size} bytes, not ${manifest.passageCount} vectors of ${manifest.model.dim} dims as the manifest says`);
    }
  }
  verifyFileRanges(manifest);
  const header = readHnswHeader(path.join(dir, FILES.hnsw));
  if (header && (header.count !== manifest.passageCount || header.dim !== manifest.model.dim)) {
    throw damaged(FILES.hnsw, `holds ${header.count} vectors of ${header.dim} dims, not ${manifest.passageCount} of ${manifest.model.dim}`);
  }
}

/**
 * The manifest's per-report passage ranges must tile 0..passageCount exactly: a report's passages are
 * found through them, so a range that runs past the store would be searched as garbage or crash.
 */
function verifyFileRanges(manifest: Manifest): void {
  let next = 0;
  for (const f of manifest.files) {
    if (!Number.isInteger(f?.firstPassage) || !Number.isInteger(f.passages) || f.passages < 0 || f.firstPassage !== next) {
      throw new IndexError(`index file ${FILES.manifest} is inconsistent (the passages of ${JSON.stringify(f?.source)} do not follow those of the report before); run \`npm run ingest\` to rebuild it`);
    }
    next += f.passages;
  }
  if (next !== manifest.passageCount) {
    throw new IndexError(`index file ${FILES.manifest} is inconsistent (its reports have ${next} passages, its count says ${manifest.passageCount}); run \`npm run ingest\` to rebuild it`);
  }
}

/**
 * The passage store agrees with the manifest: one document per report, in the same order, and every
 * passage of a report's range belongs to that report. Throws IndexError (what to run) when not.
 */
export function verifyPassageStore(manifest: Manifest, store: PassageStore): void {
  const damaged = (what: string) => new IndexError(`the index is damaged (${what}); run \`npm run ingest\` to rebuild it`);
  if (!Array.isArray(store?.passages) || !Array.isArray(store.docs) || store.passages.length !== manifest.passageCount) {
    throw damaged('the passage store does not match the manifest');
  }
  if (store.docs.length !== manifest.files.length) throw damaged(`the passage store has ${store.docs.length} reports, the manifest ${manifest.files.length}`);
  manifest.files.forEach((f, doc) => {
    const d = store.docs[doc]!;
    if (d.source !== f.source || d.corpusDir !== f.corpusDir) throw damaged(`report ${doc} is ${JSON.stringify(d.source)} in the passage store, ${JSON.stringify(f.source)} in the manifest`);
    for (let id = f.firstPassage; id < f.firstPassage + f.passages; id++) {
      const p = store.passages[id]!;
      if (p.doc !== doc || !(p.start >= 0 && p.start <= p.end && p.end <= d.text.length)) throw damaged(`passage ${id} is not within ${JSON.stringify(f.source)} as the manifest says`);
    }
  });
}

/**
 * Vector count and dimension from an hnswlib index file's header (size_t fields: offsetLevel0, maxElements,
 * curElementCount, sizeDataPerElement, labelOffset, offsetData; a vector takes labelOffset - offsetData
 * bytes). Null when the file is too short to have one (reading it then fails with its own message).
 */
export function readHnswHeader(file: string): { count: number; dim: number } | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(48);
    if (fs.readSync(fd, buf, 0, 48, 0) < 48) return null;
    const field = (i: number) => Number(buf.readBigUInt64LE(i * 8));
    return { count: field(2), dim: (field(4) - field(5)) / Float32Array.BYTES_PER_ELEMENT };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const FILE_ROLES: Record<string, string> = {
  [FILES.manifest]: 'manifest',
  [FILES.passages]: 'passage store',
  [FILES.vectors]: 'vector file',
  [FILES.hnsw]: 'HNSW graph',
  [FILES.lexical]: 'lexical index',
  [FILES.terms]: 'term statistics',
};

/** Writes a file atomically (temp file + fsync + rename + fsync of the folder). */
export function writeFileAtomic(file: string, data: string | Uint8Array | Uint8Array[], mode = 0o666): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    try {
      // Parts are written one after another: a large file need not be joined in memory first.
      for (const part of Array.isArray(data) ? data : [data]) fs.writeFileSync(fd, part);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true }); // a full disk leaves no half-written temp file behind
    throw err;
  }
  fsyncPath(path.dirname(file));
}

/** Flushes a file or a folder (its entries) to disk: what a rename or a new file relies on after a power loss. */
export function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes every file of a generation and the generation folder itself: done before CURRENT may name it. */
export function syncGeneration(dir: string): void {
  for (const name of fs.readdirSync(dir)) fsyncPath(path.join(dir, name));
  fsyncPath(dir);
}

/** Creates a new, empty generation folder. Its name ends with the writer's pid (see removeUnpublished). */
export function newGeneration(indexDir: string): { name: string; dir: string } {
  fs.mkdirSync(indexDir, { recursive: true });
  const name = `gen-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const dir = path.join(indexDir, name);
  fs.mkdirSync(dir);
  return { name, dir };
}

/** The generation CURRENT names now ('' when none). */
function pointedTo(indexDir: string): string {
  try {
    return fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** True when the generation was made by another process that is still running (a writer at work). */
function ownedByLiveWriter(name: string): boolean {
  const pid = Number(/-(\d+)$/.exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid);
}

/**
 * Makes a fully written generation the live one (its files and folder flushed first, then CURRENT
 * replaced and the index folder flushed), then removes the older generations. Kept: the new one, the
 * one before it (a running bot may still be reading it), and any that a live writer owns.
 */
export function publishGeneration(indexDir: string, name: string): void {
  syncGeneration(path.join(indexDir, name));
  const previous = pointedTo(indexDir);
  writeFileAtomic(path.join(indexDir, 'CURRENT'), name + '\n');
  for (const entry of fs.readdirSync(indexDir)) {
    if (!entry.startsWith('gen-') || entry === name || entry === previous || ownedByLiveWriter(entry)) continue;
    if (entry === pointedTo(indexDir)) continue; // never the live one, whoever published it
    fs.rmSync(path.join(indexDir, entry), { recursive: true, force: true });
  }
}

/** True while a process with this pid exists (on this machine). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the lock file holds: who took it. */
interface LockHolder {
  pid: number;
  /** When the holding process started (ms since epoch): tells a live holder from a new process with a reused pid. */
  processStart: number;
  takenAt: string;
}

const LOCK_FILE = '.ingest.lock';

/** Start time of this process, in ms since the epoch. */
const thisProcessStart = Math.round(Date.now() - process.uptime() * 1000);

/**
 * Start time of a running process in ms since the epoch, from /proc (Linux); null where that cannot be read.
 * /proc/<pid>/stat field 22 is the start in clock ticks after boot (100 per second on Linux).
 */
function processStartOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootTime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(bootTime) ? bootTime * 1000 + ticks * 10 : null;
  } catch {
    return null;
  }
}

/** True while the process that wrote this lock content still runs (and is that process, not a reused pid). */
function holderAlive(holder: LockHolder): boolean {
  if (!pidAlive(holder.pid)) return false;
  const started = processStartOf(holder.pid);
  // Clock ticks and the uptime-based estimate agree within a couple of seconds for the same process.
  return started === null || !Number.isFinite(holder.processStart) || Math.abs(started - holder.processStart) < 5000;
}

function parseHolder(content: string): LockHolder | null {
  try {
    const h = JSON.parse(content) as LockHolder;
    return Number.isInteger(h?.pid) && h.pid > 0 ? h : null;
  } catch {
    return null;
  }
}

/**
 * Creates `file` holding `content`, atomically: written to a private temp file, then hard-linked to the
 * lock's name. link() fails if the name exists, so of two processes only one can succeed, and the lock
 * is never seen empty or half written. Returns false when the file already exists.
 */
export function createExclusive(file: string, content: string, mode = 0o644): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // Inside the try: a write that fails half way (a full disk) leaves no temp file behind.
    fs.writeFileSync(tmp, content, { flag: 'wx', mode });
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a lock left by a dead process, unless it changed since it was judged dead. Breaking is itself
 * guarded by an exclusive `.break` file, so that two processes breaking the same dead lock at once cannot
 * remove the fresh lock one of them has just taken. A `.break` file older than a minute was left by a
 * process killed in these few lines, and is cleared.
 */
function breakDeadLock(lock: string, judged: string): void {
  const guard = `${lock}.break`;
  try {
    if (Date.now() - fs.statSync(guard).mtimeMs > 60_000) fs.rmSync(guard, { force: true });
  } catch {
    // no guard: the usual case
  }
  if (!createExclusive(guard, String(process.pid))) return; // someone else is breaking it; try again
  try {
    let now: string | null = null;
    try {
      now = fs.readFileSync(lock, 'utf8');
    } catch {
      // already gone
    }
    if (now === judged) fs.rmSync(lock, { force: true });
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/**
 * Takes the ingest lock, or throws IndexError if another live process holds it. Returns the release
 * function. The lock file holds the holder's pid and start time; a lock whose holder is dead is taken over.
 */
export function acquireLock(indexDir: string): () => void {
  fs.mkdirSync(indexDir, { recursive: true });
  const lock = path.join(indexDir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, processStart: thisProcessStart, takenAt: new Date().toISOString() } satisfies LockHolder);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(lock, mine)) {
      return () => {
        // Only our own lock is removed (it cannot have been taken over while we live, but be sure).
        if (readLock(lock) === mine) fs.rmSync(lock, { force: true });
      };
    }
    const content = readLock(lock);
    if (content === null) continue; // released meanwhile
    const holder = parseHolder(content);
    if (holder && holderAlive(holder)) {
      throw new IndexError(`another ingest (pid ${holder.pid}, since ${holder.takenAt}) is writing ${indexDir}; wait for it to finish`);
    }
    if (!holder) {
      // Not written by this code (or by an older version, which wrote just a pid): dead only when that pid is.
      const pid = Number(content.trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) throw new IndexError(`another ingest (pid ${pid}) is writing ${indexDir}; wait for it to finish`);
    }
    breakDeadLock(lock, content);
  }
  throw new IndexError(`cannot take the ingest lock ${lock}; remove it if no ingest is running`);
}

function readLock(lock: string): string | null {
  try {
    return fs.readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Removes generation folders that were never published (an ingest that died half way): those newer than
 * the live one (names sort by creation time) whose writer is no longer running. Called under the lock.
 */
export function removeUnpublished(indexDir: string): void {
  if (!fs.existsSync(indexDir)) return;
  const current = pointedTo(indexDir);
  for (const entry of fs.readdirSync(indexDir)) {
    if (entry.startsWith('gen-') && entry > current && !ownedByLiveWriter(entry)) fs.rmSync(path.join(indexDir, entry), { recursive: true, force: true });
  }
}

/**
 * A generation's passage vectors, read from disk a block of rows at a time. The searcher needs them only
 * to scan the passages of named reports and for a few similarities a question; the HNSW graph holds its
 * own copy for everything else, so keeping them all in memory (4·dim bytes a passage) would pay twice.
 * The file stays open while the searcher lives (a generation replaced meanwhile stays readable).
 */
export class VectorFile {
  private constructor(
    private readonly fd: number,
    readonly count: number,
    readonly dim: number,
  ) {}

  static open(dir: string, count: number, dim: number): VectorFile {
    const file = path.join(dir, FILES.vectors);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new IndexError(`index file ${FILES.vectors} is missing (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
    }
    if (fs.fstatSync(fd).size !== count * dim * 4) {
      fs.closeSync(fd);
      throw new IndexError(`the index is damaged (the vector file does not match the manifest); run \`npm run ingest\` to rebuild it`);
    }
    const vectors = new VectorFile(fd, count, dim);
    closeWhenCollected.register(vectors, fd, vectors);
    return vectors;
  }

  /** Closes the file now (otherwise it is closed when the object is collected). */
  close(): void {
    closeWhenCollected.unregister(this);
    fs.closeSync(this.fd);
  }

  /** Rows first … first + n − 1, one after another. */
  rows(first: number, n: number): Float32Array {
    if (first < 0 || n < 0 || first + n > this.count) throw new RangeError(`rows ${first}+${n} outside 0…${this.count}`);
    const out = new Float32Array(n * this.dim);
    const bytes = new Uint8Array(out.buffer);
    for (let done = 0; done < bytes.length; ) {
      const read = fs.readSync(this.fd, bytes, done, bytes.length - done, first * this.dim * 4 + done);
      if (read === 0) throw new IndexError(`the index is damaged (the vector file is cut short); run \`npm run ingest\` to rebuild it`);
      done += read;
    }
    return out;
  }
}

const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
});
