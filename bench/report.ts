/**
 * Turns the figures of `npm run bench` into terminal tables, and writes the end-to-end section
 * of docs/PERFORMANCE.md (between markers, so the hand-written rest of the page is kept).
 */
import fs from 'node:fs';
import type { BenchFigures, CorpusFigures } from './index.js';
import type { QualityFigures } from './quality.js';
import { formatScale } from './scale.js';
import type { LatencySummary } from './stats.js';
import { formatTable, type Cell } from './table.js';

export const DOC_START = '<!-- bench:e2e:start -->';
export const DOC_END = '<!-- bench:e2e:end -->';

const latencyRow = (corpus: string, what: string, l: LatencySummary | undefined): Cell[] => [corpus, what, l?.n, l?.p50, l?.p95, l?.p99];
const qualityRow = (corpus: string, what: string, q: QualityFigures | undefined): Cell[] => [
  corpus,
  what,
  q?.hit1,
  q?.hit3,
  q?.hit5,
  q?.mrr10,
  q ? `${q.abstainCorrect}/${q.unanswerable}` : null,
  q?.abstainWrong,
];

function ingestRows(c: CorpusFigures): Cell[][] {
  const ph = c.ingest.phaseSeconds;
  return [
    [c.name, 'ours', c.ingest.files, c.ingest.passages, c.ingest.seconds, c.ingest.passagesPerSecond, ph.embed, ph.index, c.ingest.indexDiskMb, c.ingest.peakRssMb],
    [c.name, 'peer', c.peer.files, c.peer.chunks, c.peer.ingestSeconds, c.peer.chunksPerSecond, c.peer.embedSeconds, null, c.peer.indexDiskMb, c.peer.peakRssMb],
  ];
}

/**
 * The small-server figures (docs/PERFORMANCE.md, "Running on a small server"): peak RSS and time of
 * ingest, and of a process serving the index (open, first answer, then N more), beside the peer's.
 */
function smallServerRows(c: CorpusFigures): Cell[][] {
  const seeds = c.name === 'seeds';
  return [
    [c.name, 'ingest: peak RSS MB', c.ingest.peakRssMb, c.peer.peakRssMb, seeds ? '≤ 400' : '≤ 800'],
    [c.name, 'ingest: wall s', c.ingest.seconds, c.peer.ingestSeconds, seeds ? '≤ 10' : 'beside the peer'],
    [c.name, `serving: peak RSS MB after ${c.coldStart.servedQuestions} answers`, c.coldStart.peakRssMb, null, '≤ 400'],
    [c.name, 'serving: p95 ms (query embedding and second stage)', c.coldStart.serveP95Ms, c.peer.queryMs.p95, '≤ 150'],
  ];
}

