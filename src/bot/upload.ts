/**
 * Adding reports through the chat: an admin (ADMIN_IDS) sends a PDF, Word, HTML or text file, the bot
 * fetches it through the Bot API (getFile, then the file URL under BOT_API_ROOT), stores and indexes it
 * (see index/reports.ts) and says what it read, with a question to try. `/remove <report>` takes one out.
 * Everyone else who sends a file gets a polite refusal; a file that cannot be read changes nothing.
 * The terminal chat's /add and /remove use the same words (describeAdded, describeRemoved).
 */
import { GrammyError } from 'grammy';
import type { Config } from '../config.js';
import { type AddedReport, type RemovedReport, ReportError, safeReportName, supportedTypes } from '../index/reports.js';
import type { Searcher } from '../search/searcher.js';
import type { BotContext, QuoteBot } from './quote-bot.js';
import { editedProgress } from './progress.js';
import { shortName } from './format.js';
import type { Lang } from './i18n.js';
import type { Logger } from './log.js';
import { changeInChild } from './report-child.js';

/** Telegram's limit on files a bot can download (getFile). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;
/** Longest wait for a file to download. */
const DOWNLOAD_TIMEOUT_MS = 120_000;

/** The words of this feature (kept here, beside the only code that uses them). */
interface UploadStrings {
  notAdmin: string;
  reading(name: string): string;
  unsupported(name: string, types: string): string;
  tooLarge(name: string, limitMb: number): string;
  downloadFailed(name: string): string;
  rejected(name: string, reason: string): string;
  failed: string;
  removeFailed: string;
  alreadyAdded(title: string, passages: number): string;
  added(title: string, pages: number | undefined, passages: number, seconds: number): string;
  renamed(stored: string): string;
  tryAsking: string;
  question(name: string, topic: string): string;
  removeWhat: string;
  removed(title: string, source: string, passages: number): string;
  cannotRemove(reason: string): string;
  /** Terminal chat only. */
  terminalHelp: string;
}

const STRINGS: Record<Lang, UploadStrings> = {
  zh: {
    notAdmin: '抱歉，只有管理员可以添加或删除报告。如需收录这份报告，请联系机器人的管理员。',
    reading: (name) => `正在读取 ${name} 并更新索引……`,
    unsupported: (name, types) => `无法添加 ${name}：不支持这种文件类型。支持的类型：${types}`,
    tooLarge: (name, mb) => `无法添加 ${name}：文件超过 ${mb} MB（Telegram 机器人能下载的上限）。`,
    downloadFailed: (name) => `无法下载 ${name}，请稍后重新发送。报告库没有变化。`,
    rejected: (name, reason) => `无法添加 ${name}：${reason}。报告库没有变化。`,
    failed: '抱歉，添加报告时出了问题，报告库没有变化。请稍后再试。',
    removeFailed: '抱歉，删除报告时出了问题，报告库没有变化。请稍后再试。',
    alreadyAdded: (title, n) => `《${title}》已在报告库中（${n} 段）。`,
    added: (title, pages, n, sec) => `已收录《${title}》：${pages ? `${pages} 页，` : ''}${n} 段，用时 ${sec.toFixed(1)} 秒。`,
    renamed: (stored) => `（已存为 ${stored}）`,
    tryAsking: '可以这样问：',
    question: (name, topic) => (topic ? `关于“${topic}”，${name}做了什么？` : `${name}做了哪些工作？`),
    removeWhat: '请写明要删除的报告，例如：/remove 柏山镇',
    removed: (title, source, n) => `已删除《${title}》（${source}，${n} 段），索引已更新。`,
    cannotRemove: (reason) => `没有删除：${reason}。`,
    terminalHelp: '/add 文件路径 收录报告（PDF、Word、网页、文本）  /remove 报告 删除报告',
  },
  en: {
    notAdmin: 'Sorry, only the admins of this bot can add or remove reports. Please ask one of them to add this one.',
    reading: (name) => `Reading ${name} and updating the index…`,
    unsupported: (name, types) => `Cannot add ${name}: this type of file is not supported. Supported: ${types}`,
    tooLarge: (name, mb) => `Cannot add ${name}: it is larger than ${mb} MB, the most a Telegram bot can download.`,
    downloadFailed: (name) => `Could not download ${name}; please send it again later. Nothing was changed.`,
    rejected: (name, reason) => `Cannot add ${name}: ${reason}. Nothing was changed.`,
    failed: 'Sorry, something went wrong while adding the report. Nothing was changed; please try again later.',
    removeFailed: 'Sorry, something went wrong while removing the report. Nothing was changed; please try again later.',
    alreadyAdded: (title, n) => `“${title}” is in the corpus (${n} passages).`,
    added: (title, pages, n, sec) => `Added “${title}”: ${pages ? `${pages} pages, ` : ''}${n} passages, in ${sec.toFixed(1)} s.`,
    renamed: (stored) => `(stored as ${stored})`,
    tryAsking: 'Try asking:',
    question: (name, topic) => (topic ? `关于“${topic}”，${name}做了什么？` : `${name}做了哪些工作？`),
    removeWhat: 'Name the report to remove, for example: /remove 柏山镇',
    removed: (title, source, n) => `Removed “${title}” (${source}, ${n} passages); the index is updated.`,
    cannotRemove: (reason) => `Nothing removed: ${reason}.`,
    terminalHelp: '/add PATH add a report (PDF, Word, web page, text)  /remove REPORT remove one',
  },
};

