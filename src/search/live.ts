/**
 * A searcher that follows the index: while a bot runs, `npm run ingest` can publish a new generation
 * and the next questions are answered from it, with no restart.
 *
 * It looks at `index/CURRENT` (one stat, at most every `checkEveryMs`, on a timer and before a question).
 * When another generation is published it opens it in the background, with the model already loaded,
 * and swaps it in with one assignment. A question takes the searcher of the moment it starts and
 * finishes on it: an answer always comes from exactly one generation, and nothing waits for the swap.
 * A new generation that cannot be opened (damaged, or built with another model) is refused with one
 * log line, and the one in use stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { openSearcher, type Searcher } from './searcher.js';
import type { Answer, SearchOptions, SourceInfo } from './types.js';

export interface LiveOptions {
  log?: (message: string) => void;
  /** An already loaded embedder; otherwise the configured model is loaded once, here. */
  embedder?: Embedder;
  /** Longest time between two looks at CURRENT (default 2000 ms; 0 = before every question, no timer). */
  checkEveryMs?: number;
  /** Warm each generation up before it answers (see OpenOptions.warmUp; default true). */
  warmUp?: boolean;
}

export interface LiveSearcher extends Searcher {
  /**
   * Looks at CURRENT now and, if another generation is live, opens and swaps it in. True when it swapped.
   * `announced`: a generation another host says is live (Redis notice): read CURRENT even if its stat
   * looks unchanged (a shared NFS folder caches file attributes for seconds; opening reads afresh).
   */
  refresh(announced?: string): Promise<boolean>;
  /** The generation answering now. */
  generation(): string;
  /** How many times a new generation was swapped in. */
  readonly swaps: number;
  /** Stops the timer (the searcher still answers, from the generation it has). */
  close(): void;
}

/** What identifies the CURRENT file: a publish replaces it (new inode) or rewrites it. */
function pointerStamp(indexDir: string): string {
  try {
    const st = fs.statSync(path.join(indexDir, 'CURRENT'), { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return 'none';
  }
}

function pointerName(indexDir: string): string {
  try {
    return fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** Opens the live index (throws IndexError as openSearcher does) and keeps following it. */
export async function openLiveSearcher(config: Config, options: LiveOptions = {}): Promise<LiveSearcher> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const checkEveryMs = options.checkEveryMs ?? 2000;
  const embedder = options.embedder ?? (await loadEmbedder(config.model, log));
  let stamp = pointerStamp(config.indexDir);
  const warmUp = options.warmUp ?? true;
  let current = await openSearcher(config, { embedder, log, warmUp });
  let lastCheck = Date.now();
  let loading: Promise<boolean> | undefined;
  let refused = '';
  let swaps = 0;

  /** Opens the generation CURRENT names now, if it is not the one in use. */
  const load = async (): Promise<boolean> => {
    const seen = pointerStamp(config.indexDir);
    const name = pointerName(config.indexDir);
    if (name === current.info().generation || name === refused || name === '') {
      stamp = seen;
      return false;
    }
    try {
      const next = await openSearcher(config, { embedder, log, warmUp }); // warm before it answers anyone
      stamp = seen;
      if (next.info().generation === current.info().generation) return false;
      const from = current.info().generation;
      current = next; // the swap: questions that start from now on use `next`
      swaps++;
      log(`index: now answering from ${next.info().generation} (${next.info().passages} passages; was ${from})`);
      return true;
    } catch (err) {
      // Published but unusable: keep answering from the generation in use. Said once per generation.
      if (pointerName(config.indexDir) === name) {
        stamp = seen;
        refused = name;
        log(`index: keeping ${current.info().generation}; the new generation ${name} cannot be used: ${(err as Error).message}`);
      }
      return false;
    }
  };

  const refresh = (announced?: string): Promise<boolean> => {
    lastCheck = Date.now();
    if (loading) return loading;
    const news = announced !== undefined && announced !== current.info().generation;
    if (pointerStamp(config.indexDir) === stamp && !news) return Promise.resolve(false);
    loading = load().finally(() => (loading = undefined));
    return loading;
  };

  /** Before a question: a cheap look, at most every checkEveryMs; the swap itself never delays the question. */
  const glance = () => {
    if (Date.now() - lastCheck >= checkEveryMs) void refresh();
  };

  const timer = checkEveryMs > 0 ? setInterval(() => void refresh(), checkEveryMs) : undefined;
  timer?.unref();

  return {
    async search(question: string, opts?: SearchOptions): Promise<Answer> {
      glance();
      const searcher = current; // this question's generation, whatever happens meanwhile
      return searcher.search(question, opts);
    },
    sources(): SourceInfo[] {
      return current.sources();
    },
    reportsNamed(text: string) {
      return current.reportsNamed(text);
    },
    passage(id: number) {
      return current.passage(id);
    },
    info() {
      return current.info();
    },
    async retrieve(question, mode, k) {
      glance();
      return current.retrieve(question, mode, k);
    },
    refresh,
    generation: () => current.info().generation,
    get swaps() {
      return swaps;
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
