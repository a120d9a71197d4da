/**
 * The bot's own words, in Chinese and English. Quotes from the reports are never translated.
 * Strings here are plain text: the formatter escapes them, so they may contain < > &.
 */

export type Lang = 'zh' | 'en';

/** Telegram's language_code ("zh-hans", "zh-TW", "en", …) or a locale ("zh_CN.UTF-8") → UI language. */
export function langOf(code: string | undefined | null): Lang {
  return code && /^zh\b|^zh[-_]/i.test(code.trim()) ? 'zh' : 'en';
}

/** A command shown in Telegram's menu (setMyCommands) and in /help. */
export interface CommandText {
  command: 'start' | 'help' | 'sources' | 'ask' | 'in';
  description: string;
}

export interface Strings {
  greeting(name: string): string;
  examplesTitle: string;
  examples: string[];
  help: string;
  commands: CommandText[];
  sourcesTitle: string;
  sourceLine(title: string, source: string, passages: number): string;
  sourcesEmpty: string;
  /** The reply when the reports do not answer, with advice on asking. */
  noAnswer: string;
  noAnswerTips: string[];
  /** Above the report headings nearest to a refused question. */
  nearTitle: string;
  /** Above the Chinese words of an English question. */
  wordsTitle: string;
  /** Above quotes shown with a caveat (the reports are on the subject but may not answer exactly). */
  lowConfidence: string;
  /** Which reports a question named by place/year were searched. */
  searchedIn(labels: string[]): string;
  /** A place/year with no report: what there is for that place. */
  /** No report for that place in that year (`available`: its reports), or none at all for that place (`available` empty). */
  noReportFor(place: string, year: number | undefined, available: string[]): string;
  /** /in with a place that names no report, or with nothing after it. */
  noSuchReport(name: string): string;
  inWhat: string;
  /** /sources: one place and its reports' years. */
  placeLine(place: string, years: string, reports: number): string;
  /** /ask with nothing after it. */
  askWhat: string;
  rateLimited(seconds: number): string;
  notAllowed: string;
  expired: string;
  badButton: string;
  searchFailed: string;
  onlyText: string;
  unknownCommand: string;
  prev: string;
  next: string;
  fullPassage: string;
  shortQuote: string;
  sameReport: string;
  copyCitation: string;
  /** Above a comparison across reports. */
  comparisonTitle(reports: number): string;
  /** A side of a comparison whose report says nothing on the question. */
  comparisonNothing: string;
  /** A quote as cited: 「…」 or “…”. */
  citeQuote(quote: string): string;
  /** What follows the quote in a citation: ——issuer《title》（date）section. Parts may be empty. */
  citeSource(issuer: string, title: string, date: string, section: string): string;
  position(index: number, total: number): string;
  /** Page of a quote in a citation: 第3页 / p. 3. */
  page(n: number): string;
  fromReport(title: string): string;
  noMoreFromReport: string;
  truncated: string;
  questionShortened(chars: number): string;
  inlineHint: string;
  inlineNoAnswer: string;
  /** Terminal chat only. */
  terminalBanner: string;
  terminalHelp: string;
  terminalFooter(index: number, total: number, full: boolean): string;
  terminalNoPrevious: string;
}

