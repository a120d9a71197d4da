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
 *    runs, and the lowest threshold that keeps confident answers right ≥ CONFIDENT_PRECISION; its
 *    figures are again held out (nested folds).
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
import type { Answer } from '../../src/search/types.js';
import { fitLogistic, fitRanker, groupFolds, type RankGroup, standardizer, thresholdFor } from './fit.js';

const FOLDS = 5;
/** Confident answers should be right this often; fitted a little above the 0.90 target for unseen reports. */
const CONFIDENT_PRECISION = Number(arg('precision', '0.90'));
/** How much more a confident answer to an unanswerable question costs than a caveat on a right one. */
const UNANSWERABLE_COST = 1.5;

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
  for (let f = 0; f < FOLDS; f++) {
    const train = scored.filter((_, i) => caveatFolds[i] !== f);
    const model = { caveat: fitCaveat(train.map((h) => h.caveat), rightLabels(train)) };
    const threshold = thresholdFor(train.map((h) => caveatProbability(model, h.caveat)), train.map(rightOf), CONFIDENT_PRECISION);
    scored.forEach((h, i) => {
      if (caveatFolds[i] === f) heldOutProbability.set(h, caveatProbability(model, h.caveat) - threshold);
    });
  }
  const caveat = { caveat: fitCaveat(scored.map((h) => h.caveat), rightLabels(scored)) };
  caveat.caveat.threshold = round(thresholdFor(scored.map((h) => caveatProbability(caveat, h.caveat)), scored.map(rightOf), CONFIDENT_PRECISION));

  // A confident answer must also cover the question's words (passage, headings and title): a question
  // about a detail the report never gives (its budget, a date it lacks) shares its topic, not its words.
  // The lowest gate that keeps unanswerable questions from confident answers (held out).
  const covOf = (h: (typeof heldOut)[number]) => h.caveat[CAVEAT_FEATURES.indexOf('p_cov')] ?? 0;
  const confidentAt = (gate: number) => (h: (typeof heldOut)[number]) => (heldOutProbability.get(h) ?? -1) >= 0 && covOf(h) >= gate && h.answer.explain?.namesCounted !== false;
  const unanswerable = heldOut.filter((h) => h.row.question.doc === null && !h.answer.abstained);
  const gates = [0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1];
  for (const g of gates) log(`coverage gate ${g}: unanswerable confident ${unanswerable.filter(confidentAt(g)).length}/${heldOut.filter((h) => h.row.question.doc === null).length}, answerable confident ${heldOut.filter((h) => h.row.question.doc !== null && confidentAt(g)(h)).length}`);
  // The gate trades caveats on right answers against confident answers to what the reports do not say;
  // the second costs the user more (a claim, not a hedge), so it counts UNANSWERABLE_COST times.
  const answerableShown = heldOut.filter((h) => h.row.question.doc !== null && !h.answer.abstained);
  const unanswerableAll = heldOut.filter((h) => h.row.question.doc === null).length || 1;
  const cost = (g: number) => answerableShown.filter((h) => !confidentAt(g)(h)).length / (answerableShown.length || 1) + UNANSWERABLE_COST * (unanswerable.filter(confidentAt(g)).length / unanswerableAll);
  const gate = Number(arg('coverage-gate', String(gates.reduce((best, g) => (cost(g) < cost(best) - 1e-9 ? g : best), gates[0]!))));
  caveat.caveat.minCoverage = gate;
  for (const h of heldOut) if (!confidentAt(gate)(h) && heldOutProbability.has(h)) heldOutProbability.set(h, Math.min(heldOutProbability.get(h)!, -1e-9));
  log(`coverage gate: ${gate}`);

  const figures = {
    heldOut: summarize(heldOut.map((h) => ({ row: h.row, answer: h.answer, confident: (heldOutProbability.get(h) ?? -1) >= 0 }))),
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
  const final = fitModel(rows.map((r) => r.group));
  const model: RankerModel = {
    ...final,
    model: large.info().model,
    caveat: caveat.caveat,
    fitted: { date: new Date().toISOString().slice(0, 10), questions: rows.length, folds: FOLDS, confidentPrecision: CONFIDENT_PRECISION, heldOut: figures.heldOut.all.all, firstStage: figures.firstStage.all.all },
  };
  fs.writeFileSync(out, JSON.stringify(model, null, 1) + '\n');
  log(`wrote ${out}`);
  process.stdout.write(JSON.stringify(figures, null, 1) + '\n');
  printTable('first stage (no second stage)', figures.firstStage);
  printTable(`held-out folds (${FOLDS}-fold by report)`, figures.heldOut);
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
