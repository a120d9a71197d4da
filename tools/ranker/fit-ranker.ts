/**
 * `npm run fit:ranker -- --index /tmp/idx-large [--seeds-index index] [--eval-dir ../shared/eval]`
 *
 * Fits the second stage (src/search/sentence-ranker.ts) on the development sets and writes
 * data/ranker.json. Reproducible: the same index and sets give the same weights.
 *
 * 1. Every question is searched without a model (first-stage order) with `explain`: the candidate
 *    sentences of its best passages and their features. A candidate answers when it is from the
 *    question's report and holds one of `must` (NFKC, whitespace ignored).
 * 2. Grouped 5-fold cross-validation by report (a report's questions are all in one fold, as unseen
 *    reports will be): a ranker fitted on four folds answers the fifth through the real search, so the
 *    figures printed are held-out ones (Hit@1, Answer@1 as in `npm run eval`).
 * 3. The caveat: a logistic model of "rank 1 is right" on the winner's evidence, fitted on the held-out
 *    runs, with the threshold and coverage gate that caveat the fewest answerable questions while
 *    confident answers stay right ≥ CONFIDENT_PRECISION and ≤ UNANSWERABLE_CONFIDENT of unanswerable
 *    questions get a confident answer; its figures are again held out (nested folds).
 * 4. The final ranker is fitted on all questions; the caveat on all held-out runs.
 *
 * Questions about the seed reports that do not name their town (`names_report: false`, and the seed
 * sets dev / dev-natural) are asked of the seeds index, every other one of the large index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { loadEmbedder } from '../../src/embed/embedder.js';
import { breakdown, type EvalQuestion, firstHit, formatScores, isQuestionDoc, readQuestions, type Scores, score, squeeze } from '../../src/cli/eval.js';
import { openSearcher, type Searcher } from '../../src/search/searcher.js';
import { CAVEAT_FEATURES, caveatProbability, FEATURES, type RankerModel, RANKER_FILE } from '../../src/search/sentence-ranker.js';
import { ANSWER_MAX_CHARS, type AnswerSpan, answerSpan, LINE_FEATURES, type LineModel, lineCandidates, type SpanHints } from '../../src/search/answer-span.js';
import type { Answer } from '../../src/search/types.js';
import { type CaveatItem, fitLogistic, fitRanker, groupFolds, type OperatingPoint, operatingPoint, type RankGroup, standardizer } from './fit.js';

const FOLDS = 5;
/** Confident answers should be right this often; fitted a little above the 0.90 target for unseen reports. */
const CONFIDENT_PRECISION = Number(arg('precision', '0.90'));
/** At most this share of the questions the reports do not answer may get a confident answer (fitted; the target for unseen reports is 5 %, which with 27 such questions costs far more caveats than it saves claims). */
const UNANSWERABLE_CONFIDENT = Number(arg('unanswerable', '0.10'));
/** Coverage gates tried with each threshold. */
const GATES = [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

interface Row {
  set: string;
  question: EvalQuestion & { kind?: string; style?: string; names_report?: boolean; about?: string };
  searcher: Searcher;
  group: RankGroup;
  /** The report it is about (the fold key). */
  report: string;
}

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const largeIndex = arg('index');
  if (!largeIndex) throw new Error('usage: npm run fit:ranker -- --index DIR (seeds + corpus-large) [--seeds-index DIR] [--eval-dir DIR] [--out FILE]');
  const seedsIndex = arg('seeds-index', 'index')!;
  const evalDir = arg('eval-dir', '../shared/eval')!;
  const out = arg('out', RANKER_FILE)!;
  const log = (m: string) => process.stderr.write(m + '\n');
  const base = loadConfig();
  const embedder = await loadEmbedder(base.model, () => {});
  const large = await openSearcher(loadConfig({ indexDir: path.resolve(largeIndex) }), { embedder });
  const seeds = await openSearcher(loadConfig({ indexDir: path.resolve(seedsIndex) }), { embedder });

  const sets = ['dev', 'dev-natural', 'dev-large', 'dev-bank'];
  const rows: Row[] = [];
  for (const set of sets) {
    const file = path.join(evalDir, `${set}.jsonl`);
    if (!fs.existsSync(file)) continue;
    for (const question of readQuestions(file) as Row['question'][]) {
      const seedOnly = set === 'dev' || set === 'dev-natural' || question.names_report === false;
      const searcher = seedOnly ? seeds : large;
      const answer = await searcher.search(question.q, { k: 10, explain: true, ranker: null });
      rows.push({ set, question, searcher, group: label(question, answer, searcher), report: question.doc ?? question.about ?? `none:${question.id}` });
    }
    log(`${set}: features of ${rows.filter((r) => r.set === set).length} questions`);
  }
  const withPositive = rows.filter((r) => r.group.y.some((v) => v > 0)).length;
  log(`${rows.length} questions, ${withPositive} with an answering sentence among the candidates`);

  // Held-out runs: each question answered by a ranker that never saw its report.
  const folds = groupFolds(rows.map((r) => r.report), FOLDS);
  const heldOut: { row: Row; answer: Answer; caveat: number[] }[] = [];
  const firstStage: { row: Row; answer: Answer }[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const train = rows.filter((_, i) => folds[i] !== f);
    const model = fitModel(train.map((r) => r.group));
    for (const [i, row] of rows.entries()) {
      if (folds[i] !== f) continue;
      const answer = await row.searcher.search(row.question.q, { k: 10, explain: true, ranker: model });
      const winner = answer.explain?.winner;
      heldOut.push({ row, answer, caveat: winner === undefined ? [] : (answer.explain?.caveat ?? []) });
    }
  }
  for (const row of rows) firstStage.push({ row, answer: await row.searcher.search(row.question.q, { k: 10, ranker: null }) });

  // The caveat: nested folds for honest figures, then fitted on all held-out runs.
  const scored = heldOut.filter((h) => !h.answer.abstained && h.caveat.length);
  const rightOf = (h: (typeof heldOut)[number]) => h.row.question.doc !== null && firstHit(h.row.question, h.answer) === 1;
  const caveatFolds = groupFolds(scored.map((h) => h.row.report), FOLDS);
  const heldOutProbability = new Map<(typeof heldOut)[number], number>();
  const rightLabels = (hs: typeof scored) => hs.map((h) => (rightOf(h) ? 1 : 0));
  // A confident answer must also cover the question's words (passage, headings and title): a question
  // about a detail the report never gives (its budget, a date it lacks) shares its topic, not its words.
  const covOf = (h: (typeof heldOut)[number]) => h.caveat[CAVEAT_FEATURES.indexOf('p_cov')] ?? 0;
  const itemsOf = (hs: typeof scored, model: Pick<RankerModel, 'caveat'>): CaveatItem[] =>
    hs.map((h) => ({ p: caveatProbability(model, h.caveat), coverage: covOf(h), counted: h.answer.explain?.namesCounted !== false, right: rightOf(h), unanswerable: h.row.question.doc === null }));
  const choose = (items: CaveatItem[]) => operatingPoint(items, CONFIDENT_PRECISION, UNANSWERABLE_CONFIDENT, GATES);
  const confidentAt = (point: OperatingPoint, item: CaveatItem) => item.p >= point.threshold && item.coverage >= point.gate && item.counted;
  for (let f = 0; f < FOLDS; f++) {
    // Nested: the model, its threshold and its gate come from the other folds only.
    const train = scored.filter((_, i) => caveatFolds[i] !== f);
    const test = scored.filter((_, i) => caveatFolds[i] === f);
    const model = { caveat: fitCaveat(train.map((h) => h.caveat), rightLabels(train)) };
    const point = choose(itemsOf(train, model));
    itemsOf(test, model).forEach((item, k) => heldOutProbability.set(test[k]!, confidentAt(point, item) ? item.p - point.threshold : Math.min(item.p - point.threshold, -1e-9)));
  }
  const caveat = { caveat: fitCaveat(scored.map((h) => h.caveat), rightLabels(scored)) };
  const point = choose(itemsOf(scored, caveat));
  const gateArg = arg('coverage-gate');
  const gate = gateArg === undefined ? point.gate : Number(gateArg);
  caveat.caveat.threshold = round(point.threshold);
  caveat.caveat.minCoverage = gate;
  log(`caveat threshold: ${caveat.caveat.threshold}`);
  log(`coverage gate: ${gate}`);

  // The answer line: a listwise model over runs of clauses of the rank-1 quote, folds by report again.
  const lineRows = heldOut.map((h) => lineGroup(h.row, h.answer));
  log(`answer lines: ${lineRows.filter((g) => g?.group.y.some((v) => v > 0)).length} of ${lineRows.filter(Boolean).length} rank-1 results from the right report have a candidate line holding the answer`);
  const lineFolds = groupFolds(heldOut.map((h) => h.row.report), FOLDS);
  const heldOutLine = new Map<number, AnswerSpan | undefined>();
  for (let f = 0; f < FOLDS; f++) {
    const line = fitLineModel(lineRows.filter((_, i) => lineFolds[i] !== f).flatMap((g) => (g ? [g.group] : [])));
    heldOut.forEach((h, i) => {
      if (lineFolds[i] !== f || !lineRows[i]) return;
      heldOutLine.set(i, answerSpan(h.row.question.q, h.answer.results[0]!, { ...lineRows[i]!.hints, model: line }));
    });
  }
  const withLine = (answer: Answer, i: number): Answer =>
    heldOutLine.has(i) ? { ...answer, results: answer.results.map((r, k) => (k === 0 ? { ...r, answer: heldOutLine.get(i) } : r)) } : answer;
  const figures = {
    heldOut: summarize(heldOut.map((h, i) => ({ row: h.row, answer: withLine(h.answer, i), confident: (heldOutProbability.get(h) ?? -1) >= 0 }))),
    heldOutRuleLines: summarize(heldOut.map((h) => ({ row: h.row, answer: h.answer, confident: (heldOutProbability.get(h) ?? -1) >= 0 }))),
    firstStage: summarize(firstStage.map((h) => ({ row: h.row, answer: h.answer, confident: h.answer.level === 'high' }))),
  };
  const missesFile = arg('misses');
  if (missesFile) {
    const lines = heldOut.map((h) => {
      const top = h.answer.results[0];
      const rank = h.row.question.doc === null ? (h.answer.abstained ? 'refused' : 'answered') : String(firstHit(h.row.question, h.answer) || '-');
      return `${rank}\t${(heldOutProbability.get(h) ?? -1) >= 0 ? 'confident' : 'caveat'}\t${h.row.question.kind ?? ''}\t${h.row.question.q}\t${h.row.question.must[0] ?? ''}\t${top ? `${top.source.split('/').pop()} | ${top.answer?.text ?? ''}` : ''}`;
    });
    fs.writeFileSync(missesFile, lines.join('\n') + '\n');
  }
  const dumpFile = arg('dump');
  if (dumpFile) {
    // One JSON line per held-out run, for looking at the caveat's evidence outside this tool.
    const lines = heldOut.map((h, i) => {
      const answer = withLine(h.answer, i);
      const w = h.answer.explain?.winner;
      const c = w === undefined ? undefined : h.answer.explain?.candidates[w];
      const top = answer.results[0];
      return JSON.stringify({
        set: h.row.set, report: h.row.report, q: h.row.question.q, kind: h.row.question.kind, must: h.row.question.must,
        unanswerable: h.row.question.doc === null, abstained: h.answer.abstained, right: rightOf(h),
        answerRight: h.row.question.doc !== null && !!top && isQuestionDoc(h.row.question.doc, top.source) && h.row.question.must.some((m) => squeeze(top.answer?.text ?? '').includes(squeeze(m))),
        caveat: h.caveat, p: heldOutProbability.get(h) ?? null, namesCounted: h.answer.explain?.namesCounted,
        sentence: c ? h.row.searcher.passage(c.passageId).text.slice(c.start, c.end) : null, line: top?.answer?.text ?? null, quote: top?.quote ?? null,
      });
    });
    fs.writeFileSync(dumpFile, lines.join('\n') + '\n');
  }
  const final = fitModel(rows.map((r) => r.group));
  const model: RankerModel = {
    ...final,
    model: large.info().model,
    caveat: caveat.caveat,
    line: fitLineModel(lineRows.flatMap((g) => (g ? [g.group] : []))),
    fitted: { date: new Date().toISOString().slice(0, 10), questions: rows.length, folds: FOLDS, confidentPrecision: CONFIDENT_PRECISION, heldOut: figures.heldOut.all.all, firstStage: figures.firstStage.all.all },
  };
  fs.writeFileSync(out, JSON.stringify(model, null, 1) + '\n');
  log(`wrote ${out}`);
  process.stdout.write(JSON.stringify(figures, null, 1) + '\n');
  printTable('first stage (no second stage)', figures.firstStage);
  printTable(`held-out folds (${FOLDS}-fold by report), answer lines by the rules`, figures.heldOutRuleLines);
  printTable(`held-out folds (${FOLDS}-fold by report)`, figures.heldOut);
}