const zh: Strings = {
  greeting: (name) =>
    `${name ? `${name}，你好！` : '你好！'}我回答关于这批政府工作报告的问题：找出能回答问题的原文段落，连同出处一起引用给你。直接把问题发给我就行。`,
  examplesTitle: '可以这样问：',
  examples: ['柏山镇组织了多少次普法宣传？', '史村镇为多少个行政村配齐了法律明白人？', '柏山镇召开了几次防范电信诈骗专项会议？'],
  help: [
    '直接发问题，我会引用报告原文并注明出处（报告、章节和一个可复制的引用标记）。',
    '答案下方的按钮：翻看其他结果、展开整段原文、只看同一份报告的结果。',
    '在群组里：@我 提问、回复我的消息，或者用 /ask 问题。',
    '在任意聊天中输入 @机器人用户名 问题，可以把引文直接发到那个聊天里。',
  ].join('\n'),
  commands: [
    { command: 'start', description: '开始，附提问示例' },
    { command: 'help', description: '使用说明' },
    { command: 'sources', description: '收录的报告' },
    { command: 'in', description: '只在某地某年的报告里查：/in 柏山镇 问题' },
    { command: 'ask', description: '提问（群组中使用）' },
  ],
  sourcesTitle: '收录的报告：',
  sourceLine: (title, source, n) => `${title}（${source}，${n} 段）`,
  sourcesEmpty: '索引里还没有报告。',
  noAnswer: '这些报告里没有找到能回答这个问题的段落。',
  noAnswerTips: [
    '用报告里的说法提问，比如“普法宣传”“法律顾问”“信访”；',
    '点明是哪个镇、哪一年；',
    '一次只问一件事；',
    '/sources 可以查看收录了哪些报告。',
  ],
  lowConfidence: '最接近的段落，未必正好回答：',
  nearTitle: '报告里与此最接近的章节：',
  wordsTitle: '你的英文词在报告里的中文说法：',
  searchedIn: (labels) => `查找范围：${labels.slice(0, 3).join('、')}${labels.length > 3 ? ` 等 ${labels.length} 份报告` : ''}`,
  noReportFor: (place, year, available) =>
    available.length === 0
      ? `没有${place}的报告。发送 /sources 查看收录了哪些报告。`
      : `没有${place} ${year} 年的报告。${place}的报告有：${available.slice(0, 12).join('、')}${available.length > 12 ? '……' : ''}`,
  placeLine: (place, years, n) => `${place}：${years}（${n} 份）`,
  noSuchReport: (name) => `没有找到“${name}”的报告。发送 /sources 查看收录了哪些报告。`,
  inWhat: '用法：/in 地名或年份 问题，例如：/in 柏山镇 普法宣传做了几次？',
  askWhat: '请在 /ask 后面写上问题，例如：/ask 柏山镇组织了多少次普法宣传？',
  rateLimited: (s) => `提问太频繁了，请 ${s} 秒后再试。`,
  notAllowed: '抱歉，这个机器人只对特定用户开放。',
  expired: '这条回答已过期，请重新提问。',
  badButton: '这个按钮无效，请重新提问。',
  searchFailed: '抱歉，查找时出了点问题，请稍后再试。',
  onlyText: '我只能读文字问题，请用文字提问。',
  unknownCommand: '没有这个命令。发送 /help 查看用法。',
  prev: '‹ 上一条',
  next: '下一条 ›',
  fullPassage: '展开全段',
  shortQuote: '只看摘录',
  sameReport: '本报告全部结果',
  copyCitation: '复制引用',
  comparisonTitle: (n) => `${n} 份报告各自的说法：`,
  comparisonNothing: '报告里没有找到相关内容',
  citeQuote: (q) => `「${q}」`,
  citeSource: (issuer, title, date, section) => `——${issuer}《${title}》${date ? `（${date}）` : ''}${section}`,
  position: (i, n) => `${i}/${n}`,
  page: (n) => `第${n}页`,
  fromReport: (title) => `只看《${title}》：`,
  noMoreFromReport: '这份报告里没有更多相关段落。',
  truncated: '（后文过长，已截断）',
  questionShortened: (chars) => `问题太长，只按前 ${chars} 个字搜索。`,
  inlineHint: '输入问题，引用报告原文',
  inlineNoAnswer: '报告里没有找到答案：换个说法试试',
  terminalBanner: '报告问答（终端版）。输入问题后回车；/help 查看命令，Ctrl+D 退出。',
  terminalHelp: '/next 下一条  /prev 上一条  /full 展开全段  /cite 可发表的引用  /sources 收录的报告  /in 地名 问题  只查某地的报告  /quit 退出\n接着问：“那史村镇呢？”“2022年呢？”“详细点”；比较：“两个镇谁的普法宣传做得多？”',
  terminalFooter: (i, n, full) => `第 ${i}/${n} 条${i < n ? ' · /next 下一条' : ''}${i > 1 ? ' · /prev 上一条' : ''} · /full ${full ? '只看摘录' : '展开全段'} · /cite 引用`,
  terminalNoPrevious: '先问一个问题。',
};

