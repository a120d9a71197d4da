/**
 * Where the benchmark finds its inputs. The seed reports live in the repo (corpus/); the
 * large distractor corpus and the dev set live in the shared folder beside the repo
 * (../shared), which CI also has. Flags override each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

export const SHARED_DIR = path.resolve(PROJECT_ROOT, '..', 'shared');

export interface BenchPaths {
  seedDirs: string[];
  /** ../shared/corpus-large, or null when absent. */
  largeDir: string | null;
  evalFile: string;
}

export function benchPaths(flags: { corpus?: string[]; eval?: string } = {}): BenchPaths {
  const seedDirs = flags.corpus?.length ? flags.corpus.map((d) => path.resolve(d)) : [path.join(PROJECT_ROOT, 'corpus')];
  const large = path.join(SHARED_DIR, 'corpus-large');
  const evalFile = flags.eval ? path.resolve(flags.eval) : path.join(SHARED_DIR, 'eval', 'dev.jsonl');
  if (!fs.existsSync(evalFile)) throw new Error(`dev set not found: ${evalFile} (pass --eval FILE)`);
  return { seedDirs, largeDir: fs.existsSync(large) ? large : null, evalFile };
}
