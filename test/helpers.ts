/** Shared test fixtures: configs that use the bundled stand-in model and temporary index folders. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, type ConfigOverrides, loadConfig, PROJECT_ROOT, STANDIN_MODEL_ID } from '../src/config.js';

export const SEED_CORPUS = path.join(PROJECT_ROOT, 'corpus');
export const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
export const DEV_SET = path.join(SHARED, 'eval', 'dev.jsonl');

/** Environment for child processes and configs: the stand-in model, never the network. */
export const STANDIN_ENV = { EMBED_MODEL: STANDIN_MODEL_ID, ALLOW_REMOTE_MODELS: 'false' };

export function tempDir(prefix = 'rqb-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Uploads in tests run at the test's own priority (REPORT_CHILD_NICENESS 0): on a machine busy with
 * other work a child at nice 19 may wait minutes for the CPU. test/bot/low-priority.test.ts checks 19.
 */
export function testConfig(overrides: ConfigOverrides = {}): Config {
  // The plain emulator lacks sendRichMessage: rich messages are tested on their own (test/bot/rich.e2e.test.ts).
  return loadConfig({ corpusDirs: [SEED_CORPUS], ...overrides }, { ...STANDIN_ENV, REPORT_CHILD_NICENESS: '0', RICH_MESSAGES: 'off' });
}

/** A copy of the seed corpus that a test may change. */
export function copyOfSeeds(): string {
  const dir = tempDir('rqb-corpus-');
  for (const f of fs.readdirSync(SEED_CORPUS)) fs.copyFileSync(path.join(SEED_CORPUS, f), path.join(dir, f));
  return dir;
}
