/**
 * Sends a rich message (Bot API 10.1) where the server takes it, and today's HTML message where it does not.
 * Any refusal by the Bot API (a GrammyError: 400 for a message it finds malformed, 404 from a server that
 * predates the method, …) sends the HTML message instead, so nothing is lost. A 404 — or an answer with no
 * error code, which no Bot API server gives for a method it knows — is remembered for the rest of the
 * process: later answers go straight to HTML instead of paying a failed call each.
 * Network failures are not refusals: they are thrown as before (the HTML message would fail the same way).
 * A rich message that cannot be built (a bug) is logged and the HTML message sent.
 */
import { GrammyError, HttpError } from 'grammy';
import type { Logger } from './log.js';

export class RichMessages {
  private serverLacksThem = false;

  constructor(
    private readonly setting: 'auto' | 'off',
    private readonly log: Logger,
  ) {}

  /** True while rich messages are worth trying: the setting allows them and the server has not said it lacks them. */
  get enabled(): boolean {
    return this.setting === 'auto' && !this.serverLacksThem;
  }

  /** Sends with `rich` when enabled, else (or when the Bot API refuses it) with `html`; says which went out. */
  async send(rich: () => Promise<unknown>, html: () => Promise<unknown>): Promise<{ rich: boolean }> {
    if (!this.enabled) {
      await html();
      return { rich: false };
    }
    try {
      await rich();
      return { rich: true };
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (!(err instanceof GrammyError)) {
        this.log.error('could not build a rich message; sent as HTML instead', err);
      } else if (err.error_code === 404 || typeof err.error_code !== 'number') {
        // 404, or an answer that is not a Bot API error at all (no error_code): a server that does not know the method.
        this.serverLacksThem = true;
        this.log.warn(`the Bot API server has no ${err.method} (404): answers go as HTML messages until restart`);
      } else this.log.warn(`rich message refused (${err.error_code}: ${err.description}); sent as HTML instead`);
      await html();
      return { rich: false };
    }
  }
}
