/**
 * A chat as a conversation: the last question of each chat is kept for a short while, so that a
 * follow-up that only names another report, place or year ("那史村镇呢？", "What about Shicun?",
 * "2022年呢？") or asks for more ("详细点", "more") is understood as the previous question again;
 * and a question that compares reports ("两个镇谁…多？", "各镇…") is asked of each report.
 * Used by the bot (one memory per chat) and the terminal chat (one chat).
 */
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { ReportDirectory } from '../search/named-reports.js';
import type { Searcher } from '../search/searcher.js';
import { normalize } from '../search/text.js';
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
 * What may wrap the place or year of an elliptical follow-up (那…呢？, what about …?, and in …?), and
 * the words that only say "report" or a level. Nothing else: a question word or a predicate left over
 * makes the message a question of its own, however short.
 */
const ELLIPSIS_WRAPPERS = /那么|那个|那|还有|再看看?|再说说|怎么样|咋样|如何|的情况|情况|的呢|呢|的报告|报告|的|\b(?:and|what|how|about|in|for|of|the|its|report|town(?:ship)?|district|city|county|province)\b|'s|[\s？?。.!！,，、：:]/gi;
/** A year, as a follow-up names it: 2022, 2022年, 2022年度. */
const YEAR_WORD = /(?:19|20)\d\d(?!\d)\s*(?:年度?)?/g;
const YEAR = /(?:19|20)\d\d(?!\d)/;
/** A question across reports: 两个镇…, 各镇…, 谁…多, 哪个镇…, compare …, which town … */
const COMPARE = /两个镇|两镇|两份报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|谁的?[^？?]*(?:多|少|高|低|好|快)|比较|对比|相比|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/i;
/** The comparing words themselves, left out of what is searched in each report. */
const COMPARE_WORDS = /两个镇|两镇|两份报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|分别|比较|对比|相比|谁的|谁|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/gi;

/** What an elliptical follow-up names instead of the previous question's: a place (as written), a year, or both. */
export interface Ellipsis {
  place?: string;
  year?: string;
}

/**
 * The place and year a message names when it names nothing else ("那史村镇呢？", "2022年呢", "What
 * about Shicun?"); undefined when it asks something of its own ("史村镇有哪些不足", "北京2026年GDP增长目标是多少").
 */
export function ellipsisOf(text: string, directory: ReportDirectory): Ellipsis | undefined {
  const normalized = normalize(text);
  const places = directory.mentions(normalized);
  let rest = normalized;
  for (const m of places) rest = rest.slice(0, m.start) + ' '.repeat(m.end - m.start) + rest.slice(m.end);
  const year = YEAR.exec(rest)?.[0];
  rest = rest.replace(YEAR_WORD, ' ').replace(ELLIPSIS_WRAPPERS, '');
  if (rest !== '' || (!year && places.length === 0)) return undefined;
  // The narrowest place named (深圳市南山区 → 南山区), as the user wrote it.
  const place = places.reduce<(typeof places)[number] | undefined>((best, m) => (!best || m.depth >= best.depth ? m : best), undefined);
  return { place: place && text.slice(place.start, place.end), year };
}

/**
 * What a message asks, given the chat's previous turn. `directory`: the places and years of the
 * reports (directoryOf(searcher)).
 */
export function interpret(text: string, previous: Turn | undefined, directory: ReportDirectory): Intent {
  const asked = text.trim();
  if (previous && MORE.test(asked)) return { kind: 'ask', question: previous.question, full: true, followUp: true };
  const ellipsis = previous && ellipsisOf(asked, directory);
  if (previous && ellipsis) {
    let question = ellipsis.place ? withPlace(previous, ellipsis.place, directory) : previous.question;
    if (ellipsis.year) question = withYear(question, ellipsis.year);
    return { kind: 'ask', question, full: false, followUp: true };
  }
  if (COMPARE.test(asked)) return { kind: 'compare', question: asked };
  return { kind: 'ask', question: asked, full: false, followUp: false };
}

/**
 * The previous question with its place replaced by `place`: the narrowest place it names, else the
 * place of the report its answer quoted; else `place` is put in front.
 */
function withPlace(previous: Turn, place: string, directory: ReportDirectory): string {
  const q = previous.question;
  const named = directory.mentions(normalize(q));
  const narrowest = named.reduce<(typeof named)[number] | undefined>((best, m) => (!best || m.depth >= best.depth ? m : best), undefined);
  if (narrowest) return q.slice(0, narrowest.start) + place + q.slice(narrowest.end);
  const aliases = previous.source ? reportMeta(previous.source).places.flatMap((p) => p.aliases) : [];
  for (const alias of aliases.sort((a, b) => b.length - a.length)) {
    const at = q.toLowerCase().indexOf(alias);
    if (at >= 0) return q.slice(0, at) + place + q.slice(at + alias.length);
  }
  return `${place} ${q}`;
}

/**
 * The previous question with its year replaced; when it had none, the year is the report's
 * ("2022年呢？" after a question about 柏山镇 asks for 柏山镇's 2022 report, not its 2023 report's
 * review of 2022), so the question says "report".
 */
function withYear(question: string, year: string): string {
  const y = YEAR.exec(year)![0];
  return YEAR.test(question) ? question.replace(YEAR, y) : `${y}年报告 ${question}`;
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

export interface Comparison {
  q: string;
  /** Each report's best result (in the order of the reports), with its label (柏山镇 2023). */
  rows: { label: string; result: Result }[];
}

/**
 * Asks a comparison of each report: the reports it names, else all of them when there are few.
 * Undefined when there is nothing to compare (fewer than two reports answer): ask it as one question.
 */
export async function compareReports(searcher: Searcher, question: string): Promise<Comparison | undefined> {
  const sources = searcher.sources();
  const labelOf = (s: SourceInfo) => reportLabel(reportMeta(s.source, s.title), s.title);
  const named = new Set(searcher.reportsNamed(question));
  const chosen = named.size >= 2 ? sources.filter((s) => named.has(labelOf(s))) : sources;
  if (chosen.length < 2 || chosen.length > MAX_COMPARED_REPORTS) return undefined;
  const topic = question.replace(COMPARE_WORDS, ' ').replace(/\s+/g, ' ').trim();
  const rows: Comparison['rows'] = [];
  for (const s of chosen) {
    const answer = await searcher.search(topic, { k: 1, onlyReport: { corpusDir: s.corpusDir, source: s.source } });
    const best = answer.results[0];
    if (!answer.abstained && best && answer.level !== 'none') rows.push({ label: labelOf(s), result: best });
  }
  return rows.length >= 2 ? { q: question, rows } : undefined;
}