export function uploadStrings(lang: Lang): UploadStrings {
  return STRINGS[lang];
}

/** The reply to an added report: what was read, and a question to try on it. */
export function describeAdded(added: AddedReport, lang: Lang): string {
  const s = STRINGS[lang];
  return [
    added.already ? s.alreadyAdded(added.title, added.passages) : s.added(added.title, added.pages, added.passages, added.seconds),
    ...(added.renamedFrom ? [s.renamed(added.source)] : []),
    `${s.tryAsking}${lang === 'en' ? ' ' : ''}${s.question(shortName({ source: added.source, title: added.title }), added.topic)}`,
  ].join('\n');
}

export function describeRemoved(removed: RemovedReport, lang: Lang): string {
  return STRINGS[lang].removed(removed.title, removed.source, removed.passages);
}

/** After the corpus changed: a searcher that follows the index (search/live.ts) swaps the new one in now. */
export async function refreshIfLive(searcher: Searcher | (Searcher & { refresh(): Promise<boolean> })): Promise<void> {
  if ('refresh' in searcher) await searcher.refresh();
}

/** A download past Telegram's limit for bots. */
class TooLargeError extends Error {}

/**
 * Downloads a file the bot received: getFile, then the file URL (which holds the token: never logged).
 * Streamed: the download stops as soon as it grows past the size Telegram declared (in the message or
 * in getFile) or past TELEGRAM_DOWNLOAD_LIMIT, so that a lying server cannot fill the memory.
 */
async function download(bot: QuoteBot, config: Config, fileId: string, declaredSize: number | undefined): Promise<Buffer> {
  const file = await bot.api.getFile(fileId);
  if (!file.file_path) throw new Error('getFile gave no file_path');
  const sizes = [declaredSize, file.file_size].filter((n): n is number => Number.isSafeInteger(n) && n! > 0);
  const limit = Math.min(TELEGRAM_DOWNLOAD_LIMIT, ...sizes);
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]);
  const res = await fetch(`${config.bot.apiRoot}/file/bot${config.bot.token}/${file.file_path}`, { signal });
  try {
    if (!res.ok) throw new Error(`file download answered HTTP ${res.status}`);
    const tooLong = (size: number) =>
      size > TELEGRAM_DOWNLOAD_LIMIT ? new TooLargeError('file larger than the download limit') : new Error(`the download is longer than the declared ${limit} bytes`);
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > limit) throw tooLong(length);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > limit) throw tooLong(size);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    abort.abort(); // closes the connection of a download given up on (a no-op once it is read whole)
  }
}

/**
 * Registers the document handler and /remove on the bot. Call it before the bot's catch-all handlers
 * (unknown commands, non-text messages). A live searcher is refreshed after each change, so the next
 * question is answered from the new index at once.
 */
