/**
 * A bot in webhook mode as an operator starts it (`npm start`'s script in its own process, the stand-in
 * model, the seed reports indexed in a temporary folder), with Telegram's side played by the front over
 * the emulator. Shared by the tests that attack the webhook from outside.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Emulator, freePort, type Front, startFront } from '../../support/bot-api-front.js';
import { type BotProcess, healthy, startBotProcess } from '../../../bench/loadtest.js';
import { ingest } from '../../../src/index/ingest.js';
import { SEED_CORPUS, STANDIN_ENV, tempDir, testConfig } from '../../helpers.js';
import { HOST } from '../../support/emulator.js';

export interface WebhookBot {
  emu: Emulator;
  front: Front;
  bot: BotProcess;
  /** Where the bot's webhook, /healthz and /metrics listen. */
  port: number;
  indexDir: string;
  stateDir: string;
  /** The bot's log, line by line. */
  lines: string[];
  /** SIGTERM; resolves with the exit code once the bot is gone, then closes the front and the emulator. */
  stop(): Promise<number | null>;
}

/** Starts the emulator, the front and the bot (default settings but for the URL), and waits until it is healthy. */
export async function startWebhookBot(opts: { stateDir?: string } = {}): Promise<WebhookBot> {
  const tmp = tempDir('rqb-webhook-bot-');
  const indexDir = path.join(tmp, 'index');
  const stateDir = opts.stateDir ?? path.join(tmp, 'state');
  await ingest(testConfig({ indexDir }), { log: () => {} });
  const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (c: object) => Emulator;
  const emuPort = await freePort();
  const emu = new TelegramServer({ port: emuPort, host: HOST, storeTimeout: 600 });
  await emu.start();
  const front = await startFront(emu, emuPort);
  const port = await freePort();
  const lines: string[] = [];
  const bot = startBotProcess(
    { ...STANDIN_ENV, BOT_API_ROOT: front.root, WEBHOOK_URL: `http://${HOST}:${port}/telegram`, WEBHOOK_PORT: String(port), INDEX_DIR: indexDir, CORPUS_DIRS: SEED_CORPUS, STATE_DIR: stateDir },
    'tsx',
    (line) => lines.push(line),
  );
  await Promise.race([healthy(port), bot.exited.then(() => Promise.reject(new Error(lines.join('\n'))))]);
  await front.ready;
  return {
    emu,
    front,
    bot,
    port,
    indexDir,
    stateDir,
    lines,
    async stop() {
      bot.child.kill('SIGTERM');
      const code = await bot.exited;
      await front.close();
      await emu.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
      return code;
    },
  };
}

/** A private-chat text message update from a user, as Telegram POSTs it to the webhook. */
export function textUpdate(updateId: number, chatId: number, text: string, firstName = 'U'): string {
  const from = { id: chatId, is_bot: false, first_name: firstName };
  return JSON.stringify({ update_id: updateId, message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: firstName }, from, text } });
}
