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
 * One JSON object per line: {"fetched": Update} | {"answered": id} | {"replaying": id}. A last line cut
 * short by a crash is ignored; a line of another shape is skipped with a warning naming the file. Ids are
 * compared as a set, never by order: Telegram may restart its numbering after a quiet week.
 *
 * An update that crashes the bot (an upload that runs it out of memory, say) would crash it again at
 * every start if it were replayed forever: a replay is recorded first ("replaying"), and an update still
 * unanswered after its replay is given up on at the next start (the caller tells its sender).
 *
 * The journal never stops the bot: a file that cannot be read, rewritten or opened at start is a warning
 * (the bot then answers without crash protection); a failed write of a fetched batch fails that
 * getUpdates call, so that the batch stays unconfirmed and Telegram sends it again (the runner retries),
 * until the disk has failed for JOURNAL_GRACE_MS, after which batches are answered unprotected (warned)
 * rather than not at all. The file holds users' messages: it is readable by its owner only (0600).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { writeFileAtomic } from '../index/store.js';
import { type Logger, silentLogger } from './log.js';

/** Past this many lines with nothing pending, the file is rewritten to its one-line summary. */
const COMPACT_AFTER_LINES = 6000;
/**
 * Answered ids remembered (in memory and across a compaction): Telegram re-sends at most the last
 * unconfirmed batch (100 updates), so a window of these is plenty.
 */
const REMEMBERED_IDS = 2000;
/** How long fetched batches are held back (not confirmed to Telegram) while the journal cannot be written. */
export const JOURNAL_GRACE_MS = 60_000;
/** The journal holds users' names and questions. */
const PRIVATE_FILE = 0o600;

type Entry = { fetched: Update } | { answered: number } | { replaying: number };

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The entry a parsed line holds, or null when it is of no shape the journal writes. */
function asEntry(value: unknown): Entry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if ('fetched' in v) {
    const u = v.fetched as Update | null;
    return typeof u === 'object' && u !== null && isId(u.update_id) ? { fetched: u } : null;
  }
  if ('answered' in v) return isId(v.answered) ? { answered: v.answered } : null;
  if ('replaying' in v) return isId(v.replaying) ? { replaying: v.replaying } : null;
  return null;
}

export class UpdateJournal {
  /** Fetched, not yet answered, by id (in fetch order). */
  private readonly pending = new Map<number, Update>();
  /** Ids taken in hand in this process, or answered before (most recent last, bounded). */
  private readonly handled = new Set<number>();
  /** Unanswered updates found at open: they are answered by replay, never again when re-sent. */
  private readonly leftOver: Update[] = [];
  /** Unanswered updates found at open that had been replayed once already: not tried again. */
  private readonly abandoned: Update[] = [];
  private lines = 0;
  /** Open for appending; undefined while the file cannot be written (answers go on, unprotected). */
  private fd: number | undefined;
  /** The file's length after the last whole write: a write cut short is cut back to it. */
  private size = 0;
  /** Since when writes have failed (undefined while they succeed). */
  private failingSince: number | undefined;

  private constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {
    const replayed = new Set<number>();
    for (const entry of readEntries(file, log)) {
      if ('fetched' in entry) {
        this.pending.set(entry.fetched.update_id, entry.fetched);
      } else if ('answered' in entry) {
        this.pending.delete(entry.answered);
        this.remember(entry.answered);
      } else {
        replayed.add(entry.replaying);
      }
    }
    for (const update of this.pending.values()) (replayed.has(update.update_id) ? this.abandoned : this.leftOver).push(update);
    // Given up on: answered as far as the journal goes (never replayed again, nor answered if re-sent).
    for (const update of this.abandoned) {
      this.pending.delete(update.update_id);
      this.remember(update.update_id);
    }
    this.compact();
    this.openForAppend();
  }

