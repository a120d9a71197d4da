/**
 * Running the bot: long polling through @grammyjs/runner, or a webhook server when WEBHOOK_URL is
 * set; menu commands registered at start; graceful stop (no new updates, answers under way
 * finished, bounded by a deadline).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { join as joinPath } from 'node:path';
import { type RunnerHandle, run, type RunOptions } from '@grammyjs/runner';
import { GrammyError, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import type { Config } from '../config.js';
import { ALLOWED_UPDATES, type QuoteBot } from './bot.js';
import { STRINGS } from './i18n.js';
import { UpdateJournal } from './journal.js';
import { describeError, type Logger } from './log.js';

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
  // One journal per bot and token: two bots (or tokens) never share fetched updates.
  const tokenTag = createHash('sha256').update(config.bot.token).digest('hex').slice(0, 8);
  const journalFile = opts.journalFile ?? joinPath(config.indexDir, `.bot-${bot.botInfo.id}-${tokenTag}-updates.jsonl`);
  return config.bot.webhookUrl ? startWebhook(bot, config, opts) : startPolling(bot, { ...opts, journalFile });
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

export async function startPolling(bot: QuoteBot, opts: StartOptions): Promise<RunningBot> {
  const { log, drainTimeoutMs = 10_000 } = opts;
  await bot.api.deleteWebhook(); // polling is refused while a webhook is set
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
        journal?.close();
        log.info('bot stopped');
        settle.resolve();
      })()),
  };
}

/**
 * Journals every fetched batch before the runner sees it, and answers first what was fetched before the
 * last stop but never answered (a crash while answering).
 */
function openJournal(bot: QuoteBot, file: string, log: Logger): UpdateJournal {
  const journal = UpdateJournal.open(file);
  bot.journal = journal;
  bot.api.config.use(journal.recorder());
  const left = journal.unanswered();
  if (left.length > 0) {
    log.info(`answering ${left.length} question(s) fetched before the last stop but not answered`);
    for (const update of left) void bot.handleUpdate(update).catch((err) => log.error(`update ${update.update_id} failed`, err));
  }
  return journal;
}

export async function startWebhook(bot: QuoteBot, config: Config, opts: StartOptions): Promise<RunningBot> {
  const { log, drainTimeoutMs = 10_000 } = opts;
  const { webhookUrl, webhookPort, webhookHost, webhookSecret } = config.bot;
  const path = new URL(webhookUrl).pathname;
  // Searches are quick; should one be slow, Telegram still gets its 200 and the answer follows.
  const handleUpdate = webhookCallback(bot, 'http', { onTimeout: 'return', timeoutMilliseconds: 20_000, secretToken: webhookSecret || undefined });
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === path) {
      handleUpdate(req, res).catch((err) => {
        log.error('webhook request failed', err);
        if (!res.headersSent) res.writeHead(500).end();
      });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(webhookPort, webhookHost, resolve));
  await bot.api.setWebhook(webhookUrl, { secret_token: webhookSecret || undefined, allowed_updates: [...ALLOWED_UPDATES] });
  log.info(`webhook server listening on ${webhookHost}:${webhookPort}${path}`);

  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  let stopping: Promise<void> | undefined;
  return {
    mode: 'webhook',
    done,
    stop: () =>
      (stopping ??= (async () => {
        // No new requests; those under way finish and get their HTTP response, then the server closes.
        let serverClosed = false;
        server.close(() => (serverClosed = true));
        await drain(bot, log, drainTimeoutMs);
        // Keep-alive connections become idle once their response is written: close them as they do.
        for (const until = Date.now() + 2000; !serverClosed && Date.now() < until; ) {
          server.closeIdleConnections();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        server.closeAllConnections();
        log.info('bot stopped');
        closed();
      })()),
  };
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
