/**
 * The Telegram bot: every handler, wired onto a grammY Bot. Creating it has no side effects
 * (no network call until it is started, see run.ts), so tests drive the very same object.
 *
 * What it answers:
 * - private chats: any text is a question; commands /start /help /sources /ask;
 * - groups: only when mentioned, replied to, or asked with /ask;
 * - inline mode: "@bot question" offers the top results as articles;
 * - buttons under an answer: page, full passage, all from this report (callback data in format.ts).
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { limit } from '@grammyjs/ratelimiter';
import { GrammyError, HttpError, InlineQueryResultBuilder, InputFile, type Transformer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Config } from '../config.js';
import type { Searcher } from '../search/searcher.js';
import type { Answer, ReportId, Result } from '../search/types.js';
import { PageError, PageRenderer } from '../render/page.js';
import { ReportHeaders } from '../index/report-headers.js';
import { answerOf } from '../search/answer-span.js';
import type { StoredAnswer } from './answers.js';
import { compareReports, directoryOf, interpret } from './conversation.js';
import {
  answerPage,
  clip,
  itemOf,
  pageCaption,
  relevantOnly,
  renderComparison,
  renderGreeting,
  renderHelp,
  renderContext,
  renderNoAnswer,
  renderResult,
  renderSources,
  shortRef,
  type ViewMode,
} from './format.js';
import { answerKeyboard, decodeButton, html } from './telegram-html.js';
import { langOf, stringsFor } from './i18n.js';
import { RefusalHelper } from './refusal-help.js';
import { createLogger, describeError, type Logger } from './log.js';
import { BotMetrics } from './metrics.js';
import { type BotContext, QuoteBot } from './quote-bot.js';
import { localState, type RateCounterClient, type SharedState } from './shared-state.js';
import { registerStateMetrics } from './state-metrics.js';
import { registerUploads } from './upload.js';
import { richAnswer, richComparison, richPage } from './rich.js';
import { RichMessages } from './rich-fallback.js';

export { type BotContext, InFlight, QuoteBot } from './quote-bot.js';

export interface CreateBotOptions {
  log?: Logger;
  /** Counters for /metrics (a fresh set by default). */
  metrics?: BotMetrics;
  /** The state shared with the other bot processes (default: STATE_DIR and memory). */
  shared?: SharedState;
  /** Skips getMe (tests that drive the bot through handleUpdate). */
  botInfo?: UserFromGetMe;
}

/** Updates the bot asks Telegram for; everything else (edits, channel posts, …) is not even sent. */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'inline_query'] as const;

/** Inline queries come while the user types: allow more of them than of questions. */
const INLINE_RATE_FACTOR = 3;
/** Replies of any kind (a search, a page turned, /help …) allowed per user and window, as a multiple of RATE_LIMIT. */
const REPLY_RATE_FACTOR = 3;

/** Methods that deliver an answer: worth a retry when the network drops (a rare duplicate beats a lost answer). */
const REPLY_METHODS = new Set(['sendMessage', 'sendRichMessage', 'editMessageText', 'answerInlineQuery']);
const REPLY_RETRIES = 2;

/** Retries a reply a couple of times, with a short pause, when the request failed on the network. */
function retryReplies(): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        if (!(err instanceof HttpError) || !REPLY_METHODS.has(method) || attempt >= REPLY_RETRIES || signal?.aborted) throw err;
        await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
      }
    }
  };
}

