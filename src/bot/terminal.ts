/**
 * The terminal chat: `npm start` without a bot token. Same answers and formatter as the bot,
 * rendered as plain text; `/add PATH` and `/remove REPORT` add and remove reports as admins do in chat.
 * Works with a TTY (prompt, banner, bold in ANSI) and without one
 * (stdin piped: each line is a question, answered in order; ends at EOF).
 * It speaks the language of LC_ALL / LC_MESSAGES / LANG (zh… → Chinese, else English) until `/lang zh|en`;
 * technical detail (why a file could not be read, failures) goes to the log, never into the chat.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Config } from '../config.js';
import { addReport, removeReport, ReportError } from '../index/reports.js';
import { ReportHeaders } from '../index/report-headers.js';
import { PageError, PageRenderer } from '../render/page.js';
import type { Searcher } from '../search/searcher.js';
import type { Answer } from '../search/types.js';
import { ChatMemory, compareReports, directoryOf, interpret } from './conversation.js';
import { answerPage, copyCitation, relevantOnly, renderContext, renderComparison, renderGreeting, renderNoAnswer, renderResult, renderSources, type ViewMode } from './format.js';
import { plainMarkup } from './terminal-format.js';
import { progressBar } from './progress.js';
import { envLang, type Lang, stringsFor } from './i18n.js';
import { RefusalHelper } from './refusal-help.js';
import { createLogger, type Logger } from './log.js';
import { describeAdded, describeRemoved, refreshIfLive, uploadStrings } from './upload.js';

export interface TerminalOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** UI language; by default from LC_ALL / LC_MESSAGES / LANG. */
  lang?: Lang;
  /** Where technical detail goes (default: warnings and errors on stderr). */
  log?: Logger;
}

/** Commands the terminal knows; any other /word is answered with "unknown command", not searched. */
const COMMANDS = new Set(['add', 'remove', 'quit', 'exit', 'help', 'start', 'sources', 'next', 'prev', 'full', 'cite', 'in', 'ask', 'lang', 'page']);

/** Where /page writes its pictures. */
export const PAGES_DIR = path.join(os.tmpdir(), 'report-quote-bot-pages');

