/**
 * Running the bot: long polling through @grammyjs/runner, or a webhook server when WEBHOOK_URL is
 * set; menu commands registered at start; graceful stop (no new updates, answers under way
 * finished, bounded by a deadline).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { type RunnerHandle, run, type RunOptions } from '@grammyjs/runner';
import { GrammyError } from 'grammy';
import type { Update } from 'grammy/types';
import { type Config, WEBHOOK_SECRET_PATTERN } from '../config.js';
import { createExclusive } from '../index/store.js';
import { ALLOWED_UPDATES, type QuoteBot } from './bot.js';
import { type BotHttpServer, startHttpServer } from './http.js';
import { type Lang, langOf, STRINGS } from './i18n.js';
import { UpdateJournal } from './journal.js';
import { describeError, type Logger } from './log.js';
import { warmUpPageRendering } from '../render/warm-up.js';

export interface RunningBot {
  mode: 'polling' | 'webhook';
  /** Stops taking updates and waits (at most the deadline) for answers under way. */
  stop(): Promise<void>;
  /** Settles when the bot stops: rejects if polling died (bad token, another instance polling). */
  done: Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Longest wait for answers under way on stop. */
  drainTimeoutMs?: number;
  /** getMe attempts before giving up on an unreachable Bot API (1 s, 2 s, … apart). */
  connectAttempts?: number;
  /** Extra runner options (tests pace polling against an emulator without long polling). */
  runner?: RunOptions<Update>;
  /** Where long polling keeps fetched updates until they are answered (default: in the index folder; see journal.ts). */
  journalFile?: string;
}

/** Registers /start /help /sources /ask in Telegram's menu, in English and Chinese. Failure only warns. */
export async function registerCommands(bot: QuoteBot, log: Logger): Promise<void> {
  const toMenu = (lang: keyof typeof STRINGS) => STRINGS[lang].commands.map(({ command, description }) => ({ command, description }));
  try {
    await bot.api.setMyCommands(toMenu('en'));
    await bot.api.setMyCommands(toMenu('zh'), { language_code: 'zh' });
  } catch (err) {
    log.warn('could not register the command menu (setMyCommands); the commands still work', err);
  }
}

/** Starts the bot in the mode the configuration asks for. Resolves once it is taking updates. */
export async function startBot(bot: QuoteBot, config: Config, opts: StartOptions): Promise<RunningBot> {
  const { log } = opts;
  await connect(bot, config, log, opts.connectAttempts);
  log.info(`bot @${bot.botInfo.username} starting (${config.bot.webhookUrl ? 'webhook' : 'long polling'})`);
  await registerCommands(bot, log);
  warmUpShowPage(bot, log);
  // One journal per bot and token: two bots (or tokens) never share fetched updates.
  const tokenTag = createHash('sha256').update(config.bot.token).digest('hex').slice(0, 8);
  const journalFile = opts.journalFile ?? join(config.indexDir, `.bot-${bot.botInfo.id}-${tokenTag}-updates.jsonl`);
  return config.bot.webhookUrl ? startWebhook(bot, config, opts) : startPolling(bot, { ...opts, journalFile }, config);
}

/**
 * "Show page" loads pdf.js and @napi-rs/canvas and compiles their code on first use (about a second): done
 * once at start, in the background, on a PDF report of the corpus; a corpus without PDFs never needs it.
 */
function warmUpShowPage(bot: QuoteBot, log: Logger): void {
  const pdf = bot.searcher.sources().find((s) => /\.pdf$/i.test(s.source));
  if (!pdf) return;
  setTimeout(() => {
    void warmUpPageRendering(join(pdf.corpusDir, pdf.source)).then((w) => log.debug(`"Show page" warmed up in ${Math.round(w.ms)} ms on ${pdf.source}`));
  }, 0).unref();
}

