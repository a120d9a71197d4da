/**
 * A chat as a conversation: the last question of each chat is kept for a short while, so that a
 * follow-up that only names another report, place or year ("那史村镇呢？", "What about Shicun?",
 * "2022年呢？") or asks for more ("详细点", "more") is understood as the previous question again
 * (a message with a question of its own is a new question, however short); and a question that
 * compares reports ("柏山镇和史村镇哪个…多？", "两个镇谁…多？") is asked of each report, side by side.
 * Used by the bot (one memory per chat) and the terminal chat (one chat).
 */
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { blankOut, type NamedReports, ReportDirectory } from '../search/named-reports.js';
import type { Searcher } from '../search/searcher.js';
import { normalize } from '../language/text.js';
import type { Answer, Result, SourceInfo } from '../search/types.js';

export interface Turn {
  question: string;
  /** The report the previous answer quoted first (its place names are what a follow-up replaces). */
  source?: string;
}

/** The last question per chat, forgotten after `ttlMs`; at most `capacity` chats (the oldest go first). */
export class ChatMemory {
  private readonly turns = new Map<string | number, Turn & { at: number }>();

  constructor(
    readonly ttlMs: number,
    readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(chat: string | number): Turn | undefined {
    const turn = this.turns.get(chat);
    if (!turn) return undefined;
    if (this.now() - turn.at > this.ttlMs) {
      this.turns.delete(chat);
      return undefined;
    }
    return turn;
  }

  remember(chat: string | number, question: string, answer?: Answer): void {
    if (this.ttlMs <= 0) return;
    this.turns.delete(chat);
    this.turns.set(chat, { question, source: answer?.results[0]?.source, at: this.now() });
    while (this.turns.size > this.capacity) this.turns.delete(this.turns.keys().next().value!);
  }

  get size(): number {
    return this.turns.size;
  }
}

export type Intent =
  /** Search `question`; `full`: show the whole passage (the user asked for more). */
  | { kind: 'ask'; question: string; full: boolean; followUp: boolean }
  /** Ask `question` of each report and show their best sentences side by side. */
  | { kind: 'compare'; question: string };

/** "more", "详细点": the previous question, in more detail. */
const MORE = /^(?:more|tell me more|more details?|details?|go on|详细点|详细一点|详细些|具体点|具体一点|具体些|展开|展开说说|再详细|多说点|还有吗|还有呢)[\s？?。.!！]*$/i;
/**
 * What may wrap the places or year of an elliptical follow-up (那…呢？, what about …?, and in …?, …和…), and
 * the words that only say "report" or a level. Nothing else: a question word or a predicate left over
 * makes the message a question of its own, however short.
 */
const ELLIPSIS_WRAPPERS = /那么|那个|那|还有|和|与|跟|及|再看看?|再说说|怎么样|咋样|如何|的情况|情况|的呢|呢|的报告|报告|的|\b(?:and|what|how|about|in|for|of|the|its|report|town(?:ship)?|district|city|county|province)\b|'s|[\s？?。.!！,，、：:]/gi;
/** A year, as a follow-up names it: 2022, 2022年, 2022年度. */
const YEAR_WORD = /(?:19|20)\d\d(?!\d)\s*(?:年度?)?/g;
const YEAR = /(?:19|20)\d\d(?!\d)/;
const REPORT_WORD = /报告|report/i;
/** Words that ask to set reports side by side: which, more, both, each, 分别, 哪个…多, 谁, 比. */
const COMPARING = /哪个|哪一个|哪家|哪边|谁|分别|各自|都|一样|相同|不同|区别|差别|差距|比较|对比|相比|比|更|还是|\b(?:compare[ds]?|comparison|which|both|each|versus|vs|than|differ(?:ent|ence)?|same|more|less|higher|lower)\b/i;
/** Words that join the reports a question names: 柏山镇和史村镇, Baishan and Shicun. */
const JOINING = /和|与|跟|同|及|、|\band\b|&/i;
/** A question across all the reports, naming none: 两个镇…, 各镇…, 谁…多, compare …, which town … */
const ACROSS_ALL = /两个镇|两镇|两份报告|两个报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|谁的?[^？?]*(?:多|少|高|低|好|快)|比较|对比|相比|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/i;
/** The comparing words themselves, left out of what is searched in each report. */
const COMPARE_WORDS = /两个镇|两镇|两份报告|两个报告|各镇|各个镇|每个镇|哪一个镇|哪家|哪边|分别|各自|比较|对比|相比|一样|谁的|谁|\b(?:compare[ds]?|which(?: of| (?:town|report|district|city|one))?|both(?: (?:towns|reports))?|each(?: (?:town|report))?|versus|vs)\b/gi;
/** A comparison's closing adjective (…哪个资料多？ → 资料): it says which side wins, not what to look for. */
const WINNER = /(?:更|最)?(?:多|少|高|低|大|小|快|慢|好|强|差)(?:一些|些|一点)?(?=[\s？?。.!！]*$)/;

/** A year said relative to the previous question's report: 去年呢？ after a 2023 question is 2022. */
const RELATIVE_YEARS: [RegExp, number][] = [
  [/前年|\bthe year before last\b/g, -2],
  [/去年|上一年|前一年|\b(?:last|previous) year\b|\bthe year before\b/g, -1],
  [/明年|下一年|后一年|\bnext year\b|\bthe year after\b/g, 1],
];

/** What an elliptical follow-up names instead of the previous question's: a place (as written), a year (or one relative to it), or both. */
export interface Ellipsis {
  place?: string;
  year?: string;
  /** Years from the previous question's (去年 -1, 明年 +1). */
  shift?: number;
}

/**
 * The place and year a message names when it names nothing else ("那史村镇呢？", "2022年呢", "What
 * about Shicun?"); undefined when it asks something of its own ("史村镇有哪些不足", "北京2026年GDP增长目标是多少").
 */
export function ellipsisOf(text: string, directory: ReportDirectory): Ellipsis | undefined {
  const normalized = normalize(text);
  let rest = blankOut(normalized, directory.mentions(normalized));
  const year = YEAR.exec(rest)?.[0];
  let shift: number | undefined;
  for (const [words, by] of RELATIVE_YEARS) if (words.test(rest)) (shift ??= by), (rest = rest.replace(words, ' '));
  if (rest.replace(YEAR_WORD, ' ').replace(ELLIPSIS_WRAPPERS, '') !== '') return undefined;
  // The narrowest places named (深圳市南山区 → 南山区), as the user wrote them; several are compared (那史村镇和柏山镇呢？).
  const places = [...new Set(directory.narrowestMentions(normalized).map((m) => text.slice(m.start, m.end)))];
  if (!year && shift === undefined && places.length === 0) return undefined;
  return { place: places.length ? places.join('和') : undefined, year, ...(shift !== undefined && !year ? { shift } : {}) };
}

/**
 * What a message asks, given the chat's previous turn. `directory`: the places and years of the
 * reports (directoryOf(searcher)).
 */
export function interpret(text: string, previous: Turn | undefined, directory: ReportDirectory): Intent {
  const asked = text.trim();
  if (previous && MORE.test(asked)) return { kind: 'ask', question: previous.question, full: true, followUp: true };
  const ellipsis = previous && ellipsisOf(asked, directory);
  // 去年呢？: the year before the previous question's, else before its report's; with neither, a question of its own.
  const base = previous && Number(YEAR.exec(previous.question)?.[0] ?? (previous.source ? reportMeta(previous.source).year : NaN));
  const year = ellipsis?.shift !== undefined ? (Number.isFinite(base) ? String(base! + ellipsis.shift) : undefined) : ellipsis?.year;
  if (previous && ellipsis && (ellipsis.shift === undefined || year)) {
    let question = ellipsis.place ? withPlace(previous, ellipsis.place, directory) : previous.question;
    if (year) question = withYear(question, year);
    // "那2022年呢？" after a comparison is that comparison again.
    if (isComparison(question, directory)) return { kind: 'compare', question };
    return { kind: 'ask', question, full: false, followUp: true };
  }
  if (isComparison(asked, directory)) return { kind: 'compare', question: asked };
  return { kind: 'ask', question: asked, full: false, followUp: false };
}

/**
 * The previous question with its place replaced by `place`: the narrowest place it names, else the
 * place of the report its answer quoted; else `place` is put in front.
 */
function withPlace(previous: Turn, place: string, directory: ReportDirectory): string {
  const q = previous.question;
  const named = directory.narrowestMentions(normalize(q)).at(-1);
  if (named) return q.slice(0, named.start) + place + q.slice(named.end);
  const aliases = previous.source ? reportMeta(previous.source).places.flatMap((p) => p.aliases) : [];
  for (const alias of aliases.sort((a, b) => b.length - a.length)) {
    const at = q.toLowerCase().indexOf(alias);
    if (at >= 0) return q.slice(0, at) + place + q.slice(at + alias.length);
  }
  return `${place} ${q}`;
}

/**
 * The previous question with its year replaced (or put in front), as the year of a report: "2022年呢？"
 * after a question about 柏山镇's 2023 report asks for its 2022 report, not for the 2023 report's
 * account of 2022; a place with no report that year is then said so.
 */
function withYear(question: string, year: string): string {
  const y = YEAR.exec(year)![0];
  const replaced = question.replace(new RegExp(YEAR.source, 'g'), y);
  return REPORT_WORD.test(replaced) ? replaced : `${y}年报告 ${replaced}`;
}

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
interface Side {
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

/** Two or more named reports joined or compared (柏山镇和史村镇…, 南山区2022年和2023年…分别), or all reports as a group (两个镇…谁多). */
function isComparison(question: string, directory: ReportDirectory): boolean {
  if (sidesOf(question, directory).length >= 2) return COMPARING.test(question) || JOINING.test(question);
  return directory.byPlace(normalize(question)).length === 0 && ACROSS_ALL.test(question);
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