export async function runTerminal(searcher: Searcher, config: Config, opts: TerminalOptions = {}): Promise<void> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const interactive = Boolean(input.isTTY && output.isTTY);
  const log = opts.log ?? createLogger('warn', []);
  let lang = opts.lang ?? envLang();
  let s = stringsFor(lang);
  let us = uploadStrings(lang);
  const m = plainMarkup(interactive && !process.env.NO_COLOR);
  const say = (text: string) => output.write(`${text}\n\n`);

  let current: { answer: Answer; index: number; mode: ViewMode } | undefined;
  // One chat: the last question is kept for follow-ups ("那史村镇呢？", "more").
  const memory = new ChatMemory(config.bot.conversationTtlMs, 1);
  const headers = new ReportHeaders(config.indexDir);
  const refusals = new RefusalHelper(config.indexDir);
  const pages = new PageRenderer();
  const show = () => {
    if (!current) return say(s.terminalNoPrevious);
    const { answer, index, mode } = current;
    const footer = s.terminalFooter(index + 1, answer.results.length, mode === 'full');
    say(renderResult(answer, index, { s, markup: m, mode, maxLength: Infinity, footer }));
  };

  /** /add PATH or /remove REPORT: the corpus changes and the index follows, as with chat uploads. */
  const changeCorpus = async (what: 'add' | 'remove', arg: string) => {
    try {
      if (what === 'remove') {
        if (!arg) return say(us.removeWhat);
        say(describeRemoved(await removeReport(config, arg, { log: (msg) => log.info(msg) }), lang));
      } else {
        if (!arg) return say(s.addWhat);
        let data: Buffer;
        try {
          data = fs.readFileSync(arg);
        } catch (err) {
          log.info(`/add ${arg}: cannot read`, err);
          return say(us.rejected(arg, s.refusalReason('unreadable', [])));
        }
        // A large file takes a while to embed: a bar on a terminal, nothing in a piped transcript.
        const bar = interactive ? progressBar(output, { lang }) : undefined;
        try {
          say(describeAdded(await addReport(config, path.basename(arg), data, { log: (msg) => log.info(msg), onProgress: bar?.update }), lang));
        } finally {
          bar?.done();
        }
      }
      await refreshIfLive(searcher);
    } catch (err) {
      if (!(err instanceof ReportError)) {
        log.error(`/${what} ${arg} failed`, err);
        return say(us.failed);
      }
      log.info(`/${what} ${arg} refused: ${err.message}`);
      const reason = s.refusalReason(err.code, err.names);
      say(what === 'add' ? us.rejected(arg, reason) : us.cannotRemove(reason));
    }
  };

  /** One line of input: a command or a question. Returns false to quit. */
  const handle = async (line: string): Promise<boolean> => {
    const text = line.trim();
    if (!text) return true;
    if (!interactive) output.write(`› ${text}\n`); // piped: make the output read as a transcript
    const command = /^\/([a-z_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/i.exec(text);
    const name = command?.[1]!.toLowerCase();
    const arg = command?.[2]?.trim() ?? '';
    if (name && !COMMANDS.has(name)) {
      say(s.unknownCommand);
      return true;
    }
    if (name === 'add' || name === 'remove') {
      await changeCorpus(name, arg);
      return true;
    }
    if (name === 'lang') {
      if (arg === 'zh' || arg === 'en') {
        lang = arg;
        s = stringsFor(lang);
        us = uploadStrings(lang);
      }
      say(arg === lang ? s.langSet : s.langUsage);
      return true;
    }
    switch (text.toLowerCase()) {
      case '/quit':
      case '/exit':
        return false;
      case '/help':
      case '/start':
        say(`${renderGreeting('', s, m, searcher.sources())}\n\n${s.terminalHelp}\n${us.terminalHelp}`);
        return true;
      case '/sources':
        say(renderSources(searcher.sources(), s, m, Infinity));
        return true;
      case '/next':
      case '/prev':
        if (current) current.index = Math.max(0, Math.min(current.answer.results.length - 1, current.index + (text === '/next' ? 1 : -1)));
        show();
        return true;
      case '/full':
        if (current) current.mode = current.mode === 'full' ? 'quote' : 'full';
        show();
        return true;
      case '/page': {
        const r = current?.answer.results[current.index];
        if (!current || !r) return (say(s.terminalNoPrevious), true);
        const page = answerPage(current.answer.q, r);
        if (page === undefined) return (say(renderContext(r, s, m, Infinity)), true);
        try {
          const shot = await pages.show(r, searcher.info().generation, page);
          fs.mkdirSync(PAGES_DIR, { recursive: true });
          const file = path.join(PAGES_DIR, `${path.basename(r.source, path.extname(r.source))}-p${shot.page}-${r.start}.png`);
          fs.writeFileSync(file, shot.png);
          say(s.pageSaved(shot.page, file));
        } catch (err) {
          if (!(err instanceof PageError)) throw err;
          say(s.pageUnavailable(err.message));
        }
        return true;
      }
      case '/cite': {
        const r = current?.answer.results[current.index];
        say(current && r ? copyCitation(r, current.answer.q, s) : s.terminalNoPrevious);
        return true;
      }
    }
    let question = name === 'ask' ? arg : text;
    if (name === 'ask' && !arg) {
      say(s.askWhat);
      return true;
    }
    if (name === 'in') {
      // /in PLACE [YEAR] QUESTION, as in the bot: the place (and year) go first in the question.
      const [, where = '', ...rest] = text.split(/\s+/);
      const year = /^(?:19|20)\d\d$/.test(rest[0] ?? '') ? rest.shift()! : '';
      if (!where || rest.length === 0) { say(s.inWhat); return true; }
      if (searcher.reportsNamed(`${where} ${year}`).length === 0) { say(s.noSuchReport(`${where} ${year}`.trim())); return true; }
      question = `${where} ${year} ${rest.join(' ')}`.replace(/\s+/g, ' ');
    }
    try {
      const intent = interpret(question, memory.get('terminal'), directoryOf(searcher).directory);
      const comparison = intent.kind === 'compare' ? await compareReports(searcher, intent.question) : undefined;
      if (comparison) {
        memory.remember('terminal', intent.question);
        say(renderComparison(comparison, s, m, Infinity));
        return true;
      }
      const found = await searcher.search(intent.question, { k: config.bot.resultsPerAnswer });
      const answer = relevantOnly(headers.cite(found, searcher.info().generation));
      memory.remember('terminal', intent.question, answer);
      if (answer.abstained || answer.results.length === 0) {
        current = undefined;
        say(renderNoAnswer(answer, s, m, await refusals.help(searcher, answer.q)));
      } else {
        current = { answer, index: 0, mode: intent.kind === 'ask' && intent.full ? 'full' : 'quote' };
        show();
      }
    } catch (err) {
      log.error('search failed', err);
      say(s.searchFailed);
    }
    return true;
  };

  const rl = readline.createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  rl.on('SIGINT', () => rl.close());
  if (interactive) {
    say(`${s.terminalBanner}\n\n${renderGreeting('', s, m, searcher.sources())}`);
    rl.setPrompt('› ');
    rl.prompt();
  }
  // Lines are handled one after another, in order, even when piped in faster than answered.
  for await (const line of rl) {
    if (!(await handle(line))) break;
    if (interactive) rl.prompt();
  }
  rl.close();
}
