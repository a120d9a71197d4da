/**
 * What a question asks for, read from its question words (Chinese, traditional folded by normalize(),
 * and English): the kind of answer, and for a number the measure word it wants (份, 起, 亿元, %).
 * The second stage (sentence-ranker.ts) uses it as evidence a sentence answers; the answer line
 * (answer-span.ts) uses it to pick and bold the clause.
 */
import { normalize } from '../language/text.js';

export type QuestionKind = 'number' | 'date' | 'who' | 'where' | 'why' | 'how' | 'list' | 'yesno' | 'other';

/** First match wins: the more specific kinds come first ("哪一年" is a date, not a "which"). */
const KINDS: [QuestionKind, RegExp][] = [
  ['date', /什么时候|啥时候|何时|哪一?年|哪天|哪一天|几月|几号|哪个月|什么日子|日期|\bwhen\b|what (?:date|year|day|month)|which (?:year|date|day|month)/i],
  [
    'number',
    /多少|几[个次人项起处名家件场份天条所期批户座部台辆亩年倍成]|数量|比例|增长了?几|占比|百分之几|how (?:many|much|often|long|far|big|large|high|fast)|number of|percent|\bwhat (?:share|proportion|rate|level|amount)\b|\brank(?:ed)?\b|\bmore\b|\bfewer\b|\bmost\b/i,
  ],
  [
    'who',
    /谁|哪[个些]?(?:部门|单位|机构|人|家单位|家机构|家企业|家公司)|哪[位名]|什么人|什么部门|什么单位|是哪家|\bwho\b|\bwhom\b|\bwhose\b|which (?:department|agency|office|official|body|person|people|organi[sz]ation|economist|leader|singer|athlete|scientist|professor|artist|writer|author|celebrit(?:y|ies)|player|champion|company|companies|firm|universit(?:y|ies)|hospital)/i,
  ],
  ['where', /哪里|哪儿|在哪(?![些个])|何地|何处|什么地方|哪个?(?:村|镇|社区|地方|城市|区|县|省|片区|地点)|选址|\bwhere\b|which (?:village|town|place|city|district|province|area)/i],
  ['why', /为什么|为何|为啥|原因|目的|为了什么|怎么会|\bwhy\b|\breasons?\b|\bpurpose\b|\bbecause\b/i],
  ['how', /怎样|怎么|如何|咋|采取了?什么|什么(?:措施|办法|方式|手段|做法)|通过什么|用什么|\bhow\b|what (?:measures?|steps?|ways?|methods?|actions?)/i],
  ['yesno', /是否|有没有|有无|是不是|会不会|能不能|吗[？?。.]?\s*$|了没|没有[？?]?\s*$|^(?:is|are|was|were|did|does|do|has|have|had|will|can|could)\b/i],
  ['list', /哪些|哪几|什么|啥|哪[两三四五六七八九十]|几[大项类种方]|\bwhat\b|\bwhich\b|\blist\b/i],
];

/** The kind of answer a question wants (traditional characters and full-width forms are folded first). */
export function questionKind(question: string): QuestionKind {
  const q = normalize(question);
  return KINDS.find(([, re]) => re.test(q))?.[0] ?? 'other';
}

/** Measure words a number question may ask for, longest first (多少亿元 → 亿元, 几起 → 起). */
const UNITS = ['万亿元', '亿元', '万元', '千元', '元', '人次', '万人', '公里', '平方米', '平方公里', '万平方米', '亩', '%', '个百分点', '倍', '份', '起', '次', '人', '个', '项', '件', '场', '家', '户', '条', '名', '所', '期', '批', '座', '部', '台', '辆', '处', '张', '套', '篇', '天', '年', '岁', '吨', '辆'];
const UNIT_AFTER = new RegExp(`(?:多少|几)(?:个)?(${UNITS.map((u) => u.replace('%', '%')).join('|')})`);

/** The measure word a number question wants: 发放了多少份 → 份, 多少亿元 → 亿元, 增长多少 → undefined. */
export function askedUnit(asked: string): string | undefined {
  const question = normalize(asked);
  const m = UNIT_AFTER.exec(question);
  if (m) return m[1];
  // "发了多少资料" asks for 份 without saying it: the thing counted says its measure word.
  const counted = /(?:多少|几)[\u4e00-\u9fff]{0,6}?(资料|传单|宣传单|宣传册|宣传品|材料|手册|问卷|钱|资金|经费|投资|补贴|收入|产值|生产总值|gdp|人|群众|人员|游客|学生|学位|企业|公司)/i.exec(question);
  if (counted) return NOUN_UNITS[counted[1]!.toLowerCase()];
  // A measure word of its own at the end of the question: 多少万标箱 → 标箱.
  const tail = /(?:多少|几)[万亿千百]?([\u4e00-\u9fff]{1,2})(?=[？?。！!，,\s]|呢|啊|吗|$)/.exec(question);
  if (tail && !/^[年月日号天是的了呢啊吗]/.test(tail[1]!)) return tail[1];
  if (/百分之几|百分比|比例|占比|增长了?多少|增速|percent|percentage|\brate\b/i.test(question)) return '%';
  if (/多少钱|how much money|\bcost\b|\bspend\b|\bspent\b|\byuan\b|\bbudget\b/i.test(question)) return '元';
  return undefined;
}

/** The measure word of a counted thing (资料 → 份, 经费 → 元). */
const NOUN_UNITS: Record<string, string> = {
  资料: '份', 传单: '份', 宣传单: '份', 宣传册: '份', 宣传品: '份', 材料: '份', 手册: '份', 问卷: '份',
  钱: '元', 资金: '元', 经费: '元', 投资: '元', 补贴: '元', 收入: '元', 产值: '元', 生产总值: '元', gdp: '元',
  人: '人', 群众: '人', 人员: '人', 游客: '人', 学生: '人',
  学位: '个', 企业: '家', 公司: '家',
};

/** The question looks ahead (plans): 明年, 下一步, 打算, 计划, will, plan. */
export const ASKS_PLAN = /明年|下一步|下步|今后|将来|未来|打算|计划|规划|目标|安排|准备|今年要|今年将|\bplans?\b|\bwill\b|\btarget\b|\bgoal\b|next year|this year/i;

/** The question asks about shortcomings: 问题, 不足, 短板, problems, weaknesses. */
export const ASKS_PROBLEM = /问题|不足|短板|差距|薄弱|困难|挑战|风险|缺点|\bproblems?\b|\bweakness(?:es)?\b|\bshortcomings?\b|\bchallenges?\b|\bdifficult(?:y|ies)\b/i;

/**
 * The thing a counting question counts, when it names it after the count: 有几个派出所 → 派出所,
 * 发放了多少份反电诈宣传单 → 反电诈宣传单. An answer that does not name it counts something else.
 */
export function countedThing(asked: string): string | undefined {
  const q = normalize(asked);
  const m = /(?:多少|几)[万亿千百]?(?:个|份|次|处|名|家|项|件|场|起|条|所|座|部|台|辆|户|人次|位|种|类)?([\u4e00-\u9fff]{2,8})/.exec(q);
  const thing = m?.[1]?.replace(/(?:呢|啊|呀|吗|了|的|是|有|在|到|被|给|开|办|建|搞|干|发|做)+$/, '');
  return thing && thing.length >= 2 && !/^(?:钱|人|年|天|月|岁)/.test(thing) ? thing : undefined;
}
