/**
 * The conversation memory (conversation.ts) shared by the bot processes behind a load balancer: a
 * follow-up ("那史村镇呢？", "详细点") may reach another process than the question before it. Each chat's
 * last turn is also written to STATE_DIR/conversations/<chat>.json (written whole, renamed into place,
 * owner-only: it holds a user's question), and read from there first; the process's own memory is the
 * fallback when the folder cannot be read or written (a full disk: a warning, follow-ups then work on
 * that process only). Files past the memory's time-to-live are removed, and the oldest beyond capacity.
 * With several machines, issue 23 moves this (and the shared answers) to Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Answer } from '../search/types.js';
import { ChatMemory, type Turn } from './conversation.js';

/** The folder is looked over every this many turns. */
const PRUNE_EVERY = 100;

interface StoredTurn extends Turn {
  at: number;
}

export class SharedChatMemory extends ChatMemory {
  private sincePrune = 0;

  constructor(
    ttlMs: number,
    capacity: number,
    readonly dir: string,
    private readonly warn: (msg: string, err: unknown) => void = () => {},
  ) {
    super(ttlMs, capacity);
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(chat: string | number): string {
    return path.join(this.dir, `${String(chat).replace(/[^0-9A-Za-z_-]/g, '_')}.json`);
  }

  override get(chat: string | number): Turn | undefined {
    let stored: StoredTurn;
    try {
      stored = JSON.parse(fs.readFileSync(this.file(chat), 'utf8')) as StoredTurn;
    } catch {
      return super.get(chat); // none shared (or unreadable): what this process remembers
    }
    if (typeof stored?.question !== 'string' || !(Date.now() - stored.at <= this.ttlMs)) return undefined;
    return { question: stored.question, ...(typeof stored.source === 'string' ? { source: stored.source } : {}) };
  }

  override remember(chat: string | number, question: string, answer?: Answer): void {
    super.remember(chat, question, answer);
    if (this.ttlMs <= 0) return;
    const turn = super.get(chat);
    if (!turn) return;
    const file = this.file(chat);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify({ ...turn, at: Date.now() } satisfies StoredTurn), { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      this.warn(`cannot share the conversation of chat ${chat} in ${this.dir}; its follow-ups work on this process only`, err);
      return;
    }
    if (++this.sincePrune >= PRUNE_EVERY) {
      this.sincePrune = 0;
      this.prune();
    }
  }

  /** Removes turns past the time-to-live, then the oldest beyond capacity. */
  private prune(): void {
    const now = Date.now();
    const kept: { file: string; mtime: number }[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      try {
        const mtime = fs.statSync(file).mtimeMs;
        if (now - mtime > this.ttlMs) fs.rmSync(file, { force: true });
        else kept.push({ file, mtime });
      } catch {
        // removed by another process meanwhile
      }
    }
    kept.sort((a, b) => a.mtime - b.mtime);
    for (const { file } of kept.slice(0, Math.max(0, kept.length - this.capacity))) fs.rmSync(file, { force: true });
  }
}
