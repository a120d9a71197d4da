/**
 * A small leveled logger for the bot, writing one line per event to stderr.
 * Every line goes through redaction: the bot token (and webhook secret) never reach the log,
 * even inside an error message or stack that happens to contain a request URL.
 */
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

export function createLogger(
  level: LogLevel,
  secrets: string[],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const hidden = secrets.filter((s) => s.length >= 4);
  const redact = (text: string) => hidden.reduce((t, secret) => t.split(secret).join('***'), text);
  const at = (lvl: LogLevel) => (msg: string, err?: unknown) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const detail = err === undefined ? '' : ` (${describeError(err, level === 'debug')})`;
    write(redact(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${detail}`));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A logger that drops everything (tests, the terminal chat). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
