/**
 * A local Telegram Bot API emulator (telegram-test-api) for end-to-end tests and the latency script.
 * It listens on 127.0.0.1 only, on a free port. Users are emulated through its client API; what the
 * bot sent is read from its storage (edits update the stored message in place).
 */
import { createRequire } from 'node:module';
import type { TelegramServer as Server } from 'telegram-test-api/lib/telegramServer.js';
import type { Transformer } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { freePort } from './bot-api-front.js';

// The package is CommonJS with `module.exports = TelegramServer`, which its typings describe as a default export.
const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as typeof Server;

export const HOST = '127.0.0.1';
/** What the emulator's getMe answers. */
export const EMULATED_BOT = { id: 666, username: 'TestNameBot' };

export { freePort };

export interface Emulator {
  server: Server;
  /** For BOT_API_ROOT. */
  apiRoot: string;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const server = new TelegramServer({ port: await freePort(), host: HOST, storeTimeout: 600 });
  await server.start();
  return { server, apiRoot: server.config.apiURL, stop: async () => void (await server.stop()) };
}

/** A message the bot sent, as the emulator stores it (the sendMessage payload, edits merged in). */
export interface BotMessage {
  messageId: number;
  text: string;
  parse_mode?: string;
  reply_markup?: InlineKeyboardMarkup;
  reply_parameters?: { message_id: number };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until fn returns something, or fails after timeoutMs. */
export async function waitFor<T>(fn: () => T | undefined | false, what: string, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The emulator answers getUpdates at once, even with nothing to give (no long polling):
 * wait a little after an empty answer, so that polling does not spin. Installed on the test bot.
 */
export function emulateLongPolling(pauseMs = 10): Transformer {
  return async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    if (method === 'getUpdates' && res.ok && Array.isArray(res.result) && res.result.length === 0) await sleep(pauseMs);
    return res;
  };
}

export interface UserOptions {
  userId: number;
  chatId?: number;
  type?: 'private' | 'group' | 'supergroup';
  languageCode?: string;
  firstName?: string;
}

/** One person in one chat, talking to the bot with the given token. */
export class TestUser {
  readonly chatId: number;
  private readonly client: ReturnType<Server['getClient']>;
  private seen = 0;

  constructor(
    private readonly emu: Emulator,
    private readonly token: string,
    private readonly opts: UserOptions,
  ) {
    this.chatId = opts.chatId ?? opts.userId;
    this.client = emu.server.getClient(token, {
      userId: opts.userId,
      chatId: this.chatId,
      type: opts.type ?? 'private',
      firstName: opts.firstName ?? 'Tester',
      userName: `user${opts.userId}`,
    });
  }

  private get from() {
    return { id: this.opts.userId, is_bot: false, first_name: this.opts.firstName ?? 'Tester', language_code: this.opts.languageCode };
  }

  /** Sends a text message (with extra fields such as entities or reply_to_message). */
  async say(text: string, extra: Record<string, unknown> = {}): Promise<void> {
    const msg = this.client.makeMessage(text, { from: this.from, ...extra } as never);
    await this.client.sendMessage(msg);
  }

  /** Sends a file (see files.ts: the document must have been put there first), with an optional caption. */
  async sendDocument(document: object, caption?: string): Promise<void> {
    const msg = this.client.makeMessage('', { from: this.from, document, ...(caption ? { caption } : {}) } as never) as unknown as Record<string, unknown>;
    delete msg.text; // a document message has no text
    await this.client.sendMessage(msg as never);
  }

  async command(text: string): Promise<void> {
    await this.client.sendCommand(this.client.makeCommand(text, { from: this.from } as never));
  }

  /** Presses a button (any callback data) under the bot message with this id. */
  async press(messageId: number, data: string): Promise<void> {
    const cb = this.client.makeCallbackQuery(data, { from: this.from, message: { message_id: messageId } } as never);
    await this.client.sendCallback(cb);
  }

  /** Everything the bot sent to this chat, oldest first, as it stands now (edits included). */
  messages(): BotMessage[] {
    return this.emu.server.storage.botMessages
      .filter((m) => m.botToken === this.token && String(m.message.chat_id) === String(this.chatId))
      .map((m) => ({ ...(m.message as unknown as Omit<BotMessage, 'messageId'>), messageId: m.messageId }));
  }

  /** Waits for the next message the bot sends to this chat. */
  async reply(timeoutMs?: number): Promise<BotMessage> {
    const msg = await waitFor(() => this.messages()[this.seen], `a reply in chat ${this.chatId}`, timeoutMs);
    this.seen++;
    return msg;
  }

  /** Waits until the bot message with this id differs from `before` (an edit). */
  async edited(messageId: number, before: string, timeoutMs?: number): Promise<BotMessage> {
    return waitFor(
      () => {
        const m = this.messages().find((x) => x.messageId === messageId);
        return m && m.text !== before ? m : undefined;
      },
      `an edit of message ${messageId}`,
      timeoutMs,
    );
  }
}

/** Button texts and data of a bot message, row by row: ["Next ›=q:KEY:1", …]. */
export function buttons(msg: BotMessage): string[][] {
  return (msg.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => `${b.text}=${'callback_data' in b ? b.callback_data : ''}`));
}

/** Callback data of the button with this text. */
export function buttonData(msg: BotMessage, text: string): string {
  for (const row of msg.reply_markup?.inline_keyboard ?? []) for (const b of row) if (b.text === text && 'callback_data' in b) return b.callback_data!;
  throw new Error(`no button "${text}" in ${JSON.stringify(buttons(msg))}`);
}
