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

/** Bump when the files of a generation change shape: older indexes are then rebuilt. */
export const FORMAT_VERSION = 2;

export class IndexError extends Error {
  override name = 'IndexError';
}

export interface ManifestFile {
  corpusDir: string;
  source: string;
  sha256: string;
  bytes: number;
  mtimeMs: number;
  encoding: string;
  title: string;
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
  skipped: { file: string; reason: string }[];
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
  /** Offsets in the raw file. */
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
  const header = readHnswHeader(path.join(dir, FILES.hnsw));
  if (header && (header.count !== manifest.passageCount || header.dim !== manifest.model.dim)) {
    throw damaged(FILES.hnsw, `holds ${header.count} vectors of ${header.dim} dims, not ${manifest.passageCount} of ${manifest.model.dim}`);
  }
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

/** Writes a file atomically (temp file + fsync + rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Creates a new, empty generation folder. */
export function newGeneration(indexDir: string): { name: string; dir: string } {
  fs.mkdirSync(indexDir, { recursive: true });
  const name = `gen-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const dir = path.join(indexDir, name);
  fs.mkdirSync(dir);
  return { name, dir };
}

/** Makes a fully written generation the live one, then removes all but it and the one before. */
export function publishGeneration(indexDir: string, name: string): void {
  const previous = fs.existsSync(path.join(indexDir, 'CURRENT')) ? fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim() : null;
  writeFileAtomic(path.join(indexDir, 'CURRENT'), name + '\n');
  for (const entry of fs.readdirSync(indexDir)) {
    if (entry.startsWith('gen-') && entry !== name && entry !== previous) fs.rmSync(path.join(indexDir, entry), { recursive: true, force: true });
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

/** Takes the ingest lock, or throws if another live process holds it. Returns the release function. */
export function acquireLock(indexDir: string): () => void {
  fs.mkdirSync(indexDir, { recursive: true });
  const lock = path.join(indexDir, '.ingest.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) {
        throw new IndexError(`another ingest (pid ${holder}) is writing ${indexDir}; wait for it to finish`);
      }
      fs.rmSync(lock, { force: true }); // left by a process that died
    }
  }
  throw new IndexError(`cannot take the ingest lock in ${indexDir}`);
}

/** Removes generation folders that were never published (an ingest that died half way). */
export function removeUnpublished(indexDir: string): void {
  if (!fs.existsSync(indexDir)) return;
  const pointer = path.join(indexDir, 'CURRENT');
  const current = fs.existsSync(pointer) ? fs.readFileSync(pointer, 'utf8').trim() : '';
  // Generation names sort by creation time: anything newer than the live one was never published.
  for (const entry of fs.readdirSync(indexDir)) {
    if (entry.startsWith('gen-') && entry > current) fs.rmSync(path.join(indexDir, entry), { recursive: true, force: true });
  }
}

/** The vectors of a generation, row by row; IndexError when the file is missing or not count × dim. */
export function readVectors(dir: string, count: number, dim: number): Float32Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path.join(dir, FILES.vectors));
  } catch (err) {
    throw new IndexError(`index file ${FILES.vectors} is missing (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
  if (buf.byteLength !== count * dim * 4) {
    throw new IndexError(`the index is damaged (the vector file does not match the manifest); run \`npm run ingest\` to rebuild it`);
  }
  // A copy: a small file's buffer may sit at an offset a Float32Array cannot start at.
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
