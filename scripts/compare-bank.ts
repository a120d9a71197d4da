#!/usr/bin/env -S npx tsx
/**
 * `npm run -s compare-bank -- --corpus corpus --corpus ../shared/corpus-large --index /tmp/idx-large [--seeds-index DIR] [BANK]`
 *
 * The comparison questions of a development bank (kind "compare", default ../shared/eval/dev-bank.jsonl),
 * asked as the chat asks them (interpret, then compareReports): of those with two reports (`doc`,
 * `doc_other`), how many are answered side by side with both reports shown, and with each report's
 * expected string (`must`, `must_other`) in its quote; those about one report must stay one question.
 * Rows with `names_report: false` name no town and are asked of the seeds alone (`--seeds-index`), as
 * the bank's README says; without it they are asked of --index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareReports, directoryOf, interpret } from '../src/bot/conversation.js';
import { parseCommandLine, runMain } from '../src/cli/options.js';
import { openSearcher, type Searcher } from '../src/search/searcher.js';
import type { Result } from '../src/search/types.js';

interface Row {
  id: string;
  q: string;
  kind: string;
  doc: string | null;
  must: string[];
  doc_other?: string;
  must_other?: string[];
  names_report?: boolean;
}

/** The bank's scoring rule: 史村 → shicun, 柏山 → baishan, else the file name. */
const belongs = (r: Result, doc: string) =>
  doc === 'shicun' ? r.source.includes('史村') : doc === 'baishan' ? r.source.includes('柏山') : path.basename(r.source) === path.basename(doc);
const squash = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');
const holds = (r: Result | undefined, must: string[]) => r !== undefined && must.some((m) => squash(r.quote).includes(squash(m)));

runMain(async () => {
  const { values, positionals, config } = await parseCommandLine(process.argv.slice(2), { 'seeds-index': { type: 'string' } });
  const bank = positionals[0] ?? path.resolve('..', 'shared', 'eval', 'dev-bank.jsonl');
  const rows = fs
    .readFileSync(bank, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row)
    .filter((r) => r.kind === 'compare');
  const searcher = await openSearcher(config);
  const seedsIndex = values['seeds-index'] as string | undefined;
  const seeds: Searcher = seedsIndex ? await openSearcher({ ...config, indexDir: path.resolve(seedsIndex) }, {}) : searcher;

  let pairs = 0;
  let bothShown = 0;
  let bothRight = 0;
  let single = 0;
  let keptSingle = 0;
  for (const row of rows) {
    const s = row.names_report === false ? seeds : searcher;
    const intent = interpret(row.q, undefined, directoryOf(s).directory);
    const comparison = intent.kind === 'compare' ? await compareReports(s, intent.question) : undefined;
    if (!row.doc_other) {
      single++;
      if (!comparison) keptSingle++;
      process.stdout.write(`${row.id}\tone report\t${comparison ? 'COMPARED' : 'one question'}\t${row.q}\n`);
      continue;
    }
    pairs++;
    const side = (doc: string) => comparison?.rows.find((r) => belongs(r.result, doc))?.result;
    const [a, b] = [side(row.doc!), side(row.doc_other)];
    const shown = a !== undefined && b !== undefined;
    const right = holds(a, row.must) && holds(b, row.must_other ?? []);
    bothShown += Number(shown);
    bothRight += Number(right);
    process.stdout.write(`${row.id}\t${shown ? 'both shown' : comparison ? 'one side' : 'not compared'}\t${right ? 'both right' : `${holds(a, row.must) ? '' : 'first wrong '}${holds(b, row.must_other ?? []) ? '' : 'second wrong'}`}\t${row.q}\n`);
  }
  const pct = (n: number, d: number) => `${n}/${d} (${d ? Math.round((100 * n) / d) : 0} %)`;
  process.stdout.write(`\ncomparisons of two reports: both sides shown ${pct(bothShown, pairs)}; both with the expected passage ${pct(bothRight, pairs)}\n`);
  process.stdout.write(`questions comparing within one report kept as one question: ${pct(keptSingle, single)}\n`);
});
