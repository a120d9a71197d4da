/**
 * Recent answers, kept so that the buttons under a message can page through its results.
 * The buttons carry only a short random key; this bounded LRU maps it back to the answer.
 * A key that has been evicted (or comes from before a restart) finds nothing: the bot then says
 * the answer has expired. Keys are random, so an old button never shows some other answer.
 *
 * With several bot processes behind a load balancer, a button press may reach another process than
 * the one that answered: given a shared folder, each answer is also written there (one small JSON file,
 * written whole then renamed into place, readable by its owner only: it holds a user's question) and a
 * key not in memory is looked up there. Files older than a day are removed, and the oldest beyond
 * `maxShared` files. A folder that cannot be written (a full disk) is a warning: the answer is sent, and
 * its buttons work on this process only.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Answer, ReportId, Result } from '../search/types.js';

const DAY_MS = 24 * 3600_000;
/** Answers kept in the shared folder at most (about 3 KB each), beyond which the oldest go. */
export const MAX_SHARED_ANSWERS = 5000;
/** The folder is looked over every this many answers (and at least hourly). */
const PRUNE_EVERY = 100;

export interface StoredAnswer {
  answer: Answer;
  /** Set when the answer is limited to one report ("all from this report"); `shown`: quotes already on screen, not repeated. */
  onlySource?: ReportId & { title: string; shown?: Pick<Result, 'source' | 'start' | 'end'>[] };
  /** Set once the answer went out as a rich message: its buttons edit it with rich messages too. */
  sentRich?: boolean;
}

export class AnswerStore {
  private readonly items = new Map<string, StoredAnswer>();

  private lastPrune = 0;
  private sharedSincePrune = 0;

  /**
   * @param sharedDir folder shared with the other bot processes (webhook mode), or none
   * @param opts.maxShared files kept in it at most; opts.warn: told when it cannot be written
   */
  constructor(
    readonly capacity: number,
    private readonly sharedDir?: string,
    private readonly opts: { maxShared?: number; warn?: (msg: string, err: unknown) => void } = {},
  ) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
    if (sharedDir) fs.mkdirSync(sharedDir, { recursive: true });
  }

  /** Stores an answer and returns its new key (8 URL-safe characters, 48 random bits). */
  put(entry: StoredAnswer): string {
    let key: string;
    do key = randomBytes(6).toString('base64url');
    while (this.items.has(key));
    this.remember(key, entry);
    if (this.sharedDir) {
      try {
        this.share(key, entry);
      } catch (err) {
        this.opts.warn?.(`cannot share an answer in ${this.sharedDir}; its buttons work on this process only`, err);
      }
    }
    return key;
  }

  private remember(key: string, entry: StoredAnswer): void {
    this.items.set(key, entry);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
  }

  private share(key: string, entry: StoredAnswer): void {
    const file = path.join(this.sharedDir!, `${key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    const now = Date.now();
    if (++this.sharedSincePrune < PRUNE_EVERY && now - this.lastPrune < 3600_000) return;
    this.sharedSincePrune = 0;
    this.lastPrune = now;
    this.prune(now);
  }

  /** Removes shared answers older than a day, then the oldest beyond maxShared. */
  private prune(now: number): void {
    const kept: { file: string; mtime: number }[] = [];
    for (const name of fs.readdirSync(this.sharedDir!)) {
      const file = path.join(this.sharedDir!, name);
      try {
        const mtime = fs.statSync(file).mtimeMs;
        if (now - mtime > DAY_MS) fs.rmSync(file, { force: true });
        else kept.push({ file, mtime });
      } catch {
        // removed by another process meanwhile
      }
    }
    const excess = kept.length - (this.opts.maxShared ?? MAX_SHARED_ANSWERS);
    if (excess <= 0) return;
    kept.sort((a, b) => a.mtime - b.mtime);
    for (const { file } of kept.slice(0, excess)) fs.rmSync(file, { force: true });
  }

  /** The answer under key, marked as recently used; undefined when unknown or evicted. */
  get(key: string): StoredAnswer | undefined {
    let entry = this.items.get(key);
    if (entry) this.items.delete(key);
    else if (this.sharedDir && /^[A-Za-z0-9_-]{8}$/.test(key)) {
      try {
        entry = JSON.parse(fs.readFileSync(path.join(this.sharedDir, `${key}.json`), 'utf8')) as StoredAnswer;
      } catch {
        return undefined; // made by no process, or removed after a day
      }
    }
    if (entry) this.remember(key, entry);
    return entry;
  }

  get size(): number {
    return this.items.size;
  }
}
