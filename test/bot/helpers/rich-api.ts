/**
 * Rich messages (Bot API 10.1) for the tests: a small HTTP server in front of the emulator (or of
 * FileEndpoints) that answers sendRichMessage, and editMessageText of the rich messages it sent, as
 * Telegram does, and passes every other call through unchanged. telegram-test-api predates the method.
 *
 * A call is checked against grammY's published types (bot-api-types.ts) and against the documented rules
 * the types cannot say (exactly one of blocks, html or markdown; an attach:// file must be in the upload;
 * at most 32768 characters of text and 20 columns a table); a malformed one gets 400 "Bad Request: …".
 * With `lacksRichMessages` it answers 404 Not Found, as a Bot API server older than 10.1 does.
 * Every call is counted in `calls`; the rich messages sent, with their uploaded files and edits, in `sent`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { InputRichMessage } from '@grammyjs/types';
import { BotApiTypes } from './bot-api-types.js';
import { HOST } from '../../support/emulator.js';
import { multipart } from './files.js';

/** Telegram's limits on a rich message (the documentation's "Rich Message Limits"). */
export const RICH_LIMITS = { textChars: 32768, tableColumns: 20 };

export interface RichApiOptions {
  /** Answer 404 to the rich methods: a Bot API server from before 10.1. */
  lacksRichMessages?: boolean;
  /** Characters of text allowed in one rich message (Telegram's 32768 by default; a test may lower it). */
  textChars?: number;
}

export interface SentRichMessage {
  chatId: string;
  messageId: number;
  rich: InputRichMessage<string>;
  replyMarkup?: InlineKeyboardMarkup;
  /** Files uploaded with it, by their attach:// name. */
  files: Map<string, { fileName?: string; data: Buffer }>;
  /** What it was edited to since, oldest first. */
  edits: ({ rich: InputRichMessage<string> } | { text: string })[];
}

/** Fields of a rich message whose strings are text shown to the reader (counted against the limit). */
const TEXT_FIELDS = new Set(['text', 'credit', 'summary', 'expression']);

export class RichApi {
  /** Rich messages sent, oldest first. */
  readonly sent: SentRichMessage[] = [];
  /** Calls of the rich methods and how they were answered: "sendRichMessage 200", "sendRichMessage 404", … */
  readonly calls: string[] = [];
  private nextId = 500_000;

  private constructor(
    private readonly server: http.Server,
    readonly apiRoot: string,
    private readonly types: BotApiTypes,
    private readonly upstream: URL,
    private readonly opts: RichApiOptions,
  ) {}

