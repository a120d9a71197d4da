/**
 * Options shared by every command-line tool (ingest, ask, eval, bench): `--corpus DIR` (repeatable)
 * and `--index DIR`, so any corpus set can be indexed and queried beside the default one.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Config, ConfigError, loadConfig, loadDotenv } from '../config.js';

export const SHARED_OPTIONS = {
  corpus: { type: 'string', multiple: true },
  index: { type: 'string' },
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const SHARED_HELP = `  --corpus DIR   a folder of reports (repeatable; default: corpus/ or CORPUS_DIRS)
  --index DIR    the index folder (default: index/ or INDEX_DIR)
  --model ID     embedding model id or local path (default: EMBED_MODEL)
  -h, --help     this help`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv with the shared options plus a tool's own, and builds the Config. */
export async function parseCommandLine<O extends ParseArgsConfig['options']>(argv: string[], own: O) {
  loadDotenv();
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...SHARED_OPTIONS, ...own }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values = parsed.values as Record<string, unknown>;
  const corpus = values.corpus as string[] | undefined;
  const config: Config = loadConfig({
    // Paths given on the command line are relative to where the command runs.
    corpusDirs: corpus?.map((d) => path.resolve(d)),
    indexDir: values.index ? path.resolve(values.index as string) : undefined,
    model: values.model ? { id: values.model as string } : undefined,
  });
  return { values, positionals: parsed.positionals, config };
}

/** Runs a tool's main: expected errors become one line on stderr and exit code 1 (2 for usage), never a stack trace. */
export function runMain(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: Error) => {
      const expected = ['UsageError', 'ConfigError', 'IndexError', 'ModelLoadError'].includes(err?.name) || err instanceof ConfigError;
      process.stderr.write(`error: ${expected ? err.message : (err?.message ?? String(err))}\n`);
      if (!expected && process.env.DEBUG) process.stderr.write(`${err?.stack}\n`);
      process.exitCode = err?.name === 'UsageError' ? 2 : 1;
    },
  );
}
