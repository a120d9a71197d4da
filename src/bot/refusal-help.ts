/**
 * What a refusal offers instead of an answer: the report headings nearest to the question (what the
 * reports do cover around it) and, for an English question, the Chinese words its words stand for in
 * the reports (shortcomings → 不足, petitions → 信访), so that the next try can use them.
 */
import path from 'node:path';
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { FILES, readJson } from '../index/store.js';
import { bridgeEnglish, EMPTY_BRIDGE, type EnglishBridge, isEnglish, stem } from '../language/english.js';
import type { Searcher } from '../search/searcher.js';
import { MAX_COMPARED_REPORTS } from './conversation.js';

export interface RefusalHelp {
  /** The nearest heading of each report (few reports only): 柏山镇 2023 → （二）深入开展法治宣传教育… */
  headings: { report: string; heading: string }[];
  /** English question words and the reports' Chinese words for them. */
  words: { english: string; chinese: string[] }[];
}

/**
 * Words of these reports that the dictionary's glosses miss (CC-CEDICT glosses 不足 as "insufficient",
 * 信访 as "letters and calls"): what English askers say for them, by stem.
 */
const REPORT_WORDS: Record<string, string[]> = {
  [stem('shortcomings')]: ['不足', '问题'],
  [stem('weaknesses')]: ['不足'],
  [stem('problems')]: ['问题'],
  [stem('petitions')]: ['信访'],
  [stem('complaints')]: ['信访'],
  [stem('mediation')]: ['调解'],
  [stem('disputes')]: ['纠纷'],
  [stem('lawyers')]: ['法律顾问'],
  [stem('enforcement')]: ['执法'],
  [stem('training')]: ['培训'],
};
/** Chinese words shown per English word. */
const WORDS_PER_TERM = 3;

export class RefusalHelper {
  private generation = '';
  private bridge: EnglishBridge = EMPTY_BRIDGE;

  constructor(private readonly indexDir: string) {}

  async help(searcher: Searcher, question: string): Promise<RefusalHelp> {
    return { headings: await nearestHeadings(searcher, question), words: isEnglish(question) ? this.words(question, searcher.info().generation) : [] };
  }

  private words(question: string, generation: string): RefusalHelp['words'] {
    if (generation !== this.generation) {
      this.generation = generation;
      try {
        this.bridge = readJson<{ bridge?: EnglishBridge }>(path.join(this.indexDir, generation, FILES.terms)).bridge ?? EMPTY_BRIDGE;
      } catch {
        this.bridge = EMPTY_BRIDGE;
      }
    }
    return bridgeEnglish(question, this.bridge)
      .map(({ english, chinese }) => ({ english, chinese: [...new Set([...(REPORT_WORDS[stem(english)] ?? []), ...chinese.map(([w]) => w)])].slice(0, WORDS_PER_TERM) }))
      .filter((w) => w.chinese.length > 0);
  }
}

/**
 * The heading of each report's passage nearest to the question, asked of that report by name (a
 * question naming its report is never refused). Only for a few reports: with hundreds, a heading per
 * report says nothing.
 */
async function nearestHeadings(searcher: Searcher, question: string): Promise<RefusalHelp['headings']> {
  const sources = searcher.sources();
  if (sources.length > MAX_COMPARED_REPORTS) return [];
  const out: RefusalHelp['headings'] = [];
  for (const s of sources) {
    const report = reportLabel(reportMeta(s.source, s.title), s.title);
    const best = (await searcher.search(`${report} ${question}`, { k: 5 })).results.find((r) => r.sectionPath.length > 0);
    const heading = best?.sectionPath[best.sectionPath.length - 1];
    if (heading) out.push({ report, heading });
  }
  return out;
}
