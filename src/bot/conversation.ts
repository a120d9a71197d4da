/**
 * A chat as a conversation: the last question of each chat is kept for a short while, so that a
 * follow-up that only names another report, place or year ("那史村镇呢？", "What about Shicun?",
 * "2022年呢？") or asks for more ("详细点", "more") is understood as the previous question again
 * (a message with a question of its own is a new question, however short); and a question that
 * compares reports ("柏山镇和史村镇哪个…多？", "两个镇谁…多？") is asked of each report, side by side
 * (search/compare.ts).
 * Used by the bot (one memory per chat) and the terminal chat (one chat).
 */
import { reportMeta } from '../corpus/report-meta.js';
import { blankOut, ReportDirectory } from '../search/named-reports.js';
import { normalize } from '../language/text.js';
import type { Answer } from '../search/types.js';
import { sidesOf, YEAR_WORD } from '../search/compare.js';

// Comparisons are search's (search/compare.ts); their names stay importable from here.
export { compareReports, type Comparison, directoryOf, MAX_COMPARED_REPORTS, sidesOf, topicOf } from '../search/compare.js';

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
const YEAR = /(?:19|20)\d\d(?!\d)/;
const REPORT_WORD = /报告|report/i;
/** Words that ask to set reports side by side: which, more, both, each, 分别, 哪个…多, 谁, 比. */
const COMPARING = /哪个|哪一个|哪家|哪边|谁|分别|各自|都|一样|相同|不同|区别|差别|差距|比较|对比|相比|比|更|还是|\b(?:compare[ds]?|comparison|which|both|each|versus|vs|than|differ(?:ent|ence)?|same|more|less|higher|lower)\b/i;
/** Words that join the reports a question names: 柏山镇和史村镇, Baishan and Shicun. */
const JOINING = /和|与|跟|同|及|、|\band\b|&/i;
/** A question across all the reports, naming none: 两个镇…, 各镇…, 谁…多, compare …, which town … */
const ACROSS_ALL = /两个镇|两镇|两份报告|两个报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|谁的?[^？?]*(?:多|少|高|低|好|快)|比较|对比|相比|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/i;


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

/** Two or more named reports joined or compared (柏山镇和史村镇…, 南山区2022年和2023年…分别), or all reports as a group (两个镇…谁多). */
function isComparison(question: string, directory: ReportDirectory): boolean {
  if (sidesOf(question, directory).length >= 2) return COMPARING.test(question) || JOINING.test(question);
  return directory.byPlace(normalize(question)).length === 0 && ACROSS_ALL.test(question);
}

