/**
 * Documents served by the Bot API front (bot-api-front.ts) as Telegram serves them, which the emulator
 * (telegram-test-api) does not: a user's message carries a document (file_id, file_name, file_size); the
 * bot calls getFile with the file_id, gets a file_path, and downloads `/file/bot<token>/<file_path>`.
 * Whoever plays the user (the load test's admin) puts the file here first and sends the document it gets.
 */
import type http from 'node:http';

/** A document as a Telegram message carries it. */
export interface TelegramDocument {
  file_id: string;
  file_unique_id: string;
  file_name: string;
  file_size: number;
}

/** Telegram's limit on files a bot may download (getFile answers "file is too big" past it). */
const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export class FrontFiles {
  private readonly byId = new Map<string, { path: string; data: Buffer }>();
  /** getFile and download requests seen, in order ("getFile <id>", "download <path>"). */
  readonly requests: string[] = [];

  /** Makes a file downloadable; returns the document to put in a message. */
  put(fileName: string, data: Buffer): TelegramDocument {
    const n = this.byId.size + 1;
    const id = `doc${n}`;
    this.byId.set(id, { path: `documents/file_${n}${/\.[A-Za-z0-9]+$/.exec(fileName)?.[0] ?? ''}`, data });
    return { file_id: id, file_unique_id: `u-${id}`, file_name: fileName, file_size: data.length };
  }

  /**
   * Answers the request when it is getFile or a file download (and returns true); returns false for
   * anything else, which the front handles.
   */
  serve(url: string, params: () => Record<string, unknown>, res: http.ServerResponse): boolean {
    const json = (status: number, value: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const { pathname, searchParams } = new URL(url, 'http://front');
    if (/^\/bot[^/]+\/getFile$/.test(pathname)) {
      const id = String(params().file_id ?? searchParams.get('file_id') ?? '');
      this.requests.push(`getFile ${id}`);
      const file = this.byId.get(id);
      if (!file) json(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      else if (file.data.length > DOWNLOAD_LIMIT) json(400, { ok: false, error_code: 400, description: 'Bad Request: file is too big' });
      else json(200, { ok: true, result: { file_id: id, file_unique_id: `u-${id}`, file_size: file.data.length, file_path: file.path } });
      return true;
    }
    const download = /^\/file\/bot[^/]+\/(.+)$/.exec(pathname);
    if (!download) return false;
    this.requests.push(`download ${download[1]}`);
    const file = [...this.byId.values()].find((f) => f.path === download[1]);
    if (!file) json(404, { ok: false, error_code: 404, description: 'Not Found' });
    else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length }).end(file.data);
    return true;
  }
}