export function registerUploads(bot: QuoteBot, config: Config, searcher: Searcher | (Searcher & { refresh(): Promise<boolean> }), log: Logger): void {
  const admins = new Set(config.bot.adminIds);
  const isAdmin = (ctx: BotContext) => admins.has(ctx.from?.id ?? NaN);
  const limitMb = TELEGRAM_DOWNLOAD_LIMIT / 1024 / 1024;

  bot.on('message:document', async (ctx, next) => {
    const s = STRINGS[ctx.lang];
    // In groups, people share files with each other, admins too: only a file sent in a private chat is
    // a request to the bot (one shared in a group is never added to everyone's reports unasked).
    if (ctx.chat.type !== 'private') return next();
    if (!isAdmin(ctx)) {
      log.info(`refused a document from user ${ctx.from.id} (not in ADMIN_IDS)`);
      await ctx.reply(s.notAdmin);
      return;
    }
    const doc = ctx.message.document;
    const name = doc.file_name || 'report';
    if (!safeReportName(name)) return void (await ctx.reply(s.unsupported(name, supportedTypes())));
    if ((doc.file_size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT) return void (await ctx.reply(s.tooLarge(name, limitMb)));
    // Through the Bot API itself, not as the webhook reply: that one only travels with the HTTP response,
    // after the upload, and would arrive after "Added …" (the final reply, which may be the webhook reply).
    const reading = await bot.api.sendMessage(ctx.chat.id, s.reading(name));

    let data: Buffer;
    try {
      data = await download(bot, config, doc.file_id, doc.file_size);
    } catch (err) {
      if ((err instanceof GrammyError && /too big/i.test(err.description)) || err instanceof TooLargeError) return void (await ctx.reply(s.tooLarge(name, limitMb)));
      log.warn(`could not download document ${JSON.stringify(name)}`, err);
      return void (await ctx.reply(s.downloadFailed(name)));
    }
    try {
      // A large file takes minutes to embed: the "reading" message shows how far it is, edited in place.
      const progress = editedProgress((line) => ctx.api.editMessageText(ctx.chat.id, reading.message_id, `${s.reading(name)}\n${line}`), {
        lang: ctx.lang,
        onError: (err) => log.debug('could not show the progress of an upload', err),
      });
      // One writer in the deployment (Redis: across hosts); then every host is told of the new generation.
      const change = () => changeInChild(config, { kind: 'add', name, data }, { log: (m) => log.info(m), onProgress: progress.update });
      const added = (await bot.shared.underIngestLock(`upload of ${name}`, change).finally(progress.finish)) as AddedReport;
      await refreshIfLive(searcher);
      await bot.shared.publishGeneration(searcher.info().generation);
      log.info(`admin ${ctx.from.id} added ${added.source}: ${added.passages} passages in ${added.seconds.toFixed(1)} s`);
      await ctx.reply(describeAdded(added, ctx.lang));
    } catch (err) {
      if (err instanceof ReportError) {
        log.info(`refused ${JSON.stringify(name)}: ${err.message}`);
        return void (await ctx.reply(s.rejected(name, ctx.s.refusalReason(err.code, err.names))));
      }
      log.error(`adding ${JSON.stringify(name)} failed`, err);
      await ctx.reply(s.failed);
    }
  });

  bot.command('remove', async (ctx) => {
    const s = STRINGS[ctx.lang];
    if (!isAdmin(ctx)) return void (await ctx.reply(s.notAdmin));
    const query = ctx.match.trim();
    if (!query) return void (await ctx.reply(s.removeWhat));
    try {
      const removed = (await bot.shared.underIngestLock(`/remove ${query}`, () => changeInChild(config, { kind: 'remove', query }, { log: (m) => log.info(m) }))) as RemovedReport;
      await refreshIfLive(searcher);
      await bot.shared.publishGeneration(searcher.info().generation);
      log.info(`admin ${ctx.from?.id} removed ${removed.source}`);
      await ctx.reply(describeRemoved(removed, ctx.lang));
    } catch (err) {
      if (err instanceof ReportError) {
        log.info(`did not remove ${JSON.stringify(query)}: ${err.message}`);
        return void (await ctx.reply(s.cannotRemove(ctx.s.refusalReason(err.code, err.names))));
      }
      log.error(`removing ${JSON.stringify(query)} failed`, err);
      await ctx.reply(s.removeFailed);
    }
  });
}
