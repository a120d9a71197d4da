/**
 * Claims on webhook updates, shared by every bot process that uses the same folder, so that an update
 * Telegram delivers twice is answered once, whichever process gets it.
 *
 * Telegram re-delivers an update when its webhook call failed or timed out: behind a load balancer the
 * second delivery usually reaches another process. Before handling update U a process claims it; after
 * the reply is sent it marks U done. A later delivery of U finds it done (answered: acknowledged, not
 * handled again), claimed by a live process (being answered: "busy", Telegram retries later), or claimed
 * by a dead one (its process was killed mid-answer: the claim is taken over and U answered).
 *
 * Why files: the processes of one machine share a folder for free (no server to run), and two file
 * operations are atomic on a local file system: link(2) of a fully written temporary file fails with
 * EEXIST when the name exists (so a claim is never seen half-written, and exactly one process wins a
 * name), and existence of `U.done` is a plain fact. A takeover does not delete the dead claim (a
 * read-then-delete race would let two processes in); it claims the next attempt, `U.2`, `U.3`, …, which
 * again exactly one process can create.
 *
 * A claim is dead when its process is gone: on this machine, checked by pid and the process's start
 * time (pids are reused); from another machine or container (another hostname: its pids mean nothing
 * here), when its lease ran out. The one window left is a process killed after Telegram took its reply
 * but before it wrote `U.done`: that update is answered twice. No claim scheme can close it, as the Bot
 * API has no idempotent send; it is a few milliseconds per kill (see docs/DEPLOY.md).
 *
 * Files live in one folder per 1,000 update ids. Folders older than a day are removed (Telegram keeps
 * an undelivered update for 24 hours), and so are, after ten minutes, those of ids far from the ones
 * arriving now, so that the folder stays small under heavy traffic (about two files per update of the
 * last two thousand): a re-delivery of an update that old and answered already is answered again.
 *
 * The folder may become unwritable (a full disk): claim() and done() then throw, and the webhook answers
 * without a claim (at least once; counted in /metrics), and /healthz reports it (probe()).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExclusive, pidAlive } from '../index/store.js';

export type ClaimResult = 'mine' | 'done' | 'busy';

const SHARD = 1000;
const DAY_MS = 24 * 3600_000;
/** Folders of ids more than a shard away from the ids arriving now are kept this long. */
const FAR_SHARD_MS = 10 * 60_000;

/** Start time of a process (clock ticks since boot, from /proc), '' when it cannot be read. */
function processStart(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

interface Owner {
  host: string;
  pid: number;
  start: string;
  /** When the claim was made (ms since epoch). */
  at: number;
}

export class UpdateClaims {
  private readonly me: Owner;
  private readonly host = os.hostname();
  private lastPrune = 0;

  /**
   * @param dir folder shared by the processes (created if missing)
   * @param leaseMs how long a claim of a process on another machine counts as alive; longer than an
   *   answer can take (the webhook answers Telegram after at most 20 s)
   */
  constructor(
    readonly dir: string,
    private readonly leaseMs = 60_000,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.me = { host: this.host, pid: process.pid, start: processStart(process.pid), at: 0 };
  }

  private file(updateId: number, suffix: string): string {
    return path.join(this.dir, String(Math.floor(updateId / SHARD)), `${updateId}.${suffix}`);
  }

  private alive(owner: Owner): boolean {
    if (owner.host !== this.host) return Date.now() - owner.at < this.leaseMs;
    if (owner.start === '') return pidAlive(owner.pid); // written where /proc could not be read
    return processStart(owner.pid) === owner.start; // '' once the process is gone; another start if the pid was reused
  }

  /** Claims an update: 'mine' (handle it, then call done), 'done' (answered already), 'busy' (being answered). */
  claim(updateId: number): ClaimResult {
    this.pruneNow(Math.floor(updateId / SHARD));
    for (let attempt = 1; ; attempt++) {
      if (fs.existsSync(this.file(updateId, 'done'))) return 'done';
      const name = this.file(updateId, String(attempt));
      fs.mkdirSync(path.dirname(name), { recursive: true });
      // Written whole, then linked into place: exactly one process wins the name, and no one reads it half-written.
      if (createExclusive(name, JSON.stringify({ ...this.me, at: Date.now() }))) return 'mine';
      let owner: Owner;
      try {
        owner = JSON.parse(fs.readFileSync(name, 'utf8')) as Owner;
      } catch {
        continue; // unreadable: pruned meanwhile, or foreign junk; try the next attempt
      }
      if (owner.host === this.me.host && owner.pid === this.me.pid && owner.start === this.me.start) return 'busy'; // ours, still going
      if (this.alive(owner)) return fs.existsSync(this.file(updateId, 'done')) ? 'done' : 'busy';
    }
  }

  /** Marks an update answered: later deliveries of it are acknowledged without answering. */
  done(updateId: number): void {
    createExclusive(this.file(updateId, 'done'), '');
  }

  /** Null when claims can be written in the folder now; otherwise why not (a full disk, say). */
  probe(): string | null {
    const file = path.join(this.dir, `.probe-${process.pid}`);
    try {
      fs.writeFileSync(file, JSON.stringify({ ...this.me, at: Date.now() }));
      return null;
    } catch (err) {
      return `cannot write claims in ${this.dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /**
   * Removes the folders of updates older than a day, and those of ids far from `current` older than
   * FAR_SHARD_MS: at most once a minute, and whenever ids move to a new folder.
   */
  private lastShard = NaN;
  private pruneNow(current: number): void {
    const now = Date.now();
    if (now - this.lastPrune < 60_000 && current === this.lastShard) return;
    this.lastPrune = now;
    this.lastShard = current;
    for (const shard of fs.readdirSync(this.dir)) {
      const dir = path.join(this.dir, shard);
      try {
        const age = now - fs.statSync(dir).mtimeMs;
        const far = /^\d+$/.test(shard) && Math.abs(Number(shard) - current) > 1;
        if (age > DAY_MS || (far && age > FAR_SHARD_MS)) fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // removed by another process meanwhile
      }
    }
  }
}