/** The sections of the report as [title, table] pairs (shared by the terminal and the doc). */
export function benchSections(fig: BenchFigures): [string, string][] {
  const cs = fig.corpora;
  return [
    [
      'Small server (peak RSS of the whole process; peer: one process that ingests and then answers)',
      formatTable(['corpus', 'measure', 'ours', 'peer', 'target'], cs.flatMap(smallServerRows)),
    ],
    [
      'Ingest (fresh index; ours in its own process, peer = LangChain RecursiveCharacterTextSplitter 1000/200 + HNSWLib)',
      formatTable(
        ['corpus', 'system', 'files', 'passages', 'seconds', 'passages/s', 'embed s', 'index s', 'disk MB', 'peak RSS MB'],
        cs.flatMap(ingestRows),
      ),
    ],
    [
      'Query latency, ms (dev questions; ours: search = retrieve + fuse + abstain + quote; dense/lexical/hybrid = ranking only)',
      formatTable(
        ['corpus', 'what', 'n', 'p50', 'p95', 'p99'],
        cs.flatMap((c) => [
          latencyRow(c.name, 'ours search', c.queryMs.search),
          ...(['dense', 'lexical', 'hybrid'] as const).filter((m) => c.queryMs[m]).map((m) => latencyRow(c.name, `ours ${m} only`, c.queryMs[m])),
          latencyRow(c.name, 'peer', c.peer.queryMs),
        ]),
      ),
    ],
    [
      'Dev-set quality (hit = right report and the text contains the expected words; abstain right = of the unanswerable questions)',
      formatTable(
        ['corpus', 'system', 'Hit@1', 'Hit@3', 'Hit@5', 'MRR@10', 'abstain right', 'abstain wrong'],
        cs.flatMap((c) => [
          qualityRow(c.name, 'ours (quote)', c.quality.quote),
          qualityRow(c.name, 'ours (passage)', c.quality.passage),
          ...(['dense', 'lexical', 'hybrid'] as const).filter((m) => c.quality[m]).map((m) => qualityRow(c.name, `ours ${m} only (passage)`, c.quality[m])),
          qualityRow(c.name, 'peer (1000-char chunk)', c.peer.quality),
        ]),
      ),
    ],
    [
      'Cold start and serving (a new process: node + tsx + model + index → first answer, then N more answers; peak RSS of that process)',
      formatTable(
        ['corpus', 'start→answer ms', 'open index ms', 'first search ms', 'answers', 'p50 ms', 'p95 ms', 'peak RSS MB', 'peer ingest RSS MB'],
        cs.map((c) => [c.name, c.coldStart.startToFirstAnswerMs, c.coldStart.openMs, c.coldStart.firstSearchMs, c.coldStart.servedQuestions, c.coldStart.serveP50Ms, c.coldStart.serveP95Ms, c.coldStart.peakRssMb, c.peer.peakRssMb]),
      ),
    ],
    [
      'Ours vs peer (ratios ours ÷ peer: below 1 is better; deltas ours − peer on the quote: above 0 is better)',
      formatTable(['corpus', ...Object.keys(cs[0]?.versusPeer ?? {})], cs.map((c) => [c.name, ...Object.values(c.versusPeer)])),
    ],
    [
      `Embedding cost per passage by batch size (${fig.model.id}, ${fig.embedBatchSweep[0]?.passages ?? 0} passages sampled across the corpus)`,
      formatTable(['batch', 'ms/passage'], fig.embedBatchSweep.map((b) => [b.batchSize, b.msPerPassage])),
    ],
    ...(fig.showPage
      ? [
          [
            'Show page (a PDF page drawn with the quote marked, in its own process; targets ≤ 1500 ms first, ≤ 100 ms cached, ≤ 150 MB extra)',
            formatTable(
              ['report', 'page', 'pixels', 'PNG KB', 'first ms', 'cached ms', 'extra RSS MB', 'peak extra MB'],
              [[fig.showPage.report, `${fig.showPage.page} of ${fig.showPage.pages}`, `${fig.showPage.width}×${fig.showPage.height}`, fig.showPage.pngKb, fig.showPage.firstMs, fig.showPage.cachedMs, fig.showPage.extraRssMb, fig.showPage.peakExtraRssMb]],
            ),
          ] as [string, string],
        ]
      : []),
    ...(fig.scale ? [['Scale: HNSW alone on synthetic normalized vectors (R@k = recall against exact search)', formatScale(fig.scale)] as [string, string]] : []),
  ];
}

export function formatBench(fig: BenchFigures): string {
  return benchSections(fig)
    .map(([title, table]) => `${title}\n\n${table}\n`)
    .join('\n');
}

/** Replaces the text between the markers in `docFile`; returns false when the file or its markers are missing. */
export function writeDocSection(docFile: string, fig: BenchFigures, machine: string): boolean {
  if (!fs.existsSync(docFile)) return false;
  const doc = fs.readFileSync(docFile, 'utf8');
  const a = doc.indexOf(DOC_START);
  const b = doc.indexOf(DOC_END);
  if (a < 0 || b < a) return false;
  const body = benchSections(fig)
    .filter(([title]) => !title.startsWith('Scale'))
    .map(([title, table]) => `**${title}**\n\n\`\`\`\n${table}\n\`\`\`\n`)
    .join('\n');
  const text = `${DOC_START}\n\n_Measured by \`npm run bench\` on ${machine}. Model: ${fig.model.id} (${fig.model.dim} dims)._\n\n${body}\n${DOC_END}`;
  fs.writeFileSync(docFile, doc.slice(0, a) + text + doc.slice(b + DOC_END.length));
  return true;
}
