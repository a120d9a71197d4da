/**
 * The bot's own words, in Chinese and English. Quotes from the reports are never translated.
 * Strings here are plain text: the formatter escapes them, so they may contain < > &.
 */
import { MAX_FILE_BYTES } from '../corpus/load.js';
import type { ReportErrorCode } from '../index/reports.js';
import type { CorpusKind } from './corpus-summary.js';

export type Lang = 'zh' | 'en';

/** Telegram's language_code ("zh-hans", "zh-TW", "en", …) or a locale ("zh_CN.UTF-8") → UI language. */
export function langOf(code: string | undefined | null): Lang {
  return code && /^zh\b|^zh[-_]/i.test(code.trim()) ? 'zh' : 'en';
}

/** The language of the user at this terminal: LC_ALL, LC_MESSAGES or LANG (zh_CN.UTF-8 → zh; C.UTF-8 or unset → en). */
export function envLang(env: NodeJS.ProcessEnv = process.env): Lang {
  return langOf(env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

/** A command shown in Telegram's menu (setMyCommands) and in /help. */
export interface CommandText {
  command: 'start' | 'help' | 'sources' | 'ask' | 'in';
  description: string;
}

export interface Strings {
  /** `kinds`: what the reports are, from their titles (corpus-summary.ts); `reports`: how many there are. */
  greeting(name: string, kinds: CorpusKind[], reports: number): string;
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
  /** An English question's words and the reports' Chinese terms they matched. */
  terms(pairs: { asked: string; term: string }[]): string;
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
  /** The button that shows the quote where it stands: the page picture (PDF), else the passage in context. */
  showPage: string;
  /** The page could not be shown, and why (in the library's words). */
  pageUnavailable(reason: string): string;
  /** The terminal wrote the page picture to a file. */
  pageSaved(page: number, file: string): string;
  /** Above a comparison across reports. */
  comparisonTitle(reports: number): string;
  /** A side of a comparison whose report says nothing on the question. */
  comparisonNothing: string;
  /** Column heads of a comparison sent as a table (rich messages): report, what it says, reference. */
  comparisonColumns: [string, string, string];
  /** A quote as cited: 「…」 or “…”. */
  citeQuote(quote: string): string;
  /** What follows the quote in a citation: ——issuer《title》第3页（date）section. Parts may be empty. */
  citeSource(issuer: string, title: string, date: string, section: string, page?: string): string;
  position(index: number, total: number): string;
  /** Page of a quote in a citation: 第3页 / p. 3. */
  page(n: number): string;
  fromReport(title: string): string;
  noMoreFromReport: string;
  truncated: string;
  questionShortened(chars: number): string;
  inlineHint: string;
  inlineNoAnswer: string;
  /**
   * Why a file or a /remove was refused (ReportError's code), without technical detail (that goes to the
   * log). `names`: the report a duplicate duplicates; for no-match and ambiguous, the name asked for, then
   * the reports it matches.
   */
  refusalReason(code: ReportErrorCode, names: string[]): string;
  /** `npm start` building the index before the first answer (stderr). */
  indexBuilding(status: 'missing' | 'stale' | 'incompatible' | 'corrupt', corpusDirs: string): string;
  indexReady(reports: number, passages: number, seconds: number): string;
  indexSkipped(file: string, reason: string): string;
  indexUpdateFailed(error: string, retrySeconds: number): string;
  indexUpdateFailedAgain(error: string): string;
  /** Terminal chat only. */
  terminalStarting: string;
  terminalLoading: string;
  terminalLogFile(file: string): string;
  addWhat: string;
  langUsage: string;
  langSet: string;
  terminalBanner: string;
  terminalHelp: string;
  terminalFooter(index: number, total: number, full: boolean): string;
  terminalNoPrevious: string;
}

const zh: Strings = {
  greeting: (name, kinds, reports) =>
    `${name ? `${name}，你好！` : '你好！'}我回答关于${corpusZh(kinds, reports)}的问题：找出能回答问题的原文段落，连同出处一起引用给你。直接把问题发给我就行。`,
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
  terms: (pairs) => `报告用语：${pairs.map((p) => `${p.asked} = ${p.term}`).join('；')}`,
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
  showPage: '原文',
  pageUnavailable: (reason) => `无法显示原文页面：${reason}`,
  pageSaved: (page, file) => `第${page}页（引文已标出）已存为图片：${file}`,
  comparisonTitle: (n) => `${n} 份报告各自的说法：`,
  comparisonNothing: '报告里没有找到相关内容',
  comparisonColumns: ['报告', '说法', '出处'],
  citeQuote: (q) => `「${q}」`,
  citeSource: (issuer, title, date, section, page = '') => `——${issuer}《${title}》${page}${date ? `（${date}）` : ''}${section}`,
  position: (i, n) => `${i}/${n}`,
  page: (n) => `第${n}页`,
  fromReport: (title) => `只看《${title}》：`,
  noMoreFromReport: '这份报告里没有更多相关段落。',
  truncated: '（后文过长，已截断）',
  questionShortened: (chars) => `问题太长，只按前 ${chars} 个字搜索。`,
  inlineHint: '输入问题，引用报告原文',
  inlineNoAnswer: '报告里没有找到答案：换个说法试试',
  indexBuilding: (status, dirs) =>
    ({
      missing: `还没有索引：现在为 ${dirs} 里的报告建立索引（第一次要等一会儿）……`,
      stale: `报告有变化：现在更新索引（${dirs}）……`,
      incompatible: `索引是用另一个版本或模型建立的：现在重建索引（${dirs}）……`,
      corrupt: `索引已损坏：现在重建索引（${dirs}）……`,
    })[status],
  indexReady: (n, p, sec) => `索引已就绪：${n} 份报告，${p} 段，用时 ${sec.toFixed(1)} 秒。`,
  indexSkipped: (file, why) => `未收录 ${file}：${why}。`,
  indexUpdateFailed: (error, retry) => `警告：无法更新索引（${error}）；先用上一版索引回答，其中没有最新的变化。${retry > 0 ? `每 ${retry} 秒重试一次。` : ''}`,
  indexUpdateFailedAgain: (error) => `警告：索引更新再次失败（${error}）；仍用上一版索引回答。`,
  terminalStarting: '没有设置 BOT_TOKEN：打开终端问答。（在 .env 里设置 BOT_TOKEN 可运行 Telegram 机器人。）',
  terminalLoading: '正在载入模型和索引……',
  terminalLogFile: (file) => `运行日志写在 ${file}。`,
  addWhat: '请写明文件路径，例如：/add 报告.pdf',
  langUsage: '用法：/lang zh 或 /lang en',
  langSet: '界面语言：中文。',
  refusalReason: (code, names) => {
    switch (code) {
      case 'unsupported-type': return '不支持这种文件类型（可以添加 PDF、Word（.docx）、网页（.html）和文本（.txt、.md）文件）';
      case 'too-large': return `文件超过 ${MAX_FILE_BYTES / 1024 / 1024} MB`;
      case 'empty': return '文件是空的';
      case 'no-text': return '文件里没有文字';
      case 'not-pdf': return '这不是 PDF 文件';
      case 'not-docx': return '这不是 Word（.docx）文件；旧的 .doc 格式请先另存为 .docx';
      case 'password': return '这个 PDF 有密码保护';
      case 'scanned': return '这个 PDF 没有文字层，可能是扫描件；本程序不做文字识别（OCR），无法引用';
      case 'damaged': return '文件已损坏，无法读取';
      case 'too-complex': return '文件解压后太大或页数、文字太多，超出了安全读取的上限';
      case 'binary': return '这不是文本文件';
      case 'encoding': return '无法识别文件的编码，请另存为 UTF-8';
      case 'duplicate': return `这份文件已经收录了，文件名是 ${names[0] ?? ''}`;
      case 'unreadable': return '无法读取这个文件（文件不存在，或没有读取权限）';
      case 'name-missing': return '请写明要删除哪份报告';
      case 'no-match': return `没有与“${names[0] ?? ''}”对应的报告`;
      case 'ambiguous': return `“${names[0] ?? ''}”对应 ${names.length - 1} 份报告：${listed(names.slice(1), '、', '等')}，请写得更具体一些`;
      case 'not-taken': return '这份文件没有被收录为报告';
      case 'busy': return '报告库正在被另一个进程更新，请过一分钟再试';
      case 'too-slow': return '读取或更新用时超出上限，已停止';
      case 'no-free-name': return '报告库里没有可用的文件名了，请换个文件名再发';
    }
  },
  terminalBanner: '报告问答（终端版）。输入问题后回车；/help 查看命令，Ctrl+D 退出。',
  terminalHelp: '/next 下一条  /prev 上一条  /full 展开全段  /cite 可发表的引用  /page 原文页面（PDF 存为图片）  /sources 收录的报告  /in 地名 问题  只查某地的报告  /lang en  English  /quit 退出\n接着问：“那史村镇呢？”“2022年呢？”“详细点”；比较：“两个镇谁的普法宣传做得多？”',
  terminalFooter: (i, n, full) => `第 ${i}/${n} 条${i < n ? ' · /next 下一条' : ''}${i > 1 ? ' · /prev 上一条' : ''} · /full ${full ? '只看摘录' : '展开全段'} · /cite 引用`,
  terminalNoPrevious: '先问一个问题。',
};

const en: Strings = {
  greeting: (name, kinds, reports) =>
    `Hello${name ? `, ${name}` : ''}! I answer questions about ${corpusEn(kinds, reports)} by quoting the passage that answers, with its source. Just send me a question.`,
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
  terms: (pairs) => `In the report's words: ${pairs.map((p) => `${p.asked} = ${p.term}`).join('; ')}`,
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
  showPage: 'Show page',
  pageUnavailable: (reason) => `Cannot show the page: ${reason}`,
  pageSaved: (page, file) => `Page ${page}, the quote marked, saved as a picture: ${file}`,
  comparisonTitle: (n) => `What each of the ${n} reports says:`,
  comparisonNothing: 'nothing on this in the report',
  comparisonColumns: ['Report', 'What it says', 'Reference'],
  citeQuote: (q) => `“${q}”`,
  citeSource: (issuer, title, date, section, page = '') => ` — ${[issuer, `《${title}》`].filter(Boolean).join(', ')}${page ? `, ${page}` : ''}${date ? ` (${date})` : ''}${section ? `, ${section}` : ''}`,
  position: (i, n) => `${i}/${n}`,
  page: (n) => `p. ${n}`,
  fromReport: (title) => `Only from “${title}”:`,
  noMoreFromReport: 'This report has no other passages on this.',
  truncated: '(too long, cut here)',
  questionShortened: (chars) => `Your question was long: only its first ${chars} characters were searched.`,
  inlineHint: 'Type a question to quote the reports',
  inlineNoAnswer: 'The reports do not answer this: try other words',
  indexBuilding: (status, dirs) =>
    ({
      missing: `No index yet: building it now from the reports in ${dirs} (the first time takes a while)…`,
      stale: `The reports changed: updating the index of ${dirs} now…`,
      incompatible: `The index was built by another version or model: rebuilding it from ${dirs} now…`,
      corrupt: `The index is damaged: rebuilding it from ${dirs} now…`,
    })[status],
  indexReady: (n, p, sec) => `Index ready: ${n} reports, ${p} passages in ${sec.toFixed(1)} s.`,
  indexSkipped: (file, why) => `skipped ${file}: ${why}`,
  indexUpdateFailed: (error, retry) =>
    `Warning: could not update the index (${error}); answering from the last good index, which does not include the latest changes${retry > 0 ? `. Trying again every ${retry} s.` : '.'}`,
  indexUpdateFailedAgain: (error) => `Warning: the index update failed again (${error}); still answering from the last good index.`,
  terminalStarting: 'No BOT_TOKEN set: starting the terminal chat. (Set BOT_TOKEN in .env to run the Telegram bot.)',
  terminalLoading: 'Loading the model and the index…',
  terminalLogFile: (file) => `The log goes to ${file}.`,
  addWhat: 'Give the path of the file, for example: /add report.pdf',
  langUsage: 'Usage: /lang zh or /lang en',
  langSet: 'Language: English.',
  refusalReason: (code, names) => {
    switch (code) {
      case 'unsupported-type': return 'this type of file is not supported (PDF, Word .docx, web pages .html and text .txt .md are)';
      case 'too-large': return `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`;
      case 'empty': return 'the file is empty';
      case 'no-text': return 'the file has no text';
      case 'not-pdf': return 'this is not a PDF file';
      case 'not-docx': return 'this is not a Word (.docx) file; save an old .doc as .docx first';
      case 'password': return 'the PDF is password-protected';
      case 'scanned': return 'the PDF has no text layer, probably a scan; OCR is not included, so it cannot be quoted';
      case 'damaged': return 'the file is damaged and cannot be read';
      case 'too-complex': return 'the file unpacks to too much (or has too many pages or characters) to be read safely';
      case 'binary': return 'this is not a text file';
      case 'encoding': return 'the text encoding was not recognized; save it as UTF-8';
      case 'duplicate': return `this file is already in the corpus, as ${names[0] ?? ''}`;
      case 'unreadable': return 'the file cannot be read (it does not exist, or may not be read)';
      case 'name-missing': return 'name the report to remove';
      case 'no-match': return `no report matches “${names[0] ?? ''}”`;
      case 'ambiguous': return `“${names[0] ?? ''}” matches ${names.length - 1} reports: ${listed(names.slice(1), ', ', ' …')}; please be more precise`;
      case 'not-taken': return 'the file was not taken as a report';
      case 'busy': return 'the corpus is being updated by another process; try again in a minute';
      case 'too-slow': return 'reading it or updating the index took too long, so it was stopped';
      case 'no-free-name': return 'no free file name is left for it in the corpus; rename the file and send it again';
    }
  },
  terminalBanner: 'Report Q&A (terminal). Type a question and press Enter; /help lists commands, Ctrl+D quits.',
  terminalHelp: '/next next result  /prev previous  /full whole passage  /cite citation to publish  /page the page itself (PDF: saved as a picture)  /sources reports  /in PLACE QUESTION  one place only  /lang zh  中文  /quit quit\nFollow up: "What about Shicun?", "2022?", "more"; compare: "Which town held more legal talks?"',
  terminalFooter: (i, n, full) =>
    `Result ${i} of ${n}${i < n ? ' · /next for more' : ''}${i > 1 ? ' · /prev to go back' : ''} · /full for ${full ? 'the short quote' : 'the whole passage'} · /cite`,
  terminalNoPrevious: 'Ask a question first.',
};

export const STRINGS: Record<Lang, Strings> = { zh, en };

/** Kinds of report named in the greeting; the rest are "…". */
const KINDS_NAMED = 3;

/** 这 2 份法治政府建设报告 / 这 247 份报告（227 份政府工作报告、12 份管委会工作报告……） */
function corpusZh(kinds: CorpusKind[], reports: number): string {
  if (reports === 0) return '报告';
  if (kinds.length === 1 && kinds[0]!.reports === reports) return `这 ${reports} 份${kinds[0]!.kind}`;
  if (kinds.length === 0) return `这 ${reports} 份报告`;
  const named = kinds.slice(0, KINDS_NAMED).map((k) => `${k.reports} 份${k.kind}`).join('、');
  return `这 ${reports} 份报告（${named}${kinds.length > KINDS_NAMED ? '等' : ''}）`;
}

/** the 2 reports (法治政府建设报告) / the 247 reports (227 政府工作报告, 12 管委会工作报告, …) */
function corpusEn(kinds: CorpusKind[], reports: number): string {
  if (reports === 0) return 'the reports I will be given';
  const what = `the ${reports} report${reports === 1 ? '' : 's'}`;
  if (kinds.length === 0) return what;
  if (kinds.length === 1 && kinds[0]!.reports === reports) return `${what} (${kinds[0]!.kind})`;
  return `${what} (${kinds.slice(0, KINDS_NAMED).map((k) => `${k.reports} ${k.kind}`).join(', ')}${kinds.length > KINDS_NAMED ? ', …' : ''})`;
}

/** Reports named in a refusal: the first few, then `more`. */
const LISTED = 5;
function listed(names: string[], sep: string, more: string): string {
  return names.slice(0, LISTED).join(sep) + (names.length > LISTED ? more : '');
}

export function stringsFor(lang: Lang): Strings {
  return STRINGS[lang];
}