/**
 * The candidate answer lines of a question's rank-1 result, labelled (holding one of `must`), when it is
 * from the question's report; undefined otherwise (nothing to learn the line from).
 */
function lineGroup(row: Row, answer: Answer): { group: RankGroup; hints: SpanHints } | undefined {
  const top = answer.results[0];
  if (!top || row.question.doc === null || !isQuestionDoc(row.question.doc, top.source)) return undefined;
  const hints: SpanHints = { anchor: answer.explain?.firstLine?.anchor, words: answer.explain?.firstLine?.words };
  const candidates = lineCandidates(row.question.q, top, hints);
  const must = row.question.must.map(squeeze);
  // Labelled by what the user would see: the line cut to its longest.
  const y = candidates.map((c) => (must.some((m) => squeeze(top.quote.slice(c.start, Math.min(c.end, c.start + ANSWER_MAX_CHARS))).includes(m)) ? 1 : 0));
  return { group: { x: candidates.map((c) => c.features), y }, hints };
}

function fitLineModel(groups: RankGroup[]): LineModel {
  const std = standardizer(groups.flatMap((g) => g.x));
  return { features: [...LINE_FEATURES], mean: std.mean.map(round), scale: std.scale.map(round), weights: fitRanker(groups, std).map(round) };
}

/** Candidates of one question labelled: from the question's report and holding one of `must`. */
function label(question: EvalQuestion, answer: Answer, searcher: Searcher): RankGroup {
  const candidates = answer.explain?.candidates ?? [];
  const must = question.must.map(squeeze);
  const y = candidates.map((c) => {
    if (question.doc === null) return 0;
    const r = searcher.passage(c.passageId);
    return isQuestionDoc(question.doc, r.source) && must.some((m) => squeeze(r.text.slice(c.start, c.end)).includes(m)) ? 1 : 0;
  });
  return { x: candidates.map((c) => c.features), y };
}