export function createBot(config: Config, searcher: Searcher, opts: CreateBotOptions = {}): QuoteBot {
  const { bot: cfg } = config;
  const log = opts.log ?? createLogger(config.logLevel, [cfg.token, cfg.webhookSecret]);
  // In webhook mode the answer (sendMessage) goes back in the webhook response (see http.ts).
  const bot = new QuoteBot(cfg.token, { client: { apiRoot: cfg.apiRoot, canUseWebhookReply: (method) => method === 'sendMessage' }, botInfo: opts.botInfo });
  bot.searcher = searcher;
  const metrics = (bot.metrics = opts.metrics ?? new BotMetrics(searcher));
  // Waits out Telegram's flood limits (429) and retries its 5xx answers a few times. Network errors
  // are not retried here (auto-retry would retry them forever, so a start without network would
  // hang silently): polling has the runner's own backoff, and replies get a few bounded retries below.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
  bot.api.config.use(retryReplies());

  // Several processes (webhook mode) or hosts (Redis) behind a load balancer: buttons find the answers
  // of the others, and follow-ups ("那史村镇呢？") the question before them; as many chats as answers are kept.
  const shared = (bot.shared = opts.shared ?? localState(config, log));
  registerStateMetrics(metrics.registry, shared);
  const { answers, memory } = shared;
  /** The reports' own titles, issuers and dates, for citations. */
  const headers = new ReportHeaders(config.indexDir);
  const refusals = new RefusalHelper(config.indexDir);
  /** Rich messages where the Bot API server takes them (RICH_MESSAGES), HTML otherwise. */
  const rich = new RichMessages(cfg.richMessages, log);
  const allowed = new Set(cfg.allowedIds);
  const windowSeconds = Math.ceil(cfg.rateWindowMs / 1000);

  // --- plumbing ------------------------------------------------------------------------------

  bot.use((ctx, next) => bot.inflight.track(next()));
  // Not ours to answer: edits (we answered the original), channel posts, membership changes.
  bot.on(['edited_message', 'channel_post', 'edited_channel_post', 'my_chat_member', 'chat_member'], () => {});
  bot.use((ctx, next) => {
    ctx.lang = langOf(ctx.from?.language_code);
    ctx.s = stringsFor(ctx.lang);
    return next();
  });

  // Commands addressed to another bot ("/start@OtherBot" in a group) are not ours: no reply at all.
  bot.on('message', (ctx, next) => (commandForAnotherBot(ctx) ? undefined : next()));

  /** A stranger is told (and logged) once per window; whatever else they send meanwhile is dropped. */
  const refuseOncePerWindow = limit<BotContext, RateCounterClient>({ timeFrame: cfg.rateWindowMs, limit: 1, keyPrefix: 'STRANGER', storageClient: shared.rateStorage(cfg.rateWindowMs), keyGenerator: (ctx) => String(ctx.from?.id ?? ctx.chat?.id ?? '') });
  bot.use(async (ctx, next) => {
    if (allowed.size === 0 || allowed.has(ctx.from?.id ?? NaN) || allowed.has(ctx.chat?.id ?? NaN)) return next();
    metrics.refusals.inc(); // every refused update, also those not answered
    await refuseOncePerWindow(ctx, async () => {
      log.info(`refused update from user ${ctx.from?.id ?? '?'} in chat ${ctx.chat?.id ?? '?'} (not in ALLOWED_IDS; said once per ${windowSeconds} s)`);
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.s.notAllowed, show_alert: true });
      else if (ctx.inlineQuery) await ctx.answerInlineQuery([], { cache_time: 0, is_personal: true });
      else if (ctx.message && (ctx.chat?.type === 'private' || isCommand(ctx) || questionIn(ctx) !== undefined)) await ctx.reply(ctx.s.notAllowed);
    });
  });

  /** Per-user limit on searches (questions, /ask, "all from this report"); says so once per window. */
  const onLimit = async (ctx: BotContext) => {
    log.info(`rate limit reached by user ${ctx.from?.id}`);
    metrics.rateLimited.inc();
    const text = ctx.s.rateLimited(windowSeconds);
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
    else if (ctx.inlineQuery) await ctx.answerInlineQuery([], { cache_time: 0, is_personal: true });
    else await ctx.reply(text, replyTo(ctx));
  };
  // Counted across all processes with Redis: spreading questions over hosts does not multiply the limit.
  const limiter = limit<BotContext, RateCounterClient>({ timeFrame: cfg.rateWindowMs, limit: cfg.rateLimit, onLimitExceeded: onLimit, storageClient: shared.rateStorage(cfg.rateWindowMs) });
  /** Runs work within the user's limit; false when over it (the limiter has told the user, once per window). */
  const withinLimit = async (ctx: BotContext, work: () => Promise<void>): Promise<boolean> => {
    let ran = false;
    await limiter(ctx, async () => {
      ran = true;
      await work();
    });
    return ran;
  };
  /**
   * Per-user limit on every reply (commands such as /sources, buttons, unknown commands, stickers …),
   * wider than the one on searches; over it, updates get no reply (said once per window).
   */
  const replyLimiter = limit<BotContext, RateCounterClient>({ timeFrame: cfg.rateWindowMs, limit: cfg.rateLimit * REPLY_RATE_FACTOR, onLimitExceeded: onLimit, keyPrefix: 'REPLY', storageClient: shared.rateStorage(cfg.rateWindowMs) });
  bot.use((ctx, next) => (ctx.inlineQuery ? next() : replyLimiter(ctx, next)));
  const inlineLimiter = limit<BotContext, RateCounterClient>({
    timeFrame: cfg.rateWindowMs,
    limit: cfg.rateLimit * INLINE_RATE_FACTOR,
    onLimitExceeded: onLimit,
    keyPrefix: 'INLINE',
    storageClient: shared.rateStorage(cfg.rateWindowMs),
  });

  // Reports sent as files by admins, and /remove (upload.ts); before the catch-all handlers below.
  registerUploads(bot, config, searcher, log);

  // --- answering -----------------------------------------------------------------------------

  /** Runs a search while the chat shows "typing…" (renewed, as Telegram clears it after ~5 s). */
  async function searchTyping(ctx: BotContext, question: string, onlyReport?: ReportId): Promise<Answer> {
    const typing = () => {
      ctx.replyWithChatAction('typing').catch((err) => log.debug('sendChatAction failed', err));
    };
    typing();
    const timer = setInterval(typing, 4500);
    try {
      return headers.cite(await searcher.search(question, { k: cfg.resultsPerAnswer, onlyReport }), searcher.info().generation);
    } finally {
      clearInterval(timer);
    }
  }

  /** Text (HTML, and the rich message on demand) and buttons of one result of a stored answer. */
  function view(ctx: BotContext, stored: StoredAnswer, key: string, index: number, mode: ViewMode) {
    const header = stored.onlySource ? ctx.s.fromReport(stored.onlySource.title) : undefined;
    return {
      text: renderResult(stored.answer, index, { s: ctx.s, markup: html, mode, header }),
      rich: () => richAnswer(stored.answer, index, { s: ctx.s, mode, header }),
      reply_markup: answerKeyboard(stored.answer, key, index, mode, ctx.s, { sameReport: !stored.onlySource, copy: true, showPage: true }),
    };
  }

  /**
   * "原文 / Show page": a PDF result's page as a photo, the quote marked and the page of its answer
   * (caption: the reference and the report's title); any other report's passage in context, as a message.
   */
  const pages = new PageRenderer();
  const showPage = async (ctx: BotContext, question: string, r: Result) => {
    const page = answerPage(question, r);
    if (page === undefined) return void (await ctx.reply(renderContext(r, ctx.s, html), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }));
    try {
      const shot = await pages.show(r, searcher.info().generation, page);
      const picture = () => new InputFile(shot.png, `page-${shot.page}.png`);
      await rich.send(
        () => ctx.replyWithRichMessage(richPage(r, shot.page, picture(), ctx.s)),
        () => ctx.replyWithPhoto(picture(), { caption: pageCaption(r, shot.page, ctx.s, html), parse_mode: 'HTML' }),
      );
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      await ctx.reply(ctx.s.pageUnavailable(err.message));
    }
  };

  /**
   * Searches and replies with the best result (or says plainly that the reports do not answer).
   * Only relevant results are kept, none repeating what `onlySource.shown` has on screen.
   */
  async function answer(ctx: BotContext, question: string, onlySource?: StoredAnswer['onlySource'], mode: ViewMode = 'quote'): Promise<void> {
    const answered = metrics.startQuestion();
    let result: Answer;
    try {
      result = relevantOnly(await searchTyping(ctx, question, onlySource), onlySource?.shown);
      if (!onlySource) await memory.remember(ctx.chat?.id ?? 0, question, result);
    } catch (err) {
      log.error('search failed', err);
      await ctx.reply(ctx.s.searchFailed, replyTo(ctx));
      answered('failed');
      return;
    }
    log.debug(`answered ${JSON.stringify(clip(question, 80))}: ${result.abstained ? 'abstained' : `${result.results.length} results`}`);
    if (result.abstained || result.results.length === 0) {
      const text = onlySource ? html.esc(ctx.s.noMoreFromReport) : renderNoAnswer(result, ctx.s, html, await refusals.help(searcher, result.q));
      await ctx.reply(text, { parse_mode: 'HTML', ...replyTo(ctx) });
      answered('abstained');
      return;
    }
    const stored: StoredAnswer = { answer: result, onlySource };
    const key = await answers.put(stored);
    const { text, rich: richText, reply_markup } = view(ctx, stored, key, 0, mode);
    const { rich: wasRich } = await rich.send(
      () => ctx.replyWithRichMessage(richText(), { reply_markup, ...replyTo(ctx) }),
      () => ctx.reply(text, { parse_mode: 'HTML', reply_markup, link_preview_options: { is_disabled: true }, ...replyTo(ctx) }),
    );
    // Its buttons edit it as what it is (a rich message is edited with a rich message).
    if (wasRich) stored.sentRich = true;
    // A PDF answer's page is read while the reader reads the answer: "Show page" then only draws it.
    void pages.prepare(result.results[0]!, searcher.info().generation);
    answered('answered');
  }

  /** A message in the chat's conversation: a follow-up reuses the previous question; a comparison asks each report. */
  async function converse(ctx: BotContext, text: string): Promise<void> {
    const chat = ctx.chat?.id ?? 0;
    const intent = interpret(text, await memory.get(chat), directoryOf(searcher).directory);
    if (intent.kind === 'compare') {
      const comparison = await compareReports(searcher, intent.question);
      if (comparison) {
        await memory.remember(chat, intent.question);
        await rich.send(
          () => ctx.replyWithRichMessage(richComparison(comparison, ctx.s), replyTo(ctx)),
          () => ctx.reply(renderComparison(comparison, ctx.s, html), { parse_mode: 'HTML', ...replyTo(ctx) }),
        );
        return;
      }
    }
    await answer(ctx, intent.question, undefined, intent.kind === 'ask' && intent.full ? 'full' : 'quote');
  }

  // --- commands ------------------------------------------------------------------------------

  bot.command('start', (ctx) => ctx.reply(renderGreeting(ctx.from?.first_name ?? '', ctx.s, html, searcher.sources()), { parse_mode: 'HTML' }));
  bot.command('help', (ctx) => ctx.reply(renderHelp(ctx.s, html), { parse_mode: 'HTML' }));
  bot.command('sources', (ctx) => ctx.reply(renderSources(searcher.sources(), ctx.s, html), { parse_mode: 'HTML' }));
  bot.command('ask', async (ctx) => {
    const question = ctx.match.trim();
    if (!question) return void (await ctx.reply(ctx.s.askWhat, replyTo(ctx)));
    await withinLimit(ctx, () => converse(ctx, question));
  });
  // /in PLACE [YEAR] QUESTION: the place (and year) go first in the question, which names the report.
  bot.command('in', async (ctx) => {
    const [where = '', ...rest] = ctx.match.trim().split(/\s+/);
    const year = /^(?:19|20)\d\d$/.test(rest[0] ?? '') ? rest.shift()! : '';
    const question = rest.join(' ');
    if (!where || !question) return void (await ctx.reply(ctx.s.inWhat, replyTo(ctx)));
    if (searcher.reportsNamed(`${where} ${year}`).length === 0) return void (await ctx.reply(ctx.s.noSuchReport(`${where} ${year}`.trim()), replyTo(ctx)));
    await withinLimit(ctx, () => answer(ctx, `${where} ${year} ${question}`.replace(/\s+/g, ' ')));
  });
  // Any other command: say so in private chats; in groups it may be meant for another bot.
  bot.on('message', async (ctx, next) => {
    if (!isCommand(ctx)) return next();
    if (ctx.chat.type === 'private') await ctx.reply(ctx.s.unknownCommand);
  });

  // --- buttons -------------------------------------------------------------------------------

  bot.on('callback_query:data', async (ctx) => {
    const data = decodeButton(ctx.callbackQuery.data);
    if (!data) return void (await ctx.answerCallbackQuery({ text: ctx.s.badButton }));
    if (data.action === 'n') return void (await ctx.answerCallbackQuery()); // the "2/5" label
    const stored = await answers.get(data.key);
    const result = stored?.answer.results[data.index];
    if (!stored || !result) return void (await ctx.answerCallbackQuery({ text: ctx.s.expired, show_alert: true }));

    if (data.action === 'p') {
      const ran = await withinLimit(ctx, async () => {
        await ctx.answerCallbackQuery();
        await showPage(ctx, stored.answer.q, result);
      });
      if (!ran) await ctx.answerCallbackQuery().catch(() => {});
      return;
    }
    if (data.action === 's') {
      const ran = await withinLimit(ctx, async () => {
        await ctx.answerCallbackQuery(); // stops the button's spinner; the answer comes as a new message
        await answer(ctx, stored.answer.q, { corpusDir: result.corpusDir, source: result.source, title: result.title || shortRef(result), shown: [result] });
      });
      // Over the limit: the spinner still has to stop (a no-op if the limiter already answered it).
      if (!ran) await ctx.answerCallbackQuery().catch(() => {});
      return;
    }
    const { text, rich: richText, reply_markup } = view(ctx, stored, data.key, data.index, data.action === 'f' ? 'full' : 'quote');
    const editAsHtml = () => ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup, link_preview_options: { is_disabled: true } });
    try {
      if (stored.sentRich) await rich.send(() => ctx.editMessageText(richText(), { reply_markup }), editAsHtml);
      else await editAsHtml();
    } catch (err) {
      // A double tap asks for the view already shown: Telegram refuses the no-op edit.
      if (!(err instanceof GrammyError && /message is not modified/i.test(err.description))) throw err;
    }
    await ctx.answerCallbackQuery();
  });

  // --- inline mode ---------------------------------------------------------------------------

  /**
   * Telegram caches inline answers by query and may serve them to anyone sending the same query: with an
   * allowlist, answers are personal and never cached, so that nobody outside it gets one.
   */
  const inlineCache = (seconds: number) => (allowed.size > 0 ? { cache_time: 0, is_personal: true } : { cache_time: seconds });

  bot.on('inline_query', inlineLimiter, async (ctx) => {
    const question = ctx.inlineQuery.query.trim();
    if (!question) {
      await ctx.answerInlineQuery([], { ...inlineCache(300), button: { text: ctx.s.inlineHint, start_parameter: 'inline' } });
      return;
    }
    const result = relevantOnly(headers.cite(await searcher.search(question, { k: Math.min(cfg.resultsPerAnswer, 10) }), searcher.info().generation));
    if (result.abstained || result.results.length === 0) {
      await ctx.answerInlineQuery([], { ...inlineCache(60), button: { text: ctx.s.inlineNoAnswer, start_parameter: 'help' } });
      return;
    }
    // Titled with the answering clause, described with the reference: the answer shows before sending.
    const articles = result.results.map((r, i) => {
      const span = answerOf(result.q, r);
      return InlineQueryResultBuilder.article(`r${i}-${r.passageId}`, clip((span?.text ?? r.quote).replace(/\s+/g, ' '), 80), {
        description: `${shortRef(r, itemOf(r, span))} ${r.report?.title ?? r.title}`,
      }).text(renderResult(result, i, { s: ctx.s, markup: html }), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
    });
    await ctx.answerInlineQuery(articles, inlineCache(60));
  });

  // --- plain messages ------------------------------------------------------------------------

  bot.on('message:text', async (ctx, next) => {
    const question = questionIn(ctx);
    if (question === undefined) return next(); // a group message not meant for us
    if (!question) return void (await ctx.reply(ctx.s.askWhat, replyTo(ctx)));
    await withinLimit(ctx, () => converse(ctx, question));
  });
  // Stickers, photos, voice…: only in private chats is a word about it useful.
  bot.on('message', async (ctx) => {
    if (ctx.chat.type === 'private' && !ctx.message.text) await ctx.reply(ctx.s.onlyText);
  });

  // --- errors --------------------------------------------------------------------------------

  bot.catch(async (err) => {
    const ctx = err.ctx;
    log.error(`update ${ctx.update.update_id} failed`, err.error);
    // Tell the user something short; never the error itself.
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.s?.searchFailed ?? stringsFor('en').searchFailed });
      else if (ctx.chat?.type === 'private') await ctx.reply((ctx.s ?? stringsFor('en')).searchFailed);
    } catch (again) {
      log.debug(`could not tell the user about the failure: ${describeError(again)}`);
    }
  });

  return bot;
}

