/**
 * What telegram-test-api lacks for documents: the Bot API's getFile method and its file downloads
 * (`/file/bot<token>/<file_path>`), and sendPhoto with an uploaded picture (multipart/form-data, as
 * grammY sends an InputFile). A small HTTP server in front of the emulator answers those from files the
 * test put here (and keeps the photos sent), and passes every other request through to the emulator
 * unchanged; the bot under test gets this server's address as BOT_API_ROOT, like a real Bot API server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator } from '../../support/emulator.js';
import { HOST } from '../../support/emulator.js';

/** A document as a Telegram message carries it. */
export interface SentDocument {
  file_id: string;
  file_unique_id: string;
  file_name: string;
  mime_type?: string;
  file_size: number;
}

/** Telegram's getFile limit for bots. */
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** A photo the bot sent. */
export interface SentPhoto {
  chatId: string;
  caption?: string;
  parseMode?: string;
  fileName: string;
  data: Buffer;
}

export class FileEndpoints {
  private readonly files = new Map<string, { path: string; data: Buffer; endless?: boolean }>();
  /** Photos the bot sent, oldest first. */
  readonly photos: SentPhoto[] = [];
  /** Bytes sent by downloads of endless files (see putEndless), so far. */
  endlessBytesSent = 0;
  /** getFile and download requests seen, in order ("getFile <id>", "download <path>"). */
  readonly requests: string[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly apiRoot: string,
  ) {}

  /** Starts in front of the emulator, on a free port of 127.0.0.1. */
  static async start(emu: Emulator): Promise<FileEndpoints> {
    const upstream = new URL(emu.apiRoot);
    let self: FileEndpoints | undefined;
    const server = http.createServer((req, res) => self!.handle(req, res, upstream));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    self = new FileEndpoints(server, `http://${HOST}:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Makes a file downloadable and returns the document to put in a message (file_size may claim more). */
  put(fileName: string, data: Buffer, claimedSize = data.length): SentDocument {
    const id = `doc${this.files.size + 1}`;
    this.files.set(id, { path: `documents/file_${this.files.size + 1}${fileName.match(/\.[A-Za-z0-9]+$/)?.[0] ?? ''}`, data });
    return { file_id: id, file_unique_id: `u-${id}`, file_name: fileName, file_size: claimedSize };
  }

  /**
   * A file whose download never ends (a lying server): getFile and the message declare `declaredSize`
   * bytes, the download sends zeros, without a Content-Length, until the client hangs up.
   */
  putEndless(fileName: string, declaredSize: number): SentDocument {
    const doc = this.put(fileName, Buffer.alloc(declaredSize), declaredSize);
    this.files.get(doc.file_id)!.endless = true;
    return doc;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (/^\/bot[^/]+\/getFile$/.test(url.pathname)) {
      const params = body.length ? (JSON.parse(body.toString('utf8')) as { file_id?: string }) : { file_id: url.searchParams.get('file_id') ?? undefined };
      this.requests.push(`getFile ${params.file_id}`);
      const file = this.files.get(params.file_id ?? '');
      if (!file) return json(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      if (file.data.length > DOWNLOAD_LIMIT) return json(400, { ok: false, error_code: 400, description: 'Bad Request: file is too big' });
      return json(200, { ok: true, result: { file_id: params.file_id, file_unique_id: `u-${params.file_id}`, file_size: file.data.length, file_path: file.path } });
    }
    if (/^\/bot[^/]+\/sendPhoto$/.test(url.pathname)) {
      const form = multipart(body, req.headers['content-type'] ?? '');
      // grammY sends the picture as a part of its own, named in the field: photo=attach://<part name>.
      const field = form.get('photo')?.data.toString('utf8') ?? '';
      const photo = field.startsWith('attach://') ? form.get(field.slice('attach://'.length)) : form.get('photo');
      const chatId = form.get('chat_id')?.data.toString('utf8');
      if (!chatId || !photo?.fileName) return json(400, { ok: false, error_code: 400, description: 'Bad Request: there is no photo in the request' });
      const caption = form.get('caption')?.data.toString('utf8');
      const parseMode = form.get('parse_mode')?.data.toString('utf8');
      this.photos.push({ chatId, fileName: photo.fileName, data: photo.data, ...(caption !== undefined ? { caption } : {}), ...(parseMode ? { parseMode } : {}) });
      const id = `photo${this.photos.length}`;
      return json(200, { ok: true, result: { message_id: 100000 + this.photos.length, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: 'private' }, photo: [{ file_id: id, file_unique_id: `u-${id}`, width: 1, height: 1 }], ...(caption !== undefined ? { caption } : {}) } });
    }
    const download = /^\/file\/bot[^/]+\/(.+)$/.exec(url.pathname);
    if (download) {
      this.requests.push(`download ${download[1]}`);
      const file = [...this.files.values()].find((f) => f.path === download[1]);
      if (!file) return json(404, { ok: false, error_code: 404, description: 'Not Found' });
      if (file.endless) return this.sendEndless(res);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length });
      return void res.end(file.data);
    }
    // Everything else: to the emulator as it came.
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => json(502, { ok: false, error_code: 502, description: 'emulator unreachable' }));
    forward.end(body);
  }

  private sendEndless(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024 * 1024);
    const more = () => {
      while (!res.destroyed) {
        this.endlessBytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
    };
    res.on('close', () => res.destroy());
    more();
  }
}

/** The parts of a multipart/form-data body by name (RFC 7578): each part's bytes, and its file name if it is a file. */
function multipart(body: Buffer, contentType: string): Map<string, { data: Buffer; fileName?: string }> {
  const parts = new Map<string, { data: Buffer; fileName?: string }>();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const from = at + delimiter.length + 2; // past the delimiter and its CRLF
    const next = body.indexOf(delimiter, from);
    if (next < 0) break;
    const part = body.subarray(from, next - 2); // without the CRLF before the next delimiter
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const name = /[;\s]name="?([^";\r\n]*)"?/i.exec(head)?.[1];
      const fileName = /filename="?([^";\r\n]*)"?/i.exec(head)?.[1];
      if (name !== undefined) parts.set(name, { data: Buffer.from(part.subarray(split + 4)), ...(fileName !== undefined ? { fileName } : {}) });
    }
    at = next;
  }
  return parts;
}
