/**
 * The updates long polling has fetched, kept on disk until they are answered.
 *
 * Long polling confirms an update to Telegram as soon as the next batch is asked for, which the runner
 * does while the answers to the previous batch are still being searched and sent. A crash then (SIGKILL,
 * power loss, out of memory) used to drop every question fetched but not yet answered: Telegram would
 * not send them again. So every fetched batch is appended to this journal (and flushed to disk) before
 * the runner sees it, each answered update is marked, and at the next start the updates never marked
 * are answered first. An update Telegram sends again (it had not been confirmed yet) is recognised by
 * its id and not answered twice.
 *
 * One JSON object per line: {"fetched": Update} | {"answered": id}. A last line cut short by a crash is
 * ignored. Ids are compared as a set, never by order: Telegram may restart its numbering after a quiet week.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { writeFileAtomic } from '../index/store.js';

/** Past this many lines with nothing pending, the file is rewritten to its one-line summary. */
const COMPACT_AFTER_LINES = 6000;
/**
 * Answered ids remembered (in memory and across a compaction): Telegram re-sends at most the last
 * unconfirmed batch (100 updates), so a window of these is plenty.
 */
const REMEMBERED_IDS = 2000;

type Entry = { fetched: Update } | { answered: number };

export class UpdateJournal {
  /** Fetched, not yet answered, by id (in fetch order). */
  private readonly pending = new Map<number, Update>();
  /** Ids taken in hand in this process, or answered before (most recent last, bounded). */
  private readonly handled = new Set<number>();
  /** Unanswered updates found at open: they are answered by replay, never again when re-sent. */
  private readonly leftOver: Update[];
  private lines = 0;
  private fd: number;

  private constructor(private readonly file: string) {
    for (const entry of readEntries(file)) {
      if ('fetched' in entry) {
        this.pending.set(entry.fetched.update_id, entry.fetched);
      } else if ('answered' in entry) {
        this.pending.delete(entry.answered);
        this.remember(entry.answered);
      }
    }
    this.leftOver = [...this.pending.values()];
    this.compact();
    this.fd = fs.openSync(file, 'a');
  }

  /** Opens (or creates) the journal at `file`. */
  static open(file: string): UpdateJournal {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return new UpdateJournal(file);
  }

  /** Updates fetched before the last stop and never answered, oldest first. */
  unanswered(): Update[] {
    return [...this.leftOver];
  }

  /** How many fetched updates are not answered yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** An API transformer that journals every batch getUpdates returns, before the runner gets it. */
  recorder(): Transformer {
    return async (prev, method, payload, signal) => {
      const res = await prev(method, payload, signal);
      if (method === 'getUpdates' && res.ok && Array.isArray(res.result)) this.fetched(res.result as Update[]);
      return res;
    };
  }

  /** Records a fetched batch and flushes it to disk. */
  fetched(updates: Update[]): void {
    const fresh = updates.filter((u) => !this.pending.has(u.update_id) && !this.handled.has(u.update_id));
    if (fresh.length === 0) return;
    for (const u of fresh) this.pending.set(u.update_id, u);
    this.append(fresh.map((u) => ({ fetched: u })));
    fs.fsyncSync(this.fd);
  }

  /**
   * Called as an update is about to be handled: false when it must not be (it was answered before,
   * or is in hand already: Telegram sent it again).
   */
  begin(update: Update): boolean {
    if (this.handled.has(update.update_id)) return false;
    this.remember(update.update_id);
    return true;
  }

  private remember(id: number): void {
    this.handled.delete(id);
    this.handled.add(id);
    if (this.handled.size > REMEMBERED_IDS) this.handled.delete(this.handled.values().next().value!);
  }

  /** Marks an update answered (or given up on: its handler failed and the user was told). */
  answered(update: Update): void {
    if (!this.pending.delete(update.update_id)) return;
    this.append([{ answered: update.update_id }]);
    if (this.pending.size === 0 && this.lines > COMPACT_AFTER_LINES) {
      fs.closeSync(this.fd);
      this.compact();
      this.fd = fs.openSync(this.file, 'a');
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private append(entries: Entry[]): void {
    fs.writeSync(this.fd, entries.map((e) => JSON.stringify(e) + '\n').join(''));
    this.lines += entries.length;
  }

  /** Rewrites the file as the recently answered ids plus what is pending. */
  private compact(): void {
    const answered = [...this.handled].filter((id) => !this.pending.has(id));
    const entries: Entry[] = [...answered.map((id) => ({ answered: id })), ...[...this.pending.values()].map((u) => ({ fetched: u }))];
    writeFileAtomic(this.file, entries.map((e) => JSON.stringify(e) + '\n').join(''));
    this.lines = entries.length;
  }
}

function readEntries(file: string): Entry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as Entry);
    } catch {
      // a line cut short by a crash: what it recorded was never confirmed as handled
    }
  }
  return entries;
}
