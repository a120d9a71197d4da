/**
 * `npm run ask -- "question"`: the best passages, quoted with source, section and score.
 *
 * Machine contract (`--json`): one JSON line per question, in input order, on stdout; nothing else on
 * stdout. With `--stdin`, questions are read as JSON Lines (objects with `q` and optional `id`; a plain
 * text line is a question too). Logs and warnings go to stderr. Exit 0 on success (abstaining included).
 */
import readline from 'node:readline';
import { citation, itemOf, shortRef } from '../search/answer-model.js';
import { printable } from '../corpus/display.js';
import { indexStatus } from '../index/ingest.js';
import { IndexError } from '../index/store.js';
import { answerOf } from '../search/answer-span.js';
import { openSearcher, type Searcher } from '../search/searcher.js';
import type { Answer } from '../search/types.js';
import { PageError, PageRenderer, type QuoteRect } from '../render/page.js';
import { parseCommandLine, SHARED_HELP, UsageError } from './options.js';

const HELP = `usage: npm run ask -- [options] "question"
       npm run -s ask -- --json --stdin < questions.jsonl
  --json         one JSON line per question (the machine contract)
  --rects        with --json: the glyph boxes of each PDF quote (rects: page and x, y, w, h in PDF units from the page's top left)
  --stdin        read questions from standard input (JSON Lines with "q" and optional "id", or plain lines)
  -k N           results per question (default 5)
${SHARED_HELP}`;

export interface JsonAnswer {
  id: unknown;
  q: string;
  abstained: boolean;
  /** `high`: the quote answers; `low`: closest passages, shown with a caveat; absent when abstained. */
  confidence?: 'high' | 'low';
  /** Reports the question named by place/year, searched on their own. */
  reports?: string[];
  /** A place/year with no report: what exists for that place. */
  missingReport?: { place: string; year?: number; available: string[] };
  /** An English question's words and the reports' Chinese terms they matched in the first quote. */
  terms?: { asked: string; term: string }[];
  results: JsonResult[];
}

export interface JsonResult {
  rank: number;
  score: number;
  source: string;
  title: string;
  section: string;
  quote: string;
  start: number;
  end: number;
  /** The answering clause of the quote, verbatim, and its offsets in the cleaned report (see answer-span.ts). */
  answer?: string;
  answerStart?: number;
  answerEnd?: number;
  /** The page of the quote's first sentence, for reports with pages (PDF); absent otherwise. */
  page?: number;
  /** With --rects, for a PDF: where the quote is drawn, one rectangle per printed line (PDF units from the page's top left). */
  rects?: QuoteRect[];
}

export function toJson(id: unknown, answer: Answer): JsonAnswer {
  return {
    id: id ?? null,
    q: answer.q,
    abstained: answer.abstained,
    ...(answer.level !== 'none' ? { confidence: answer.level } : {}),
    ...(answer.namedReports ? { reports: answer.namedReports } : {}),
    ...(answer.missingReport ? { missingReport: answer.missingReport } : {}),
    ...(answer.terms ? { terms: answer.terms } : {}),
    results: answer.results.map((r) => {
      const { rank, score, source, title, section, quote, start, end, page } = r;
      const span = answerOf(answer.q, r);
      return { rank, score, source, title, section, quote, start, end, ...(span ? { answer: span.text, answerStart: span.start, answerEnd: span.end } : {}), ...(page ? { page } : {}) };
    }),
  };
}

export function toText(answer: Answer): string {
  const lines: string[] = [];
  for (const n of answer.notices) lines.push(`(note: ${n})`);
  if (answer.missingReport) {
    const { place, year, available } = answer.missingReport;
    lines.push(available.length ? `No ${year} report for ${place}. Reports for ${place}: ${available.join(', ')}` : `No report for ${place}.`);
    return lines.join('\n');
  }
  if (answer.abstained) {
    lines.push('Not found in the reports. Try naming the town, the topic or the figure you are looking for.');
    return lines.join('\n');
  }
  if (answer.namedReports) lines.push(`(searched: ${answer.namedReports.join(', ')})`);
  if (answer.level === 'low') lines.push('The closest passages — they may not answer exactly:', '');
  for (const r of answer.results) {
    const span = answerOf(answer.q, r);
    lines.push(`${r.rank}. ${shortRef(r, itemOf(r, span))}  score ${r.score.toFixed(4)}`);
    lines.push(`   ${printable(r.source)}  ${citation(r)}`);
    if (span) lines.push(`   → ${span.text}`);
    lines.push(`   「${r.quote.replace(/\n/g, ' ')}」`);
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** One input line → question and id; null for blank lines. */
export function parseInputLine(line: string): { id: unknown; q: string } | null {
  const trimmed = line.trim();
  if (!trimmed) return null;
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as Record<string, unknown>;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) return { id: obj.id ?? null, q: typeof obj.q === 'string' ? obj.q : '' };
    } catch {
      // Not JSON after all: a question that starts with a brace.
    }
  }
  return { id: null, q: trimmed };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals, config } = await parseCommandLine(argv, {
    json: { type: 'boolean' },
    rects: { type: 'boolean' },
    stdin: { type: 'boolean' },
    k: { type: 'string', short: 'k' },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const k = values.k === undefined ? config.search.topK : Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 50) throw new UsageError(`-k must be a whole number from 1 to 50, got "${values.k}"`);
  const question = positionals.join(' ');
  if (!values.stdin && !question.trim()) throw new UsageError('no question given (try: npm run ask -- "史村镇怎样推进科学决策？")');

  const status = await indexStatus(config);
  if (status.status === 'missing' || status.status === 'incompatible' || status.status === 'corrupt') throw new IndexError(status.reason);
  if (status.status === 'stale') process.stderr.write(`warning: the index is stale (${status.reason}); run \`npm run ingest\` to update it\n`);
  const searcher: Searcher = await openSearcher(config);

  const pages = new PageRenderer();
  const answerOne = async (id: unknown, q: string) => {
    const answer = await searcher.search(q, { k });
    if (!values.json) return void process.stdout.write(toText(answer) + '\n\n');
    const json = toJson(id, answer);
    if (values.rects) {
      for (const [i, r] of answer.results.entries()) {
        if (r.page === undefined) continue;
        try {
          json.results[i]!.rects = await pages.rects(r, [{ start: r.start, end: r.end }], searcher.info().generation);
        } catch (err) {
          if (!(err instanceof PageError)) throw err;
          process.stderr.write(`warning: no rects for ${r.source}: ${err.message}\n`);
        }
      }
    }
    process.stdout.write(JSON.stringify(json) + '\n');
  };
  if (!values.stdin) {
    await answerOne(null, question);
    return 0;
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    const input = parseInputLine(line);
    if (input) await answerOne(input.id, input.q);
  }
  return 0;
}