/**
 * getMe, to learn the bot's name. grammY's own bot.init() would retry a network failure forever;
 * here a start fails within seconds, with one clear line, on a wrong token or an unreachable API.
 */
async function connect(bot: QuoteBot, config: Config, log: Logger, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      bot.botInfo = await bot.api.getMe();
      return;
    } catch (err) {
      if (err instanceof GrammyError) throw new Error(`the Bot API refused the bot token (${err.error_code}: ${err.description})`);
      if (attempt >= attempts) throw new Error(`cannot reach the Bot API at ${config.bot.apiRoot} (${describeError(err)})`);
      log.warn(`cannot reach the Bot API, trying again (${attempt}/${attempts})`, err);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function drain(bot: QuoteBot, log: Logger, timeoutMs: number): Promise<void> {
  if (bot.inflight.size > 0) log.info(`finishing ${bot.inflight.size} answer(s) under way`);
  if (!(await bot.inflight.idle(timeoutMs))) log.warn(`gave up waiting for ${bot.inflight.size} answer(s) after ${timeoutMs} ms`);
}

/** Long polling; with HEALTH_PORT set, /healthz and /metrics on that port. */
export async function startPolling(bot: QuoteBot, opts: StartOptions, config?: Config): Promise<RunningBot> {
  const { log, drainTimeoutMs = 10_000 } = opts;
  await bot.api.deleteWebhook(); // polling is refused while a webhook is set
  let http: BotHttpServer | undefined;
  if (config && config.bot.healthPort > 0) {
    http = await startHttpServer({ config, searcher: bot.searcher, metrics: bot.metrics, log, port: config.bot.healthPort, shared: bot.shared });
    log.info(`health server listening on ${config.bot.webhookHost}:${http.port} (/healthz, /metrics)`);
  }
  const journal = opts.journalFile ? openJournal(bot, opts.journalFile, log) : undefined;
  const runnerOpts = opts.runner ?? {};
  const handle: RunnerHandle = run(bot, {
    ...runnerOpts,
    // silent: the runner would print fetch errors with console.error, unredacted (an error description
    // can quote the request path, which holds the token); a fatal one reaches our logger through task().
    runner: { silent: true, ...runnerOpts.runner, fetch: { allowed_updates: [...ALLOWED_UPDATES], ...runnerOpts.runner?.fetch } },
  });
  // `done` settles once stop() has finished (drain included), or rejects if polling dies on its own.
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by whoever awaits `done`; never an unhandled rejection
  let stopping: Promise<void> | undefined;
  handle.task()?.then(
    () => stopping ?? settle.resolve(),
    (err) => {
      if (!stopping) {
        log.error('polling stopped', err);
        void http?.close();
        settle.reject(err);
      }
    },
  );
  return {
    mode: 'polling',
    done,
    stop: () =>
      (stopping ??= (async () => {
        if (handle.isRunning()) await handle.stop();
        await drain(bot, log, drainTimeoutMs);
        await http?.close();
        // The journal marks an update answered just after its middleware is done, a few microtasks after
        // the drain sees it finished: let those run first, or a delivered answer stays "unanswered" in
        // the journal and is sent again at the next start.
        await new Promise((resolve) => setImmediate(resolve));
        journal?.close();
        log.info('bot stopped');
        settle.resolve();
      })()),
  };
}

/** What the sender of an update that was given up on is told (see journal.ts); here, beside its only use. */
const GIVEN_UP: Record<Lang, string> = {
  zh: '抱歉，机器人处理您的这条消息时两次意外停止，已放弃处理。如果发送的是文件，它可能过大或已损坏；报告库没有因此改变。',
  en: 'Sorry: the bot stopped unexpectedly twice while handling this message of yours, so it gave up on it. If it was a file, it may be too large or damaged; the reports were not changed by it.',
};

/**
 * Journals every fetched batch before the runner sees it, and answers first what was fetched before the
 * last stop but never answered (a crash while answering). What crashed the bot again while it was replayed
 * is not replayed a third time: its sender is told, and the log says so.
 */
function openJournal(bot: QuoteBot, file: string, log: Logger): UpdateJournal {
  const journal = UpdateJournal.open(file, log);
  bot.journal = journal;
  bot.api.config.use(journal.recorder());
  for (const update of journal.givenUp()) {
    const chat = update.message?.chat.id;
    log.error(`gave up on update ${update.update_id} from user ${update.message?.from?.id ?? '?'}: the bot stopped while answering it, and again while answering it after the restart`);
    if (chat !== undefined) {
      void bot.api
        .sendMessage(chat, GIVEN_UP[langOf(update.message?.from?.language_code)], { reply_parameters: { message_id: update.message!.message_id, allow_sending_without_reply: true } })
        .catch((err) => log.warn(`could not tell chat ${chat} that update ${update.update_id} was given up on`, err));
    }
  }
  const left = journal.unanswered();
  if (left.length > 0) {
    log.info(`answering ${left.length} question(s) fetched before the last stop but not answered`);
    for (const update of left) {
      journal.replaying(update);
      void bot.handleUpdate(update).catch((err) => log.error(`update ${update.update_id} failed`, err));
    }
  }
  return journal;
}

export async function startWebhook(bot: QuoteBot, config: Config, opts: StartOptions): Promise<RunningBot> {
  const { log, drainTimeoutMs = 10_000 } = opts;
  const { webhookUrl, webhookPort, webhookHost, webhookSecret } = config.bot;
  // Without a secret anyone who can reach the port could post updates "from" any user (see ensureWebhookSecret).
  if (!webhookSecret) throw new Error('webhook mode needs a WEBHOOK_SECRET');
  const path = new URL(webhookUrl).pathname;
  const claims = bot.shared.claims(); // STATE_DIR, or Redis for several machines
  const http = await startHttpServer({ config, searcher: bot.searcher, metrics: bot.metrics, log, port: webhookPort, webhook: { bot, path, secret: webhookSecret, claims }, shared: bot.shared });
  await bot.api.setWebhook(webhookUrl, { secret_token: webhookSecret, allowed_updates: [...ALLOWED_UPDATES] });
  log.info(`webhook server listening on ${webhookHost}:${http.port}${path} (also /healthz, /metrics)`);

  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  let stopping: Promise<void> | undefined;
  return {
    mode: 'webhook',
    done,
    stop: () =>
      (stopping ??= (async () => {
        // No new connections; requests under way finish and get their HTTP response, then the server closes.
        const closing = http.close(drainTimeoutMs + 2000);
        await drain(bot, log, drainTimeoutMs);
        await closing;
        log.info('bot stopped');
        closed();
      })()),
  };
}

/**
 * The webhook secret: WEBHOOK_SECRET, or else one generated once and kept in STATE_DIR/webhook-secret,
 * so that every process sharing the folder registers the same one (each setWebhook replaces the last).
 */
export function ensureWebhookSecret(config: Config): { secret: string; generatedIn?: string } {
  if (config.bot.webhookSecret) return { secret: config.bot.webhookSecret };
  const file = join(config.bot.stateDir, 'webhook-secret');
  // The first process to get here decides; the others read its secret.
  fs.mkdirSync(config.bot.stateDir, { recursive: true });
  const generated = createExclusive(file, randomBytes(32).toString('base64url'), 0o600);
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new Error(`${file} does not hold a usable webhook secret; delete it to have a new one generated`);
  return { secret, generatedIn: generated ? file : undefined };
}

/** Stops the bot on SIGINT/SIGTERM (a second signal exits at once). Returns a function removing the handlers. */
export function stopOnSignals(running: RunningBot, log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return exit(130);
    signalled = true;
    log.info(`${signal} received, stopping`);
    running.stop().then(
      () => exit(0),
      (err) => {
        log.error('error while stopping', err);
        exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
