/**
 * A chat as a conversation: the last question of each chat is kept for a short while, so that a
 * follow-up that only names another report, place or year ("那史村镇呢？", "What about Shicun?",
 * "2022年呢？") or asks for more ("详细点", "more") is understood as the previous question again;
 * and a question that compares reports ("两个镇谁…多？", "各镇…") is asked of each report.
 * Used by the bot (one memory per chat) and the terminal chat (one chat).
 */
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import type { Searcher } from '../search/searcher.js';
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
/** What wraps a follow-up's place or year: 那…呢？, what about …?, and …? */
const FOLLOW_UP_WRAP = /^(?:那么?|那个|还有|再看看?|and|what about|how about|and in|in)\s*|\s*(?:的呢|呢|怎么样|咋样|如何|的情况|情况)?\s*[？?。.!！]*\s*$/gi;
const YEAR = /(?:19|20)\d\d(?!\d)/;
/** A question across reports: 两个镇…, 各镇…, 谁…多, 哪个镇…, compare …, which town … */
const COMPARE = /两个镇|两镇|两份报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|谁的?[^？?]*(?:多|少|高|低|好|快)|比较|对比|相比|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/i;
/** The comparing words themselves, left out of what is searched in each report. */
const COMPARE_WORDS = /两个镇|两镇|两份报告|各镇|各个镇|每个镇|哪个镇|哪一个镇|分别|比较|对比|相比|谁的|谁|\bcompare\b|\bboth (?:towns|reports)\b|\beach (?:town|report)\b|\bwhich (?:town|report)\b/gi;

/**
 * What a message asks, given the chat's previous turn. `names(text)` says which reports a text
 * names by place/year (Searcher.reportsNamed).
 */
export function interpret(text: string, previous: Turn | undefined, names: (text: string) => string[]): Intent {
  const asked = text.trim();
  if (previous && MORE.test(asked)) return { kind: 'ask', question: previous.question, full: true, followUp: true };
  if (previous) {
    const rest = asked.replace(FOLLOW_UP_WRAP, '').trim();
    const onlyYear = /^(?:19|20)\d\d年?$/.test(rest);
    const short = /[a-z]/i.test(rest) ? rest.split(/\s+/).length <= 3 : rest.length <= 8;
    if (rest && short && (onlyYear || names(rest).length > 0)) {
      return { kind: 'ask', question: onlyYear ? withYear(previous.question, rest) : withPlace(previous, rest), full: false, followUp: true };
    }
  }
  if (COMPARE.test(asked)) return { kind: 'compare', question: asked };
  return { kind: 'ask', question: asked, full: false, followUp: false };
}

/** The previous question with its place replaced by `place` (or `place` put in front when it named none). */
function withPlace(previous: Turn, place: string): string {
  const aliases = previous.source ? reportMeta(previous.source).places.flatMap((p) => p.aliases) : [];
  for (const alias of aliases.sort((a, b) => b.length - a.length)) {
    const at = previous.question.toLowerCase().indexOf(alias);
    if (at >= 0) return previous.question.slice(0, at) + place + previous.question.slice(at + alias.length);
  }
  return `${place} ${previous.question}`;
}

/** The previous question with its year replaced (or the year put in front). */
function withYear(question: string, year: string): string {
  const y = year.replace('年', '');
  return YEAR.test(question) ? question.replace(YEAR, y) : `${y}年 ${question}`;
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
