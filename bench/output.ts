/** Where benchmark figures are kept: one JSON file per run under bench/results/. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

/**
 * Writes `<dir>/<name>-<UTC timestamp>.json` (written to a .tmp first, then renamed, so a
 * reader never sees half a file) and returns its path.
 */
export function saveResults(name: string, figures: unknown, dir = RESULTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${name}-${stamp}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(figures, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

/** The machine a figure was measured on: figures mean little without it. */
export function machineInfo() {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memGb: Math.round(os.totalmem() / 1024 ** 3),
    at: new Date().toISOString(),
  };
}

/** Bytes of all files under a folder (the index on disk). */
export function folderBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? folderBytes(p) : e.isFile() ? fs.statSync(p).size : 0;
  }
  return n;
}