  /** Opens (or creates) the journal at `file`. Never throws for a file it cannot use: it warns and answers on. */
  static open(file: string, log: Logger = silentLogger): UpdateJournal {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      log.warn(`cannot create the folder of the update journal ${file}`, err);
    }
    return new UpdateJournal(file, log);
  }

  /** Updates fetched before the last stop and never answered, oldest first (each replayed once: see replaying). */
  unanswered(): Update[] {
    return [...this.leftOver];
  }

  /** Updates left unanswered by a crash during their replay: not replayed again; their senders should be told. */
  givenUp(): Update[] {
    return [...this.abandoned];
  }

  /** Whether fetched batches are being recorded (false while the file cannot be written). */
  get writable(): boolean {
    return this.fd !== undefined && this.failingSince === undefined;
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

  /**
   * Records a fetched batch and flushes it to disk; the updates count as pending only once written.
   * Throws while a write fails (for at most JOURNAL_GRACE_MS): the batch is then not confirmed to Telegram.
   */
  fetched(updates: Update[]): void {
    const fresh = updates.filter((u) => !this.pending.has(u.update_id) && !this.handled.has(u.update_id));
    if (fresh.length === 0) return;
    try {
      this.append(fresh.map((u) => ({ fetched: u })));
    } catch (err) {
      const since = (this.failingSince ??= Date.now());
      if (Date.now() - since < JOURNAL_GRACE_MS) {
        this.log.warn(`cannot write the update journal ${this.file}; the updates are fetched again once it can be written`, err);
        throw new Error(`the update journal cannot be written (${(err as Error).message})`);
      }
      this.log.warn(`the update journal ${this.file} has failed for ${Math.round((Date.now() - since) / 1000)} s: answering ${fresh.length} update(s) without crash protection`, err);
      return;
    }
    if (this.failingSince !== undefined) this.log.info(`the update journal ${this.file} can be written again`);
    this.failingSince = undefined;
    for (const u of fresh) this.pending.set(u.update_id, u);
  }

  /** Records that a left-over update is being replayed (before it is): a crash during it gives it up. */
  replaying(update: Update): void {
    try {
      this.append([{ replaying: update.update_id }]);
    } catch (err) {
      this.log.warn(`cannot write the update journal ${this.file}`, err);
    }
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

  /** Marks an update answered (or given up on: its handler failed and the user was told). Never throws. */
  answered(update: Update): void {
    if (!this.pending.delete(update.update_id)) return;
    try {
      this.append([{ answered: update.update_id }]);
    } catch (err) {
      // At worst the update is answered again after a crash.
      this.log.warn(`cannot mark update ${update.update_id} answered in the update journal ${this.file}`, err);
      return;
    }
    if (this.pending.size === 0 && this.lines > COMPACT_AFTER_LINES) {
      this.closeFd();
      this.compact();
      this.openForAppend();
    }
  }

  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private openForAppend(): void {
    try {
      this.fd = fs.openSync(this.file, 'a', PRIVATE_FILE);
      fs.fchmodSync(this.fd, PRIVATE_FILE); // a journal written by an older version was 0644
      this.size = fs.fstatSync(this.fd).size;
    } catch (err) {
      this.closeFd();
      this.log.warn(`cannot open the update journal ${this.file}; answering without crash protection`, err);
    }
  }

  /** Appends whole lines and flushes them; a write cut short (a full disk) is cut back off, and throws. */
  private append(entries: Entry[]): void {
    if (this.fd === undefined) this.openForAppend();
    if (this.fd === undefined) throw new Error('the update journal is not open');
    const data = Buffer.from(entries.map((e) => JSON.stringify(e) + '\n').join(''));
    try {
      // write(2) may write part and return: the rest is written (or fails) by the next call.
      for (let done = 0; done < data.length; ) done += fs.writeSync(this.fd, data, done);
      fs.fsyncSync(this.fd);
    } catch (err) {
      // A half line would swallow the next whole one: the file goes back to its last whole line.
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // the next start skips the broken line
      }
      throw err;
    }
    this.size += data.length;
    this.lines += entries.length;
  }

  /** Rewrites the file as the recently answered ids plus what is pending; a file that cannot be rewritten stays as it is. */
  private compact(): void {
    const answered = [...this.handled].filter((id) => !this.pending.has(id));
    const entries: Entry[] = [...answered.map((id) => ({ answered: id })), ...[...this.pending.values()].map((u) => ({ fetched: u }))];
    try {
      writeFileAtomic(this.file, entries.map((e) => JSON.stringify(e) + '\n').join(''), PRIVATE_FILE);
      this.lines = entries.length;
    } catch (err) {
      this.log.warn(`cannot rewrite the update journal ${this.file}; it is kept as it is`, err);
    }
  }
}

function readEntries(file: string, log: Logger): Entry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`cannot read the update journal ${file}; starting without it`, err);
    return [];
  }
  const entries: Entry[] = [];
  const lines = text.split('\n');
  let wrong = 0;
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // the last line cut short by a crash: what it recorded was never confirmed as handled
      if (i < lines.length - 1) wrong++;
      continue;
    }
    const entry = asEntry(value);
    if (entry) entries.push(entry);
    else wrong++;
  }
  if (wrong > 0) log.warn(`skipped ${wrong} line(s) of the update journal ${file} that are not journal entries`);
  return entries;
}
