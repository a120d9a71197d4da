/**
 * Comparisons decided in search, for every chat: the reports a question sets side by side (one per
 * place it names, or one per year of one place), what to look for in each, and each report's best
 * result — a Comparison that the Telegram and terminal renderers lay out side by side. Whether a chat
 * message is a comparison at all is the conversation's (bot/conversation.ts).
 */
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { normalize } from '../language/text.js';
import { blankOut, type NamedReports, ReportDirectory } from './named-reports.js';
import type { Searcher } from './searcher.js';
import type { Result, SourceInfo } from './types.js';

/** A year, as a follow-up names it: 2022, 2022年, 2022年度. */
export const YEAR_WORD = /(?:19|20)\d\d(?!\d)\s*(?:年度?)?/g;
/** The comparing words themselves, left out of what is searched in each report. */
const COMPARE_WORDS = /两个镇|两镇|两份报告|两个报告|各镇|各个镇|每个镇|哪一个镇|哪家|哪边|分别|各自|比较|对比|相比|一样|谁的|谁|\b(?:compare[ds]?|which(?: of| (?:town|report|district|city|one))?|both(?: (?:towns|reports))?|each(?: (?:town|report))?|versus|vs)\b/gi;
/** A comparison's closing adjective (…哪个资料多？ → 资料): it says which side wins, not what to look for. */
const WINNER = /(?:更|最)?(?:多|少|高|低|大|小|快|慢|好|强|差)(?:一些|些|一点)?(?=[\s？?。.!！]*$)/;

/** The reports of a searcher as a directory of places and years, rebuilt when its index changes. */
const directories = new WeakMap<Searcher, { generation: string; sources: SourceInfo[]; directory: ReportDirectory }>();
export function directoryOf(searcher: Searcher): { sources: SourceInfo[]; directory: ReportDirectory } {
  const generation = searcher.info().generation;
  let entry = directories.get(searcher);
  if (!entry || entry.generation !== generation) {
    const sources = searcher.sources();
    entry = { generation, sources, directory: new ReportDirectory(sources.map((s) => reportMeta(s.source, s.title))) };
    directories.set(searcher, entry);
  }
  return entry;
}

/** Most reports a comparison quotes in one message. */
export const MAX_COMPARED_REPORTS = 6;

/** One side of a comparison: a report (its index in the directory) or a place and year with no report. */
export interface Side {
  doc?: number;
  missing?: NonNullable<NamedReports['missing']>;
}

/**
 * The reports a question sets side by side: one per place it names (the year it names, else the
 * latest), or, for one place, one per year it names. Fewer than two: not a comparison of named reports.
 */
export function sidesOf(question: string, directory: ReportDirectory): Side[] {
  const normalized = normalize(question);
  const latest = (docs: number[]) => docs.reduce((a, b) => ((directory.metas[b]!.year ?? 0) > (directory.metas[a]!.year ?? 0) ? b : a));
  const places = directory.byPlace(normalized);
  if (places.length >= 2) return places.slice(0, MAX_COMPARED_REPORTS).map(({ named }) => (named.docs.length ? { doc: latest(named.docs) } : { missing: named.missing }));
  const years = [...new Set(normalized.match(/(?:19|20)\d\d(?!\d)/g) ?? [])];
  if (places.length !== 1 || years.length < 2) return [];
  const sides = years.slice(0, MAX_COMPARED_REPORTS).map((y): Side => {
    const named = directory.resolve(`${places[0]!.place.toLowerCase()} ${y}`);
    const exact = named.docs.find((d) => directory.metas[d]!.year === Number(y));
    return exact !== undefined || named.docs.length ? { doc: exact ?? named.docs[0] } : { missing: named.missing };
  });
  return sides.filter((side, i) => side.doc === undefined || sides.findIndex((o) => o.doc === side.doc) === i);
}

/**
 * What to search in each report: the question without the comparing words, the places and years that
 * named the reports (each report is searched on its own: its own name would match everywhere in it, the
 * other's nowhere) and the closing adjective that only says which side wins.
 */
export function topicOf(question: string, directory: ReportDirectory): string {
  const mentions = directory.mentions(normalize(question));
  let text = blankOut(question, mentions, '\u0000');
  const asksWinner = /哪|谁|which|more|higher/i.test(question);
  // 哪个区 of two districts asks which of them (a comparing word); 哪个县 of two towns asks for each one's county.
  const levels = new Set(mentions.map((m) => m.place.slice(-1)));
  text = text
    .replace(/哪一?个([镇乡村区县市省州]?)/g, (all, level: string) => (level && !levels.has(level) ? all : ' '))
    .replace(YEAR_WORD, '\u0000')
    .replace(/\u0000[\s\u0000]*(?:和|与|跟|同|及|以及|、|and|&|vs\.?|versus)?[\s\u0000]*(?=\u0000)/gi, '')
    .replace(/\u0000/g, ' ')
    .replace(COMPARE_WORDS, ' ');
  // Which is higher is a question of each side's figure: asked as "…多少", each report quotes its figure.
  if (asksWinner && WINNER.test(text)) text = `${text.replace(WINNER, '').replace(/[\s？?。.!！]+$/, '')}是多少`;
  return text.replace(/\s+/g, ' ').trim();
}

export interface Comparison {
  q: string;
  /** Each report's best result (in the order the question names them), with its label (柏山镇 2023). */
  rows: { label: string; result: Result }[];
  /** Sides with nothing to show: no report for that place or year, or nothing on the topic in the report. */
  absent: { label: string; missing?: NonNullable<NamedReports['missing']> }[];
}

/**
 * Asks a comparison of each report: the reports it names, else all of them when there are few.
 * Undefined when there is nothing to compare (no report answers, or fewer than two sides): ask it as one question.
 */
export async function compareReports(searcher: Searcher, question: string): Promise<Comparison | undefined> {
  const { sources, directory } = directoryOf(searcher);
  const labelOf = (doc: number) => reportLabel(directory.metas[doc]!, sources[doc]!.title);
  let sides = sidesOf(question, directory);
  if (sides.length < 2 && sources.length <= MAX_COMPARED_REPORTS) sides = sources.map((_, doc) => ({ doc }));
  if (sides.length < 2) return undefined;
  const topic = topicOf(question, directory);
  const comparison: Comparison = { q: question, rows: [], absent: [] };
  for (const side of sides) {
    if (side.doc === undefined) {
      comparison.absent.push({ label: side.missing!.place, missing: side.missing });
      continue;
    }
    const s = sources[side.doc]!;
    const label = labelOf(side.doc);
    // Asked as a question about that report (its narrowest place and year name it): searched within it, and
    // never refused for lack of words, as any question naming its report; its own name is not searched for in it.
    const meta = directory.metas[side.doc]!;
    const name = `${meta.places.at(-1)?.name ?? ''} ${meta.year ?? ''}`.trim();
    const namesIt = name !== '' && directory.resolve(normalize(name)).docs.includes(side.doc);
    const answer = await searcher.search(namesIt ? `${name} ${topic}` : topic, { k: 3, ...(namesIt ? {} : { onlyReport: { corpusDir: s.corpusDir, source: s.source } }) });
    const best = answer.results.find((r) => r.corpusDir === s.corpusDir && r.source === s.source);
    if (!answer.abstained && best && answer.level !== 'none') comparison.rows.push({ label, result: best });
    else comparison.absent.push({ label: labelOf(side.doc) });
  }
  return comparison.rows.length >= 1 ? comparison : undefined;
}
