/**
 * Ingest progress, for `npm run ingest`, the index build of `npm start`, the terminal's /add and the
 * chat's /add: passages done of the total, the rate and the time left (ETA), in the user's language.
 * On a terminal one bar is redrawn in place; elsewhere (logs, CI, a parent process) one line when a
 * phase starts, then about every 10 s while it runs, and one when it ends: a 7-minute ingest says
 * how it is going without flooding the log.
 */
import type { Lang } from './i18n.js';
import type { IngestProgress } from '../index/ingest.js';

type Phase = IngestProgress['phase'];

interface ProgressWords {
  phase: Record<Phase, string>;
  /** "1500/7000 passages"; nothing for writing (one step). */
  count(done: number, total: number, phase: Phase): string;
  rate(perSecond: number): string;
  eta(seconds: number): string;
}

const WORDS: Record<Lang, ProgressWords> = {
  zh: {
    phase: { read: '读取报告', embed: '计算向量', index: '建立索引', write: '写入索引……' },
    count: (done, total, phase) => (phase === 'write' ? '' : `${done}/${total} ${phase === 'read' ? '份' : '段'}`),
    rate: (r) => `每秒 ${r < 10 ? r.toFixed(1) : Math.round(r)} 段`,
    eta: (s) => `还需约 ${duration(s, '小时', '分', '秒', '')}`,
  },
  en: {
    phase: { read: 'reading', embed: 'embedding', index: 'indexing', write: 'writing the index…' },
    count: (done, total, phase) => (phase === 'write' ? '' : `${done}/${total} ${phase === 'read' ? 'reports' : 'passages'}`),
    rate: (r) => `${r < 10 ? r.toFixed(1) : Math.round(r)} passages/s`,
    eta: (s) => `ETA ${duration(s, 'h', 'm', 's', ' ')}`,
  },
};

/** 3725 s → "1h 2m" / "1小时2分"; under a minute in seconds. */
function duration(seconds: number, h: string, m: string, s: string, sep: string): string {
  const t = Math.max(0, Math.round(seconds));
  if (t >= 3600) return `${Math.floor(t / 3600)}${h}${sep}${Math.round((t % 3600) / 60)}${m}`;
  if (t >= 60) return `${Math.floor(t / 60)}${m}${sep}${t % 60}${s}`;
  return `${t}${s}`;
}

/** Rate and ETA are shown once this much of a phase has run: before, they are noise. */
const MIN_ELAPSED_FOR_RATE_MS = 1000;

/**
 * Follows one ingest's progress and words it: `describe()` gives the line for the latest report, with
 * the rate since its phase started and the time left.
 */
export class ProgressTracker {
  private phase: Phase | undefined;
  private phaseStarted = 0;
  private doneAtStart = 0;
  latest: IngestProgress | undefined;

  constructor(
    readonly lang: Lang = 'en',
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a report; true when it starts a new phase. */
  update(p: IngestProgress): boolean {
    this.latest = p;
    if (p.phase === this.phase) return false;
    this.phase = p.phase;
    this.phaseStarted = this.now();
    this.doneAtStart = p.done;
    return true;
  }

  /** "embedding 1500/7000 passages · 25 passages/s · ETA 3m 37s" (rate and ETA for the passage phases, once measurable). */
  describe(): string {
    const p = this.latest;
    if (!p) return '';
    const w = WORDS[this.lang];
    const parts = [`${w.phase[p.phase]} ${w.count(p.done, p.total, p.phase)}`.trim()];
    const elapsedMs = this.now() - this.phaseStarted;
    const rate = ((p.done - this.doneAtStart) * 1000) / elapsedMs;
    if (p.phase === 'embed' && elapsedMs >= MIN_ELAPSED_FOR_RATE_MS && rate > 0) {
      parts.push(w.rate(rate));
      if (p.done < p.total) parts.push(w.eta((p.total - p.done) / rate));
    }
    return parts.join(' · ');
  }

  /** Share of the current phase done, 0 to 1. */
  ratio(): number {
    const p = this.latest;
    return p && p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  }
}

export interface ProgressOptions {
  lang?: Lang;
  /** Non-terminal output: at most one line this often within a phase (default 10 s). */
  everyMs?: number;
  now?: () => number;
}

/** Shortest pause between two redraws of the bar on a terminal. */
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** Progress on `stream`: a bar redrawn in place on a terminal, else a line about every `everyMs`. */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  { lang = 'en', everyMs = 10_000, now = Date.now }: ProgressOptions = {},
): { update: (p: IngestProgress) => void; done: () => void } {
  const tracker = new ProgressTracker(lang, now);
  let lastWrite = -Infinity;
  if (!stream.isTTY) {
    let written = '';
    const write = () => {
      const line = tracker.describe();
      if (line && line !== written) stream.write(`${line}\n`);
      written = line;
      lastWrite = now();
    };
    return {
      update(p) {
        const started = tracker.update(p);
        if (started || p.done >= p.total || now() - lastWrite >= everyMs) write();
      },
      done: () => {},
    };
  }
  let shown = false;
  return {
    update(p) {
      tracker.update(p);
      if (now() - lastWrite < REDRAW_MS && p.done < p.total) return;
      lastWrite = now();
      const filled = Math.round(tracker.ratio() * BAR_WIDTH);
      stream.write(`\r\x1b[K${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${tracker.describe()}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/**
 * Progress shown by editing one chat message in place (the chat's /add of a large file): the embedding
 * line at most every `everyMs` (Telegram allows about one edit a second per chat), never two edits at
 * once, and the last state once `finish` is called. Failed edits are left to `onError`; they never stop
 * the ingest.
 */
export function editedProgress(
  show: (line: string) => Promise<unknown>,
  { lang = 'en', everyMs = 3000, now = Date.now, onError = () => {} }: ProgressOptions & { onError?: (err: unknown) => void } = {},
): { update: (p: IngestProgress) => void; finish: () => Promise<void> } {
  const tracker = new ProgressTracker(lang, now);
  let shown = '';
  let lastEdit = -Infinity;
  let editing: Promise<void> | undefined;
  const edit = () => {
    const line = tracker.describe();
    if (editing || !line || line === shown) return;
    shown = line;
    lastEdit = now();
    editing = show(line).then(
      () => {},
      (err: unknown) => onError(err),
    ).finally(() => (editing = undefined));
  };
  return {
    update(p) {
      // Reading, indexing and writing take moments; embedding is what a large file waits for.
      if (p.phase !== 'embed' || p.total === 0) return;
      const started = tracker.update(p);
      if (started || now() - lastEdit >= everyMs) edit();
    },
    async finish() {
      while (editing) await editing;
      edit();
      while (editing) await editing;
    },
  };
}
