/**
 * A process that works for the bot but must not slow its answers (the child that reads and ingests an
 * uploaded report, bot/report-child.ts) gives up the CPU first: every thread it has gets a lower
 * scheduling priority (REPORT_CHILD_NICENESS, default the lowest, nice 19). On Linux the priority belongs
 * to each thread, so each one under /proc/self/task is set, and the threads started later (onnxruntime's,
 * when the model loads) inherit it.
 * The load test measured why: at equal priority, a 170 KB upload on 2 busy cores took the users' p95
 * from 20.8 s to 36.1 s.
 */
import fs from 'node:fs';
import os from 'node:os';

export const LOWEST_PRIORITY = 19;

/** The nice value `steps` below this process's own (0: its own), at most LOWEST_PRIORITY. */
export function niceBelowOwn(steps: number): number {
  return Math.min(LOWEST_PRIORITY, os.getPriority() + steps);
}

/** Sets this process's threads to `nice`; returns the threads changed (0 where it cannot, e.g. not Linux). */
export function lowerOwnPriority(nice: number): number {
  let threads: number[];
  try {
    threads = fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0]; // no /proc: the calling thread, through the portable call
  }
  let changed = 0;
  for (const tid of threads) {
    try {
      os.setPriority(tid, nice);
      changed++;
    } catch {
      // a thread that just ended, or a system that does not allow it: that one keeps its priority
    }
  }
  return changed;
}

/** Sets another process's main thread to `nice` (the threads it starts afterwards inherit it); false where it cannot. */
export function lowerPriority(pid: number | undefined, nice: number): boolean {
  if (pid === undefined) return false;
  try {
    os.setPriority(pid, nice);
    return true;
  } catch {
    return false; // already gone, or not allowed: it runs at the bot's priority
  }
}
