/**
 * What the greeting says the reports are, from their own titles: "2 份法治政府建设报告", or for a mixed
 * corpus the main kinds with their counts ("245 份政府工作报告、2 份法治政府建设报告"), never a fixed phrase.
 *
 * A report's kind is its title without place names and years (柏山镇 2023年法治政府建设情况报告 →
 * 法治政府建设情况报告). Kinds that share most of their characters in order are one kind, named by what
 * they share (法治政府建设报告 + 法治政府建设情况报告 → 法治政府建设报告; 政府工作报告 + 二届人大三次会议政府工作报告
 * → 政府工作报告).
 */
import { reportMeta } from '../corpus/report-meta.js';
import type { SourceInfo } from '../search/types.js';

export interface CorpusKind {
  kind: string;
  reports: number;
}

/**
 * Share of a kind's characters that a less frequent kind must have too (in order) to join it: a longer
 * title of the same kind joins, a shorter, vaguer one (工作报告 beside 政府工作报告) does not.
 */
const SAME_KIND = 0.8;
/** A kind shorter than this says nothing (a title that is only a place and a year). */
const MIN_KIND_CHARS = 2;

/** The report's kind: its title without places, years and brackets, e.g. 法治政府建设情况报告. */
export function kindOf(source: string, title: string): string {
  const meta = reportMeta(source, title);
  let kind = title;
  // Full names first (深圳市罗湖区 before 罗湖区 before 罗湖): a shorter alias must not cut a longer name.
  const names = meta.places.flatMap((p) => p.aliases.filter((a) => /[\u4e00-\u9fff]/.test(a))).sort((a, b) => b.length - a.length);
  for (const name of names) kind = kind.split(name).join('');
  kind = kind
    .replace(/[（(]?(?:19|20)\d\d\s*(?:年度|年)?[）)]?/g, '')
    .replace(/[\s\-_（）()《》【】·、，,]+/g, '');
  return kind.length >= MIN_KIND_CHARS ? kind : '';
}

/** Longest common subsequence of two strings (characters in order, not necessarily adjacent). */
function commonSubsequence(a: string, b: string): string {
  const x = Array.from(a);
  const y = Array.from(b);
  const table = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) table[i]![j] = x[i] === y[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  }
  let out = '';
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i] === y[j]) {
      out += x[i];
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** The kinds of reports in the corpus, most frequent first; reports whose title says no kind are left out. */
export function corpusKinds(sources: Pick<SourceInfo, 'source' | 'title'>[]): CorpusKind[] {
  const counts = new Map<string, number>();
  for (const s of sources) {
    const kind = kindOf(s.source, s.title);
    if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const groups: CorpusKind[] = [];
  for (const [kind, reports] of [...counts].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)) {
    const group = groups.find((g) => {
      const shared = Array.from(commonSubsequence(g.kind, kind)).length;
      return shared >= MIN_KIND_CHARS && shared >= SAME_KIND * Array.from(g.kind).length;
    });
    if (group) {
      group.kind = commonSubsequence(group.kind, kind);
      group.reports += reports;
    } else groups.push({ kind, reports });
  }
  return groups.sort((a, b) => b.reports - a.reports);
}
