/**
 * `npm run eval -- FILE.jsonl [FILE.jsonl …]`: answers every question of each set and prints its scores
 * (eval-score.ts) with a picture (eval-chart.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { answerOf } from '../search/answer-span.js';
import { openSearcher } from '../search/searcher.js';
import type { Answer } from '../search/types.js';
import { loadConfig, PROJECT_ROOT } from '../config.js';
import { evalChart } from './eval-chart.js';
import { parseCommandLine, SHARED_HELP } from './options.js';
import { answerLineHit, breakdown, type EvalQuestion, firstHit, formatScores, readQuestions, type Scores } from './eval-score.js';

// The scoring is its own module (used by fit:ranker too); its names stay importable from here.
export { type EvalQuestion, DOC_OF_SOURCE, docOf, squeeze, isQuestionDoc, answerLineHit, firstHit, type Scores, score, readQuestions, formatScores, breakdown } from './eval-score.js';

export async function main(argv: string[]): Promise<number> {
  const { values, positionals, config } = await parseCommandLine(argv, {
    verbose: { type: 'boolean', short: 'v' },
    json: { type: 'boolean' },
    'unnamed-index': { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(
      `usage: npm run eval -- [options] FILE.jsonl [FILE.jsonl …]\n  -v, --verbose        show each question's rank and top quote\n  --json               print the scores as JSON\n  --unnamed-index DIR  answer questions marked "names_report": false from this index (the seeds alone)\n  --out PREFIX         write PREFIX.json (figures) and PREFIX.svg (the picture); default bench/results/eval-<time>\n${SHARED_HELP}\n`,
    );
    return values.help ? 0 : 2;
  }
  const sets = positionals.map((file) => ({ name: path.basename(file, '.jsonl'), questions: readQuestions(file) }));
  const searcher = await openSearcher(config);
  const unnamedIndex = values['unnamed-index'] as string | undefined;
  const unnamed = unnamedIndex ? await openSearcher(loadConfig({ indexDir: path.resolve(unnamedIndex) })) : searcher;
  const report: Record<string, Record<string, Scores>> = {};
  for (const set of sets) {
    const rows: { question: EvalQuestion; answer: Answer }[] = [];
    for (const question of set.questions) {
      const answer = await (question.names_report === false ? unnamed : searcher).search(question.q, { k: 10 });
      rows.push({ question, answer });
      if (values.verbose) {
        const rank = question.doc === null ? (answer.abstained ? 'abstained ✓' : 'answered ✗') : String(firstHit(question, answer) || '✗');
        const top = answer.results[0];
        const line = top ? answerOf(answer.q, top)?.text ?? '' : '';
        process.stderr.write(`${question.id} [${question.lang}${question.kind ? ' ' + question.kind : ''}] ${rank.padEnd(11)} ${answer.level.padEnd(4)} cov ${answer.confidence.toFixed(2)} dense ${(answer.signals?.dense ?? 0).toFixed(3)} right ${(answer.signals?.right ?? 0).toFixed(2)} ${question.q}\n    → ${top ? `${top.source.slice(0, 24)} ${top.quote.slice(0, 70)}` : '(none)'}\n    answer line ${question.doc !== null && answerLineHit(question, answer) ? '✓' : '✗'} ${line}\n`);
      }
    }
    report[set.name] = breakdown(rows);
  }
  const figures = { date: new Date().toISOString(), corpusDirs: config.corpusDirs, model: searcher.info().model, sets: report };
  if (values.json) process.stdout.write(JSON.stringify(figures) + '\n');
  else
    for (const [name, scores] of Object.entries(report)) {
      process.stdout.write(`${name}\n`);
      for (const [label, s] of Object.entries(scores)) process.stdout.write('  ' + formatScores(label, s) + '\n');
    }
  const prefix = (values.out as string | undefined) ?? path.join(PROJECT_ROOT, 'bench', 'results', `eval-${figures.date.replace(/[:.]/g, '-')}`);
  fs.mkdirSync(path.dirname(path.resolve(prefix)), { recursive: true });
  fs.writeFileSync(`${prefix}.json`, JSON.stringify(figures, null, 1) + '\n');
  fs.writeFileSync(`${prefix}.svg`, evalChart(report));
  process.stderr.write(`figures: ${prefix}.json, picture: ${prefix}.svg\n`);
  return 0;
}
