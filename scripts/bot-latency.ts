/**
 * Reply latency of the bot, measured end to end through a local Bot API emulator on 127.0.0.1:
 * from the moment a user's message reaches the emulator to the moment the bot's answer is stored
 * there (polling, search, formatting, sendMessage). Also button presses (edit) and, for
 * comparison, the search alone.
 *
 *   npx tsx scripts/bot-latency.ts [--questions 60] [--presses 30]
 *
 * Uses the configured model and index (built first when missing, as `npm start` does). For the
 * offline stand-in model: EMBED_MODEL=local/zh-char-bigram-hash-256 ALLOW_REMOTE_MODELS=false.
 */
import { parseArgs } from 'node:util';
import { createBot } from '../src/bot/bot.js';
import { ensureIndex } from '../src/bot/ensure-index.js';
import { stringsFor } from '../src/bot/i18n.js';
import { silentLogger } from '../src/bot/log.js';
import { startBot } from '../src/bot/run.js';
import { loadConfig, loadDotenv } from '../src/config.js';
import { openSearcher } from '../src/search/searcher.js';
import { buttonData, emulateLongPolling, startEmulator, TestUser } from '../test/support/emulator.js';

loadDotenv();

const QUESTIONS = [
  '柏山镇组织了多少次普法宣传？',
  '史村镇为多少个行政村配齐了法律明白人？',
  '柏山镇召开了几次防范电信诈骗专项会议？',
  '柏山鎮組織了多少次普法宣傳？',
  'How many special meetings on telecom fraud did Baishan hold?',
  '史村镇如何推进科学决策？',
  '柏山镇法治政府建设存在哪些不足？',
  '今年的高考分数线是多少？',
];

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `n=${sorted.length}  p50=${at(0.5).toFixed(1)} ms  p95=${at(0.95).toFixed(1)} ms  max=${sorted.at(-1)!.toFixed(1)} ms  mean=${mean.toFixed(1)} ms`;
}

async function main() {
  const { values } = parseArgs({ options: { questions: { type: 'string', default: '60' }, presses: { type: 'string', default: '30' } } });
  const nQuestions = Number(values.questions);
  const nPresses = Number(values.presses);

  const emu = await startEmulator();
  const token = '100099:latency-token';
  const base = loadConfig();
  // The real bot, pointed at the emulator; the rate limit is lifted so that it does not shape the figures.
  const config = loadConfig({ bot: { ...base.bot, token, apiRoot: emu.apiRoot, webhookUrl: '', allowedIds: [], rateLimit: 10000 } });
  await ensureIndex(config);
  const searcher = await openSearcher(config);
  const bot = createBot(config, searcher, { log: silentLogger });
  // The emulator has no long polling: a 2 ms pause after an empty poll stands in for it
  // (real long polling returns as soon as an update arrives), so it adds ~1 ms on average.
  bot.api.config.use(emulateLongPolling(2));
  const running = await startBot(bot, config, { log: silentLogger });

  try {
    // Warm-up: first search loads lazily-built structures.
    const warm = new TestUser(emu, token, { userId: 1, languageCode: 'zh' });
    await warm.say(QUESTIONS[0]!);
    const sample = await warm.reply();

    const replyMs: number[] = [];
    for (let i = 0; i < nQuestions; i++) {
      const user = new TestUser(emu, token, { userId: 1000 + i, languageCode: i % 2 ? 'en' : 'zh' });
      const t0 = performance.now();
      await user.say(QUESTIONS[i % QUESTIONS.length]!);
      await user.reply(30_000);
      replyMs.push(performance.now() - t0);
    }

    const pressMs: number[] = [];
    const zh = stringsFor('zh');
    const presser = new TestUser(emu, token, { userId: 2, languageCode: 'zh' });
    await presser.say(QUESTIONS[0]!);
    let shown = await presser.reply();
    for (let i = 0; i < nPresses; i++) {
      const label = shown.reply_markup?.inline_keyboard[0]?.some((b) => b.text === zh.next) ? zh.next : zh.prev;
      const t0 = performance.now();
      await presser.press(shown.messageId, buttonData(shown, label));
      shown = await presser.edited(shown.messageId, shown.text, 30_000);
      pressMs.push(performance.now() - t0);
    }

    const searchMs: number[] = [];
    for (let i = 0; i < nQuestions; i++) {
      const t0 = performance.now();
      await searcher.search(QUESTIONS[i % QUESTIONS.length]!, { k: config.bot.resultsPerAnswer });
      searchMs.push(performance.now() - t0);
    }

    console.log(`model ${searcher.info().model}, ${searcher.info().passages} passages; emulator ${emu.apiRoot}`);
    console.log(`question → answer (through the emulator): ${stats(replyMs)}`);
    console.log(`button → edited message:                  ${stats(pressMs)}`);
    console.log(`search alone:                             ${stats(searchMs)}`);
    console.log(`\nSample reply (${sample.text.length} characters, parse_mode ${sample.parse_mode}):\n${sample.text}`);
    console.log(`buttons: ${JSON.stringify(sample.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text)))}`);
  } finally {
    await running.stop();
    await emu.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