const en: Strings = {
  greeting: (name) =>
    `Hello${name ? `, ${name}` : ''}! I answer questions about a set of government reports by quoting the passage that answers, with its source. Just send me a question.`,
  examplesTitle: 'For example:',
  examples: [
    '柏山镇组织了多少次普法宣传？',
    'How many special meetings on telecom fraud did Baishan hold?',
    '史村镇为多少个行政村配齐了法律明白人？',
  ],
  help: [
    'Send a question and I quote the passage of the reports that answers it, with its source (report, section and a short reference you can copy).',
    'Buttons under an answer: page through other results, show the whole passage, or keep only results from the same report.',
    'In groups: mention me, reply to my message, or use /ask <question>.',
    'In any chat, type @botusername and a question to send a quote into that chat.',
  ].join('\n'),
  commands: [
    { command: 'start', description: 'Start, with example questions' },
    { command: 'help', description: 'How to use this bot' },
    { command: 'sources', description: 'The reports I know' },
    { command: 'in', description: 'Search one place/year only: /in Baishan question' },
    { command: 'ask', description: 'Ask a question (in groups)' },
  ],
  sourcesTitle: 'The reports I know:',
  sourceLine: (title, source, n) => `${title} (${source}, ${n} passages)`,
  sourcesEmpty: 'The index holds no reports yet.',
  noAnswer: 'The reports do not answer this question.',
  noAnswerTips: [
    'use the words the reports use (they are in Chinese: 普法宣传, 法律顾问, 信访 …);',
    'name the town and the year;',
    'ask one thing at a time;',
    '/sources lists the reports.',
  ],
  lowConfidence: 'Closest passage — may not answer exactly:',
  nearTitle: 'Nearest sections of the reports:',
  wordsTitle: 'Your words as the reports say them (in Chinese):',
  searchedIn: (labels) => `Searched: ${labels.slice(0, 3).join(', ')}${labels.length > 3 ? ` and ${labels.length - 3} more reports` : ''}`,
  noReportFor: (place, year, available) =>
    available.length === 0
      ? `There is no report for ${place}. Send /sources to see the reports.`
      : `There is no ${year} report for ${place}. Reports for ${place}: ${available.slice(0, 12).join(', ')}${available.length > 12 ? ' …' : ''}`,
  placeLine: (place, years, n) => `${place}: ${years} (${n})`,
  noSuchReport: (name) => `No report matches “${name}”. Send /sources to see the reports.`,
  inWhat: 'Usage: /in PLACE [YEAR] QUESTION, for example: /in Baishan how many legal talks were held?',
  askWhat: 'Write the question after /ask, for example: /ask 柏山镇组织了多少次普法宣传？',
  rateLimited: (s) => `Too many questions. Please try again in ${s} s.`,
  notAllowed: 'Sorry, this bot is only open to certain users.',
  expired: 'This answer has expired. Please ask again.',
  badButton: 'This button is not valid. Please ask again.',
  searchFailed: 'Sorry, something went wrong while searching. Please try again later.',
  onlyText: 'I can only read text questions. Please type your question.',
  unknownCommand: 'I do not know that command. Send /help to see what I can do.',
  prev: '‹ Previous',
  next: 'Next ›',
  fullPassage: 'Full passage',
  shortQuote: 'Short quote',
  sameReport: 'All from this report',
  copyCitation: 'Copy citation',
  comparisonTitle: (n) => `What each of the ${n} reports says:`,
  comparisonNothing: 'nothing on this in the report',
  citeQuote: (q) => `“${q}”`,
  citeSource: (issuer, title, date, section) => ` — ${[issuer, `《${title}》`].filter(Boolean).join(', ')}${date ? ` (${date})` : ''}${section ? `, ${section}` : ''}`,
  position: (i, n) => `${i}/${n}`,
  page: (n) => `p. ${n}`,
  fromReport: (title) => `Only from “${title}”:`,
  noMoreFromReport: 'This report has no other passages on this.',
  truncated: '(too long, cut here)',
  questionShortened: (chars) => `Your question was long: only its first ${chars} characters were searched.`,
  inlineHint: 'Type a question to quote the reports',
  inlineNoAnswer: 'The reports do not answer this: try other words',
  terminalBanner: 'Report Q&A (terminal). Type a question and press Enter; /help lists commands, Ctrl+D quits.',
  terminalHelp: '/next next result  /prev previous  /full whole passage  /cite citation to publish  /sources reports  /in PLACE QUESTION  one place only  /quit quit\nFollow up: "What about Shicun?", "2022?", "more"; compare: "Which town held more legal talks?"',
  terminalFooter: (i, n, full) =>
    `Result ${i} of ${n}${i < n ? ' · /next for more' : ''}${i > 1 ? ' · /prev to go back' : ''} · /full for ${full ? 'the short quote' : 'the whole passage'} · /cite`,
  terminalNoPrevious: 'Ask a question first.',
};

export const STRINGS: Record<Lang, Strings> = { zh, en };

export function stringsFor(lang: Lang): Strings {
  return STRINGS[lang];
}