  /** Starts in front of `upstreamRoot` on a free port of 127.0.0.1; `types` may be shared between servers (loading takes seconds). */
  static async start(upstreamRoot: string, opts: RichApiOptions = {}, types = BotApiTypes.load()): Promise<RichApi> {
    let self: RichApi | undefined;
    const server = http.createServer((req, res) => void self!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    self = new RichApi(server, `http://${HOST}:${(server.address() as AddressInfo).port}`, types, new URL(upstreamRoot), opts);
    return self;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = /^\/bot[^/]+\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1] ?? '';
    const answer = (status: number, value: unknown) => {
      if (method === 'sendRichMessage' || method === 'editMessageText') this.calls.push(`${method} ${status}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 ? { ok: true, result: value } : { ok: false, error_code: status, description: value }));
    };
    if (method === 'sendRichMessage') {
      if (this.opts.lacksRichMessages) return answer(404, 'Not Found');
      const { params, files } = readCall(body, req.headers['content-type'] ?? '');
      const wrong = this.types.check(method, params) ?? this.ruleBroken(params.rich_message as InputRichMessage<string>, files);
      if (wrong) return answer(400, `Bad Request: ${wrong}`);
      const sent: SentRichMessage = {
        chatId: String(params.chat_id),
        messageId: this.nextId++,
        rich: params.rich_message as InputRichMessage<string>,
        files,
        edits: [],
        ...(params.reply_markup ? { replyMarkup: params.reply_markup as InlineKeyboardMarkup } : {}),
      };
      this.sent.push(sent);
      return answer(200, this.messageOf(sent));
    }
    if (method === 'editMessageText') {
      const { params, files } = readCall(body, req.headers['content-type'] ?? '');
      const mine = this.sent.find((m) => m.messageId === Number(params.message_id) && m.chatId === String(params.chat_id));
      if (mine) {
        // An old server does not know the field: to it the edit has no text.
        if (this.opts.lacksRichMessages && params.rich_message) return answer(400, 'Bad Request: message text is empty');
        const wrong = this.types.check(method, params) ?? (params.rich_message ? this.ruleBroken(params.rich_message as InputRichMessage<string>, files) : undefined);
        if (wrong) return answer(400, `Bad Request: ${wrong}`);
        mine.edits.push(params.rich_message ? { rich: params.rich_message as InputRichMessage<string> } : { text: String(params.text) });
        if (params.reply_markup) mine.replyMarkup = params.reply_markup as InlineKeyboardMarkup;
        return answer(200, this.messageOf(mine));
      }
    }
    this.passOn(req, res, body);
  }

  /** The documented rules the types cannot say; undefined when none is broken. */
  private ruleBroken(rich: InputRichMessage<string>, files: Map<string, unknown>): string | undefined {
    const given = (['blocks', 'html', 'markdown'] as const).filter((k) => rich[k] !== undefined);
    if (given.length !== 1) return `exactly one of blocks, html or markdown must be given, not ${given.join(', ') || 'none'}`;
    const limit = this.opts.textChars ?? RICH_LIMITS.textChars;
    const chars = textChars(rich, '');
    if (chars > limit) return `rich message text is too long (${chars} characters, at most ${limit})`;
    const attached = [...JSON.stringify(rich).matchAll(/"attach:\/\/([^"]*)"/g)].map((m) => m[1]!);
    const missing = attached.find((name) => !files.has(name));
    if (missing !== undefined) return `file attach://${missing} is not in the request`;
    if (widestTable(rich) > RICH_LIMITS.tableColumns) return `a table has more than ${RICH_LIMITS.tableColumns} columns`;
    return undefined;
  }

  private messageOf(m: SentRichMessage) {
    return { message_id: m.messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(m.chatId), type: 'private' }, rich_message: m.rich, ...(m.replyMarkup ? { reply_markup: m.replyMarkup } : {}) };
  }

  private passOn(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const { hostname, port } = this.upstream;
    const up = http.request({ host: hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502, { 'content-type': 'application/json' }).end('{"ok":false,"error_code":502,"description":"upstream unreachable"}'));
    up.end(body);
  }
}

/** A call's parameters (JSON, or grammY's multipart form: fields as JSON, files as parts) and its uploaded files. */
function readCall(body: Buffer, contentType: string): { params: Record<string, unknown>; files: Map<string, { fileName?: string; data: Buffer }> } {
  if (!contentType.startsWith('multipart/form-data')) return { params: body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}, files: new Map() };
  const params: Record<string, unknown> = {};
  const files = new Map<string, { fileName?: string; data: Buffer }>();
  for (const [name, part] of multipart(body, contentType)) {
    if (part.fileName !== undefined) files.set(name, part);
    else params[name] = fieldValue(part.data.toString('utf8'));
  }
  return { params, files };
}

/** A form field as Telegram reads it: JSON when it is JSON (objects, numbers, true), else the string. */
function fieldValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Characters of reader-visible text in a rich message (code points, as Telegram counts). */
function textChars(value: unknown, field: string): number {
  if (typeof value === 'string') return TEXT_FIELDS.has(field) ? [...value].length : 0;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textChars(v, field), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.entries(value).reduce((n, [k, v]) => n + textChars(v, k), 0);
}

/** The most columns of any table row in a rich message (cells spanning columns counted as wide). */
function widestTable(value: unknown): number {
  if (Array.isArray(value)) return Math.max(0, ...value.map(widestTable));
  if (typeof value !== 'object' || value === null) return 0;
  const { cells } = value as { cells?: { colspan?: number }[][] };
  const own = Array.isArray(cells) ? Math.max(0, ...cells.map((row) => row.reduce((n, c) => n + (c.colspan ?? 1), 0))) : 0;
  return Math.max(own, ...Object.values(value).map(widestTable));
}
