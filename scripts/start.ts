/**
 * `npm start`: the chat bot when BOT_TOKEN is set (long polling, or webhook with WEBHOOK_URL),
 * otherwise a terminal chat. The index is built first when missing or stale.
 * Settings come from the environment and `.env` (see .env.example).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, loadDotenv } from '../src/config.js';
import { createBot } from '../src/bot/bot.js';
import { ensureIndex } from '../src/bot/ensure-index.js';
import { createLogger, describeError, envSecrets, makeRedactor } from '../src/bot/log.js';
import { printable } from '../src/corpus/display.js';
import { ensureWebhookSecret, startBot, stopOnSignals } from '../src/bot/run.js';
import { envLang, stringsFor } from '../src/bot/i18n.js';
import { runTerminal } from '../src/bot/terminal.js';
import { openLiveSearcher } from '../src/search/live.js';
import { openSharedState } from '../src/cluster/redis-state.js';

loadDotenv();

async function main(): Promise<number> {
  const config = loadConfig();
  // STATE_DIR and memory, or Redis (REDIS_URL) for several machines; the terminal chat has no one to share with.
  const shared = config.bot.token ? openSharedState(config, createLogger(config.logLevel, [config.bot.token])) : undefined;
  // Webhook mode never runs without a secret: generated (and kept in STATE_DIR, or Redis) when none is set.
  const webhookSecret = config.bot.token && config.bot.webhookUrl ? await (shared!.webhookSecret?.() ?? ensureWebhookSecret(config)) : undefined;
  if (webhookSecret) config.bot.webhookSecret = process.env.WEBHOOK_SECRET = webhookSecret.secret; // env: every redactor hides it
  const secrets = [config.bot.token, config.bot.webhookSecret];

  if (!config.bot.token) {
    // The terminal chat speaks the user's language from the first line, and keeps the log out of the chat.
    const lang = envLang();
    const s = stringsFor(lang);
    const logFile = path.join(config.bot.stateDir, 'terminal.log');
    fs.mkdirSync(config.bot.stateDir, { recursive: true });
    const log = createLogger(config.logLevel, secrets, (line) => fs.appendFileSync(logFile, `${line}\n`));
    const shownLogFile = path.relative(process.cwd(), logFile);
    process.stderr.write(`${s.terminalStarting}\n${s.terminalLogFile(shownLogFile.startsWith('..') ? logFile : shownLogFile)}\n`);
    await ensureIndex(config, { lang, log: (line) => log.info(line) });
    process.stderr.write(`${s.terminalLoading}\n`);
    const searcher = await openLiveSearcher(config, { log: (m) => log.info(m) });
    await runTerminal(searcher, config, { lang, log });
    return 0;
  }

  const log = createLogger(config.logLevel, secrets);
  if (webhookSecret?.generatedIn) log.info(`no WEBHOOK_SECRET set: generated one, kept in ${webhookSecret.generatedIn}`);
  // With Redis, one host of the deployment builds a missing or stale index at a time (all share INDEX_DIR).
  if (await shared!.underIngestLock('index check at start', () => ensureIndex(config), 15 * 60_000)) await shared!.publishGeneration(readCurrent(config.indexDir));
  const searcher = await openLiveSearcher(config, { log: (m) => log.info(m) }); // follows re-ingests while running
  // Another host announces a new generation in the shared index folder: swap it in now, not at the next look.
  shared!.onGeneration((generation) => void searcher.refresh(generation));

  const bot = createBot(config, searcher, { log, shared });
  const running = await startBot(bot, config, { log });
  stopOnSignals(running, log);
  // Resolves after a signal-initiated stop; rejects (already logged) when polling dies, e.g. a revoked token.
  return running.done.then(
    () => shared!.close().then(() => 0),
    () => 1,
  );
}

/** The generation index/CURRENT names ('' when none). */
function readCurrent(indexDir: string): string {
  try {
    return fs.readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** No secret is part of what is printed, in any form (see makeRedactor). */
const redact = (line: string): string => makeRedactor(envSecrets())(printable(line));

// A crash anywhere (an error no handler caught) prints one redacted line, not Node's dump of the error.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err) => {
    process.stderr.write(`${redact(`Crashed: ${describeError(err)}`)}\n`);
    process.exit(1);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // One readable line.
    const line = err instanceof ConfigError ? `Configuration error: ${err.message}` : `Could not start: ${describeError(err)}`;
    process.stderr.write(`${redact(line)}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
