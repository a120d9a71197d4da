/**
 * Telegram HTML: the markup Telegram's parse_mode "HTML" reads, its limits, and the buttons under an
 * answer (callback data, the inline keyboard). The message text itself is laid out by format.ts.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { hasMoreContext, type ViewMode } from '../search/answer-model.js';
import type { Answer } from '../search/types.js';
import { copyCitation, type Markup, TELEGRAM_TEXT_LIMIT } from './format.js';
import type { Strings } from './i18n.js';

export { TELEGRAM_TEXT_LIMIT };
/** Telegram's limit on callback_data, in bytes. */
export const CALLBACK_DATA_LIMIT = 64;

export const html: Markup = {
  esc: (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  bold: (m) => `<b>${m}</b>`,
  italic: (m) => `<i>${m}</i>`,
  code: (m) => `<code>${m}</code>`,
  quote: (m, expandable) => `<blockquote${expandable ? ' expandable' : ''}>${m}</blockquote>`,
};

// ---------------------------------------------------------------------------------------------
// Buttons. Callback data is "<action>:<answer key>:<result index>", e.g. "q:Ab3_x9:2" (≤ 20 bytes).

/** q: show result (short quote), f: show result (full passage), s: all from this report, n: no-op label, p: show the page. */
export type ButtonAction = 'q' | 'f' | 's' | 'n' | 'p';

export interface ButtonData {
  action: ButtonAction;
  key: string;
  index: number;
}

const KEY_RE = /^[A-Za-z0-9_-]{1,16}$/;
const DATA_RE = /^([qfsnp]):([A-Za-z0-9_-]{1,16}):(\d{1,2})$/;

export function encodeButton(d: ButtonData): string {
  if (!KEY_RE.test(d.key) || !Number.isInteger(d.index) || d.index < 0 || d.index > 99) throw new RangeError(`bad button data ${JSON.stringify(d)}`);
  const data = `${d.action}:${d.key}:${d.index}`;
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_LIMIT) throw new RangeError('callback data over 64 bytes');
  return data;
}

/** Parses callback data; undefined for anything that is not exactly what encodeButton makes. */
export function decodeButton(data: unknown): ButtonData | undefined {
  if (typeof data !== 'string' || data.length > CALLBACK_DATA_LIMIT) return undefined;
  const m = DATA_RE.exec(data);
  if (!m) return undefined;
  return { action: m[1] as ButtonAction, key: m[2]!, index: Number(m[3]) };
}

export interface KeyboardOptions {
  /** Offer "all from this report" (not when the answer is already limited to one report). */
  sameReport: boolean;
  /** Offer a button that copies the citation (quote, issuer, title, date, section). */
  copy?: boolean;
  /** Offer "原文 / Show page": the page picture for a PDF, the passage in context otherwise. */
  showPage?: boolean;
}

/** Buttons under result `index`: ‹ prev · i/n · next ›, then full passage / short quote and same report. */
export function answerKeyboard(
  answer: Answer,
  key: string,
  index: number,
  mode: ViewMode,
  s: Strings,
  opts: KeyboardOptions,
): InlineKeyboardMarkup | undefined {
  const total = answer.results.length;
  const r = answer.results[index];
  if (!r) return undefined;
  const button = (text: string, action: ButtonAction, i: number): InlineKeyboardButton.CallbackButton => ({
    text,
    callback_data: encodeButton({ action, key, index: i }),
  });
  const view: ButtonAction = mode === 'full' ? 'f' : 'q';
  const rows: InlineKeyboardButton[][] = [];
  if (total > 1) {
    const paging: InlineKeyboardButton.CallbackButton[] = [];
    if (index > 0) paging.push(button(s.prev, view, index - 1));
    paging.push(button(s.position(index + 1, total), 'n', index));
    if (index < total - 1) paging.push(button(s.next, view, index + 1));
    rows.push(paging);
  }
  const more: InlineKeyboardButton[] = [];
  if (mode === 'full') more.push(button(s.shortQuote, 'q', index));
  else if (hasMoreContext(r)) more.push(button(s.fullPassage, 'f', index));
  if (opts.sameReport) more.push(button(s.sameReport, 's', index));
  if (opts.copy) more.push({ text: s.copyCitation, copy_text: { text: copyCitation(r, answer.q, s) } });
  if (opts.showPage) more.push(button(s.showPage, 'p', index));
  if (more.length) rows.push(more);
  return rows.length ? { inline_keyboard: rows } : undefined;
}
