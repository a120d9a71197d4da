/**
 * A small leveled logger for the bot, writing one line per event to stderr, and the redaction that all
 * of the bot's output goes through (the log, and the one line `npm start` prints when it cannot start or
 * crashes): the bot token and webhook secret never reach it, in any form an error may quote them in —
 * as given (with stray spaces or a newline), trimmed, URL-encoded (":" as %3A), or the token's secret
 * half alone. Control characters in a line are shown escaped, so that nothing quoted can forge a line.
 */
import { printable } from '../corpus/display.js';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, err?: unknown): void;
  info(msg: string, err?: unknown): void;
  warn(msg: string, err?: unknown): void;
  error(msg: string, err?: unknown): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One-line description of an error; the stack only at debug level. */
export function describeError(err: unknown, withStack = false): string {
  if (err instanceof Error) {
    const text = `${err.name}: ${err.message}`;
    return withStack && err.stack ? `${text}\n${err.stack}` : text;
  }
  return String(err);
}

/** Shorter strings are not treated as secrets (hiding them would garble every line). */
const MIN_SECRET_CHARS = 4;

/** Every form in which a secret may be quoted back: as given, trimmed, URL-encoded, and a bot token's secret half. */
function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  for (const s of [secret, secret.trim()]) {
    forms.add(s);
    forms.add(encodeURIComponent(s));
    const half = /^\d+:(.+)$/.exec(s)?.[1];
    if (half && half.length >= 8) forms.add(half);
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_CHARS);
}

/** A function that replaces every form of these secrets with ***. */
export function makeRedactor(secrets: (string | undefined)[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((s) => (s ? secretForms(s) : [])))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  // Case-insensitive: percent-encoding may be written %3a as well as %3A.
  const pattern = new RegExp(forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
  return (text) => text.replace(pattern, '***');
}

/** The secrets as the environment gives them (before any trimming): for output made before the configuration is read. */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.BOT_TOKEN, env.WEBHOOK_SECRET].filter((s): s is string => !!s);
}

export function createLogger(
  level: LogLevel,
  secrets: string[],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const redact = makeRedactor([...secrets, ...envSecrets()]);
  const at = (lvl: LogLevel) => (msg: string, err?: unknown) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const detail = err === undefined ? '' : ` (${printable(describeError(err))})`;
    // At debug level the stack follows on lines of its own.
    const stack = level === 'debug' && err instanceof Error && err.stack ? `\n${err.stack}` : '';
    write(redact(`${new Date().toISOString()} ${lvl.toUpperCase()} ${printable(msg)}${detail}${stack}`));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests, the terminal chat). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