// --- helpers ---------------------------------------------------------------------------------

/** The bot command the message starts with ("/help", "/help@SomeBot"), or undefined. */
function leadingCommand(ctx: BotContext): string | undefined {
  const e = (ctx.message?.entities ?? []).find((e) => e.type === 'bot_command' && e.offset === 0);
  return e && ctx.message?.text?.slice(0, e.length);
}

/** True when the message starts with a bot command for this bot ("/help", "/help@ThisBot"). */
function isCommand(ctx: BotContext): boolean {
  return leadingCommand(ctx) !== undefined && !commandForAnotherBot(ctx);
}

/** True for "/start@OtherBot": a command addressed to some other bot in the same group. */
function commandForAnotherBot(ctx: BotContext): boolean {
  const target = leadingCommand(ctx)?.split('@')[1];
  return target !== undefined && target.toLowerCase() !== ctx.me.username.toLowerCase();
}

/**
 * The question in a text message meant for the bot, or undefined when it is not meant for it:
 * in private chats every text; in groups only when the bot is mentioned or replied to.
 */
function questionIn(ctx: BotContext): string | undefined {
  const text = ctx.message?.text;
  if (text === undefined || !ctx.chat) return undefined;
  if (ctx.chat.type === 'private') return text.trim();
  const mention = new RegExp(`@${ctx.me.username.replace(/[^A-Za-z0-9_]/g, '')}\\b`, 'gi');
  const mentioned = text.search(mention) >= 0;
  const repliedToMe = ctx.message?.reply_to_message?.from?.id === ctx.me.id;
  if (!mentioned && !repliedToMe) return undefined;
  return text.replace(mention, ' ').trim();
}

/** In groups, answers quote the question they answer. */
function replyTo(ctx: BotContext): { reply_parameters?: { message_id: number; allow_sending_without_reply: boolean } } {
  const id = ctx.message?.message_id ?? ctx.callbackQuery?.message?.message_id;
  if (id === undefined || ctx.chat?.type === 'private') return {};
  return { reply_parameters: { message_id: id, allow_sending_without_reply: true } };
}
