/**
 * Adding or removing a report from the chat, in a child process: reading an untrusted file (a ZIP bomb
 * in a .docx, a PDF of 20,000 pages) and the ingest (reading, embedding, building the index) run there,
 * never on the bot's event loop, so other users' questions are answered meanwhile, and a file that needs
 * more memory or time than a report may take kills the child, not the bot. The child has a heap limit
 * (CHILD_HEAP_MB), and reading the file a time limit (READ_TIMEOUT_MS); the whole change a longer one.
 * Only the swap to the new index (the live searcher's refresh) is done by the bot, afterwards.
 *
 * The child gets one request over IPC, answers with the result (or the ReportError's words), and exits.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { IngestProgress } from '../index/ingest.js';
import { type AddedReport, addReport, type RemovedReport, removeReport, ReportError, type ReportErrorCode } from '../index/reports.js';
import { readManifest } from '../index/store.js';
import { lowerOwnPriority, lowerPriority, niceBelowOwn } from './low-priority.js';

/** Heap of the child, in MB: a report's text, its passages and an index update fit well within it. */
export const CHILD_HEAP_MB = 512;
/** Longest time reading an uploaded file may take (PDF extraction of a few hundred pages takes seconds). */
export const READ_TIMEOUT_MS = 60_000;
/** Longest time a whole change may take (reading, embedding the new passages, writing the index). */
export const CHANGE_TIMEOUT_MS = 15 * 60_000;

export type ReportChange = { kind: 'add'; name: string; data: Buffer } | { kind: 'remove'; query: string };

type FromChild =
  | { log: string }
  /** The file was read; what follows is the ingest. */
  | { read: true }
  /** The upload was stored under this name in the corpus folder (so a child dying later leaves no stray file). */
  | { stored: string }
  | { added: AddedReport }
  | { removed: RemovedReport }
  | { refused: string; code: ReportErrorCode; names: string[] }
  /** How far the index update is (a large file takes minutes to embed). */
  | { progress: IngestProgress }
  | { failed: string };

interface Request {
  config: Config;
  change: ReportChange;
  /** The nice value the child sets on each of its threads (undefined: the bot's own priority). */
  nice?: number;
}

export interface ChildOptions {
  log?: (message: string) => void;
  readTimeoutMs?: number;
  changeTimeoutMs?: number;
  heapMb?: number;
  onProgress?: (p: IngestProgress) => void;
}

/**
 * Adds or removes a report in a child process. Resolves with what was added or removed; rejects with a
 * ReportError (words for the admin: nothing was changed) or another error.
 */
export function changeInChild(config: Config, change: ReportChange, opts: ChildOptions = {}): Promise<AddedReport | RemovedReport> {
  // One change at a time from this bot: a second upload waits for the first instead of finding the index locked.
  const run = queue.then(() => runChild(config, change, opts));
  queue = run.catch(() => {});
  return run;
}
let queue: Promise<unknown> = Promise.resolve();

function runChild(config: Config, change: ReportChange, opts: ChildOptions): Promise<AddedReport | RemovedReport> {
  const log = opts.log ?? (() => {});
  const heapMb = opts.heapMb ?? CHILD_HEAP_MB;
  const entry = new URL('./report-child-entry.mjs', import.meta.url);
  const child = fork(entry, [], { execArgv: [`--max-old-space-size=${heapMb}`], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  // At once, so that its start (loading and compiling the sources) already yields to the bot; the child
  // then lowers each of its threads itself (low-priority.ts).
  const nice = config.bot.reportChildNiceness > 0 ? niceBelowOwn(config.bot.reportChildNiceness) : undefined;
  if (nice !== undefined) lowerPriority(child.pid, nice);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    let result: FromChild | undefined;
    let stored: string | undefined;
    let why: string | undefined;
    const kill = (reason: string) => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    let timer = setTimeout(() => kill(`reading it took longer than ${Math.round((opts.readTimeoutMs ?? READ_TIMEOUT_MS) / 1000)} s`), opts.readTimeoutMs ?? READ_TIMEOUT_MS);
    child.on('message', (msg: FromChild) => {
      if ('log' in msg) return log(msg.log);
      if ('progress' in msg) return opts.onProgress?.(msg.progress);
      if ('read' in msg) {
        clearTimeout(timer);
        timer = setTimeout(() => kill(`the update took longer than ${Math.round((opts.changeTimeoutMs ?? CHANGE_TIMEOUT_MS) / 60_000)} min`), opts.changeTimeoutMs ?? CHANGE_TIMEOUT_MS);
        return;
      }
      if ('stored' in msg) return void (stored = msg.stored);
      result = msg;
    });
    child.on('error', (err) => kill(err.message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result && 'added' in result) return resolve(result.added);
      if (result && 'removed' in result) return resolve(result.removed);
      if (result && 'refused' in result) return reject(new ReportError(result.refused, result.code, result.names));
      if (result && 'failed' in result) return reject(new Error(result.failed));
      // Died before answering: out of memory, out of time, or killed.
      if (stored) removeStray(config, stored);
      const outOfMemory = /heap limit|out of memory/i.test(stderr);
      const reason = why ?? (outOfMemory ? `reading it needs more than ${heapMb} MB of memory` : `the reader stopped (${signal ?? `exit code ${code}`})`);
      reject(new ReportError(reason, why ? 'too-slow' : outOfMemory ? 'too-complex' : 'damaged'));
    });
    child.send({ config, change, nice } satisfies Request);
  });
}

/** An upload stored by a child that died before its index was published: taken out of the folder again. */
function removeStray(config: Config, name: string): void {
  const dir = config.corpusDirs[0]!;
  if (readManifest(config.indexDir)?.files.some((f) => f.corpusDir === dir && f.source === name)) return;
  fs.rmSync(path.join(dir, name), { force: true });
}

/** The child's side: one request, one answer, exit. */
async function serve(request: Request): Promise<void> {
  const send = (msg: FromChild) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
  const { config, change, nice } = request;
  const log = (message: string) => void send({ log: message });
  // The bot's answers come first: this child takes the CPU they leave.
  if (nice !== undefined) log(`report child ${process.pid}: ${lowerOwnPriority(nice)} threads at priority ${nice} (nice)`);
  try {
    if (change.kind === 'add') {
      const added = await addReport(config, change.name, Buffer.from(change.data), {
        log,
        onRead: () => void send({ read: true }),
        onStored: (name) => void send({ stored: name }),
        onProgress: (progress) => void send({ progress }),
      });
      await send({ added });
    } else {
      await send({ read: true });
      await send({ removed: await removeReport(config, change.query, { log }) });
    }
  } catch (err) {
    await send(err instanceof ReportError ? { refused: err.message, code: err.code, names: err.names } : { failed: (err as Error).message ?? String(err) });
  }
  process.disconnect();
}

if (process.send && process.argv[1]?.includes('report-child')) {
  process.once('message', (request: Request) => void serve(request));
}
