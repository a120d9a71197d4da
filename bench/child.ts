/**
 * Benchmark steps that run in a fresh process, so that their peak memory is the process's own
 * (process.resourceUsage().maxRSS, exact, rather than sampled) and a cold start is really cold.
 *
 *   node [--import tsx] bench/child.ts <ingest|cold|peer|scale> '<json args>'
 *
 * Run from dist/ (npm run bench), the steps run on plain node, as `npm run ingest` and `npm start` do.
 *
 * The figures come back as the last stdout line, prefixed with RESULT_PREFIX; anything else the
 * step prints goes to stderr.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, PROJECT_ROOT, SERVING_NODE_FLAGS, type ConfigOverrides } from '../src/config.js';
import { ingest, type IngestProgress } from '../src/index/ingest.js';
import { openSearcher } from '../src/search/searcher.js';
import { folderBytes } from './output.js';
// Types only: each step loads its own code, so that a step's peak RSS is not the others' (LangChain ~40 MB).
import type { PeerOptions } from './peer.js';
import type { ScaleOptions } from './scale.js';
import { round } from './stats.js';

export const RESULT_PREFIX = 'BENCH_RESULT ';
const CHILD_FILE = fileURLToPath(import.meta.url);

export type ChildMode = 'ingest' | 'cold' | 'peer' | 'scale' | 'showpage';

/**
 * Ingest with the time of each phase. IngestProgress events only say which phase is running,
 * so a phase lasts from its first event to the first event of the next one.
 */
async function ingestStep(overrides: ConfigOverrides) {
  const config = loadConfig(overrides);
  const firstSeen = new Map<IngestProgress['phase'], number>();
  const t0 = performance.now();
  const summary = await ingest(config, {
    onProgress: (p) => {
      if (!firstSeen.has(p.phase)) firstSeen.set(p.phase, performance.now());
    },
    log: (m) => process.stderr.write(`  ingest: ${m}\n`),
  });
  const end = performance.now();
  const starts = [...firstSeen.entries()].sort((a, b) => a[1] - b[1]);
  const phaseSeconds: Record<string, number> = {};
  starts.forEach(([phase, at], i) => (phaseSeconds[phase] = round(((starts[i + 1]?.[1] ?? end) - at) / 1000, 3)));
  return { summary, wallSeconds: round((end - t0) / 1000, 3), phaseSeconds, indexBytes: folderBytes(config.indexDir) };
}

/**
 * Process start → index opened → first answer, as a user starting the bot would wait; then the
 * serving figures of issue 12: `questions` more answers (latency with the query embedding), whose
 * process peak RSS is what a small server must hold.
 */
async function coldStep(args: { overrides: ConfigOverrides; question: string; questions?: string[] }) {
  const config = loadConfig(args.overrides);
  const t0 = performance.now();
  const searcher = await openSearcher(config, { warmUp: true }); // as the bot opens it (live.ts)
  const opened = performance.now();
  const answer = await searcher.search(args.question);
  const answered = performance.now();
  const times: number[] = [];
  for (const q of args.questions ?? []) {
    const t = performance.now();
    await searcher.search(q);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => (times.length ? round(times[Math.min(times.length - 1, Math.floor(p * times.length))]!, 1) : 0);
  return {
    servedQuestions: times.length,
    serveP50Ms: at(0.5),
    serveP95Ms: at(0.95),
    // process.uptime() counts from the start of this process, so it includes node + tsx loading.
    startToFirstAnswerMs: round(process.uptime() * 1000, 1),
    openMs: round(opened - t0, 1),
    firstSearchMs: round(answered - opened, 1),
    answered: !answer.abstained,
  };
}

async function main(): Promise<void> {
  const [mode, json] = process.argv.slice(2) as [ChildMode, string];
  const args = JSON.parse(json ?? '{}');
  let figures: unknown;
  if (mode === 'ingest') figures = await ingestStep(args as ConfigOverrides);
  else if (mode === 'cold') figures = await coldStep(args);
  else if (mode === 'peer') figures = await (await import('./peer.js')).runPeer({ ...(args as PeerOptions), log: (m) => process.stderr.write(`  ${m}\n`) });
  // Scale in a fresh process too: its RSS deltas are meaningless in a heap full of earlier steps.
  else if (mode === 'scale') figures = await (await import('./scale.js')).runScale({ ...(args as Partial<ScaleOptions>), log: (m) => process.stderr.write(`${m}\n`) });
  else if (mode === 'showpage') figures = await (await import('./show-page.js')).measureShowPage();
  else throw new Error(`unknown bench step "${mode}"`);
  const maxRssMb = round(process.resourceUsage().maxRSS / 1024, 1); // maxRSS is in KiB
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify({ figures, maxRssMb })}\n`);
}

export interface ChildResult<T> {
  figures: T;
  /** Peak resident memory of the whole step's process. */
  maxRssMb: number;
  /** Spawn to exit, as seen by the parent. */
  wallMs: number;
}

/** Runs one step in a fresh node process (tsx as loader only when this file is the .ts source) and returns its figures. */
export function runChild<T>(mode: ChildMode, args: unknown, log: (m: string) => void = () => {}): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const loader = CHILD_FILE.endsWith('.ts') ? ['--import', 'tsx'] : [];
    // The serving step runs as `npm start` does; ingest as `npm run ingest` (no flags).
    const flags = mode === 'cold' ? SERVING_NODE_FLAGS : [];
    const child = spawn(process.execPath, [...flags, ...loader, CHILD_FILE, mode, JSON.stringify(args)], {
      // --import resolves tsx from the working directory: the project's own copy.
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim()) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = round(performance.now() - t0, 1);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || !line) return reject(new Error(`bench step ${mode} failed (exit ${code}): ${err.trim().split('\n').slice(-5).join(' | ')}`));
      resolve({ ...(JSON.parse(line.slice(RESULT_PREFIX.length)) as Omit<ChildResult<T>, 'wallMs'>), wallMs });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === CHILD_FILE) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
