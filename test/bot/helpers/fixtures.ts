/** Hand-made answers for unit tests: offsets computed the way search computes them. */
import type { Answer, Result } from '../../../src/search/types.js';

export interface ResultSpec {
  source?: string;
  title?: string;
  sectionPath?: string[];
  passage: string;
  quote: string;
  /** Sentences of the quote to mark as answering (must occur in the quote). */
  highlight?: string[];
  /** Where the passage starts in the cleaned report. */
  passageStart?: number;
}

export function makeResult(spec: ResultSpec, rank = 1): Result {
  const passageStart = spec.passageStart ?? 100;
  const at = spec.passage.indexOf(spec.quote);
  if (at < 0) throw new Error('quote not in passage');
  const start = passageStart + at;
  const highlights = (spec.highlight ?? []).map((h) => {
    const i = spec.quote.indexOf(h);
    if (i < 0) throw new Error(`highlight not in quote: ${h}`);
    return { start: start + i, end: start + i + h.length };
  });
  const sectionPath = spec.sectionPath ?? [];
  return {
    rank,
    score: 1 / rank,
    source: spec.source ?? '柏山镇-2023年法治政府建设情况报告.txt',
    corpusDir: '/corpus',
    title: spec.title ?? '柏山镇人民政府关于2023年法治政府建设情况的报告',
    section: sectionPath.join(' > '),
    sectionPath,
    quote: spec.quote,
    start,
    end: start + spec.quote.length,
    highlights,
    passage: spec.passage,
    passageStart,
    passageEnd: passageStart + spec.passage.length,
    passageId: rank * 7,
  };
}

export function makeAnswer(specs: ResultSpec[], q = '柏山镇组织了多少次普法宣传？', notices: string[] = []): Answer {
  return { q, abstained: false, results: specs.map((s, i) => makeResult(s, i + 1)), notices, confidence: 0.9, level: 'high' };
}

export const abstained = (q = '今年的高考分数线是多少？'): Answer => ({ q, abstained: true, results: [], notices: [], confidence: 0.1, level: 'none' });

export const PUFA_PASSAGE =
  '柏山镇围绕经济建设、安全生产、民生保障等重点工作，职能部门密切配合，组织新颁布的法律法规和与百姓息息相关的法律知识的学习宣传。' +
  '联合各村（社区）法律顾问、自然资源所、市场监管所等部门牵头组织开展法治宣传进机关、进企业、进单位、进学校、进村、进社区，先后组织各类普法宣传30余次，解答群众法律咨询1000多人次，发放各类法治宣传材料5000余份。' +
  '拓展了法律宣传的社会覆盖面，营造了浓厚的法治氛围。';
export const PUFA_QUOTE =
  '联合各村（社区）法律顾问、自然资源所、市场监管所等部门牵头组织开展法治宣传进机关、进企业、进单位、进学校、进村、进社区，先后组织各类普法宣传30余次，解答群众法律咨询1000多人次，发放各类法治宣传材料5000余份。';
export const PUFA_SECTIONS = ['二、推进法治政府建设的主要举措和成效', '（二）深入开展法治宣传教育，全面推进法治政府创建活动进程', '2.围绕中心工作，开展法治宣传教育活动'];

/**
 * Checks Telegram-HTML well-formedness: only the tags we use, balanced; no stray < > or bare &.
 * Returns the visible text (tags removed, entities decoded).
 */
export function checkHtml(htmlText: string): string {
  const allowed = new Set(['b', 'i', 'code', 'blockquote']);
  const stack: string[] = [];
  let visible = '';
  const re = /<(\/?)([a-z]+)((?: expandable)?)>|([^<]+)|(<)/g;
  for (let m = re.exec(htmlText); m; m = re.exec(htmlText)) {
    if (m[5]) throw new Error(`stray < at ${m.index}`);
    if (m[4] !== undefined) {
      if (m[4].includes('>')) throw new Error(`stray > in ${JSON.stringify(m[4].slice(0, 40))}`);
      const bare = /&(?!amp;|lt;|gt;)/.exec(m[4]);
      if (bare) throw new Error(`bare & in ${JSON.stringify(m[4].slice(bare.index, bare.index + 20))}`);
      visible += m[4].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      continue;
    }
    const [, close, tag] = m;
    if (!allowed.has(tag!)) throw new Error(`unexpected tag ${tag}`);
    if (close) {
      if (stack.pop() !== tag) throw new Error(`unbalanced </${tag}>`);
    } else stack.push(tag!);
  }
  if (stack.length) throw new Error(`unclosed ${stack.join(',')}`);
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(htmlText)) throw new Error('lone surrogate');
  return visible;
}
