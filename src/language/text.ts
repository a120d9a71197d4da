/**
 * The lexical view of text, shared by the index and the questions (swappable like MiniSearch's tokenizer):
 * - normalize: traditional → simplified Chinese, full-width ASCII → ASCII, lower case;
 * - tokenize: jieba words (search mode, @node-rs/jieba: the same cuts as jieba-wasm, measured on all of
 *   corpus-large, in native memory that does not grow with the text cut — wasm memory never shrinks) plus
 *   Chinese character bigrams, plus Latin words and numbers.
 *   Bigrams make matching independent of how jieba happens to cut a name (柏山镇 vs 柏 / 山镇).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import * as OpenCC from 'opencc-js';

let toSimplified: ((s: string) => string) | null = null;
let jieba: Jieba | null = null;

/** Characters of Chinese text (CJK ideographs) — bigrams are made of runs of these. */
export const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const HAN_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
const WORDLIKE = /[\p{L}\p{N}]/u;

/**
 * Function words and question words: never a reason to match a passage.
 * Kept small on purpose: IDF already discounts what is merely common.
 */
export const STOP_WORDS = new Set(
  (
    '的 了 是 在 和 与 及 或 等 对 把 被 将 就 也 都 而 并 其 之 以 于 为 由 从 向 到 给 让 这 那 有 个 些 吗 呢 吧 啊 ' +
    '多少 哪些 哪个 哪里 什么 怎样 怎么 如何 是否 为何 为什么 几 多 分别 有何 何 谁 哪 请问 请 一下 告诉 我 你 我们 你们 他们 ' +
    '一个 这个 那个 这些 那些 方面 情况 有关 相关 进行 开展 工作 ' +
    // how people type on a phone: colloquial question words, particles, filler verbs, chat noise
    '啥 咋 咋样 咋办 咋弄 为啥 干啥 啥样 什么样 怎么样 怎么办 有没有 有无 是不是 会不会 能不能 要不要 没 没有 不 么 呀 嘛 哦 哈 呗 咯 ' +
    '还 又 跟 一起 自己 大家 他 她 它 咱 咱们 俺 这样 那样 这么 那么 搞 弄 整 干 点 一点 一些 过 着 能 会 要 想 该 ' +
    '几个 几次 几项 几家 几名 几位 几种 几类 几回 几场 几件 几处 几条 多少个 多少次 多少人 ' +
    '谢谢 你好 您好 麻烦 帮 帮我 查 查查 查一下 知道 想知道 问 问问 问一下 说 说说 讲 讲讲 介绍 了解 提到 提及 里 里面 中 报告'
  ).split(' '),
);

/**
 * Relative time: never required for an answer. Past and present (去年, 今年) are the report's own
 * years; the future (明年, 下一步) is where reports put their plans, so it becomes a light hint
 * towards those sections (FUTURE_FORMS) instead.
 */
export const PAST_OR_PRESENT = new Set('去年 今年 前年 往年 历年 近年 近几年 最近 目前 现在 当前 如今 这一年 本年 上一年'.split(' '));
export const FUTURE = new Set('明年 后年 下一步 下步 以后 今后 将来 未来 下一年 来年 打算 计划 规划 准备'.split(' '));
export const FUTURE_FORMS = ['下一步', '下步', '明年', '今后', '工作安排', '工作计划', '工作思路', '工作打算', '打算', '计划', '安排', '思路'];

/** English words that carry no topic. */
export const ENGLISH_STOP_WORDS = new Set(
  (
    'a an the of in on at to for from by with about as into over under and or but not no is are was were be been being ' +
    'do does did done have has had can could will would shall should may might must what which who whom whose when where why how ' +
    'many much there here this that these those it its they them their he she his her i me my we our you your ' +
    'please tell show give find any some all each every more most other such than then so very just also only get got ' +
    'did does according report reports say said'
  ).split(' '),
);

/** Traditional → simplified, full-width ASCII → ASCII, lower case. Keeps the length of the text unchanged. */
export function normalize(text: string): string {
  const convert = (toSimplified ??= OpenCC.Converter({ from: 'tw', to: 'cn' }));
  let base = convert(text);
  // OpenCC converts phrase by phrase; if a phrase changed length, convert character by character so offsets hold.
  if (base.length !== text.length) {
    base = text.replace(/[^\x00-\x7f]/g, (c) => {
      const s = convert(c);
      return s.length === 1 ? s : c;
    });
  }
  return base.replace(/[\uff01-\uff5e]/g, (c: string) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).toLowerCase();
}

/** Character bigrams of each run of Chinese characters (a lone character stands as itself). */
export function bigrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(HAN_RUN) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.push(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** Words of normalized text (jieba, HMM on), without punctuation and spaces. */
export function words(text: string, forSearch = false): string[] {
  // The package's dict.js would keep its dictionary and IDF files in memory (11 MB) for good: read once here.
  jieba ??= Jieba.withDict(fs.readFileSync(createRequire(import.meta.url).resolve('@node-rs/jieba/dict.txt')));
  const raw = forSearch ? jieba.cutForSearch(text, true) : jieba.cut(text, true);
  return raw.filter((w) => WORDLIKE.test(w)).map((w) => w.trim()).filter(Boolean);
}

/**
 * Index tokens of normalized text: search-mode words of two or more characters (or Latin/number tokens)
 * and Chinese bigrams. Single Chinese characters are covered by the bigrams.
 */
export function indexTokens(text: string): string[] {
  const tokens = words(text, true).filter((w) => !STOP_WORDS.has(w) && !(w.length === 1 && HAN.test(w)));
  for (const b of bigrams(text)) tokens.push(b);
  return tokens;
}
