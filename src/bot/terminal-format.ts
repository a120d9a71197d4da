/**
 * The terminal's markup: plain text, answering clauses in ANSI bold when the output is a terminal,
 * quotes indented behind a bar. The message text itself is laid out by format.ts, as for Telegram.
 */
import type { Markup } from './format.js';

export function plainMarkup(ansi = false): Markup {
  return {
    esc: (t) => t,
    bold: (m) => (ansi ? `\x1b[1m${m}\x1b[22m` : m),
    italic: (m) => m,
    code: (m) => m,
    quote: (m) => m.split('\n').map((line) => `  │ ${line}`).join('\n'),
  };
}