function fitModel(groups: RankGroup[]): Omit<RankerModel, 'caveat'> {
  const std = standardizer(groups.flatMap((g) => g.x));
  const weights = fitRanker(groups, std);
  return { model: '', features: [...FEATURES], mean: std.mean.map(round), scale: std.scale.map(round), weights: weights.map(round), caveat: undefined as never };
}

/** The caveat model on standardized evidence. */
function fitCaveat(x: number[][], y: number[]): RankerModel['caveat'] {
  const std = standardizer(x);
  const z = x.map((r) => r.map((v, j) => (v - std.mean[j]!) / std.scale[j]!));
  return { features: [...CAVEAT_FEATURES], mean: std.mean.map(round), scale: std.scale.map(round), weights: fitLogistic(z, y).map(round), threshold: 0.5 };
}

const round = (x: number) => Number(x.toFixed(5));

/**
 * Figures as `npm run eval` gives them (its scoring, its table), all questions and per set, with the level
 * the held-out caveat (or the first stage) gave each answer.
 */
function summarize(items: { row: Row; answer: Answer; confident: boolean }[]): Record<string, Record<string, Scores>> {
  const rows = items.map((i) => ({ question: i.row.question, answer: { ...i.answer, level: i.answer.abstained ? ('none' as const) : i.confident ? ('high' as const) : ('low' as const) } }));
  const sets = [...new Set(items.map((i) => i.row.set))];
  return { all: breakdown(rows), ...Object.fromEntries(sets.map((set) => [set, { all: score(rows.filter((_, k) => items[k]!.row.set === set)) }])) };
}

function printTable(title: string, s: Record<string, Record<string, Scores>>) {
  process.stdout.write(`${title}\n`);
  for (const [set, scores] of Object.entries(s)) for (const [label, f] of Object.entries(scores)) process.stdout.write(`  ${formatScores(set === 'all' ? label : set, f)}\n`);
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
