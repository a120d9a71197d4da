import type { ReportHeader } from '../corpus/report-header.js';
import type { RankerModel } from './sentence-ranker.js';

/** What search hands to its callers (CLI, bot, eval): the stable shapes of an answer. */

/** What an answer line holds (answer-span.ts decides it from the question). */
export type AnswerKind = 'number' | 'date' | 'who' | 'place' | 'reason' | 'list' | 'other';

export interface AnswerSpan {
  /** The answering clause, verbatim. */
  text: string;
  /** Offsets in the cleaned report (like Result.start/end). */
  start: number;
  end: number;
  /** The part to bold (figure, date, place), in cleaned-report offsets; equals the span when none. */
  focus: { start: number; end: number };
  kind: AnswerKind;
}

export interface Result {
  /** 1-based rank in this answer. */
  rank: number;
  /** Fused relevance score (higher is better; comparable within one answer only). */
  score: number;
  /** Path of the report relative to its corpus folder. */
  source: string;
  /** The corpus folder the report is in: with `source`, what identifies the report. */
  corpusDir: string;
  /** Title of the report. */
  title: string;
  /** Heading path, joined with " > " (empty when the passage is before any heading). */
  section: string;
  /** The same heading path as a list. */
  sectionPath: string[];
  /** The sentences of the passage that best answer, never a broken sentence. */
  quote: string;
  /** Offsets of the quote in the cleaned text of the report. */
  start: number;
  end: number;
  /** The answering sentences inside the quote (cleaned-text offsets), for bold. */
  highlights: { start: number; end: number }[];
  /** The whole passage the quote comes from, and its offsets in the cleaned text. */
  passage: string;
  passageStart: number;
  passageEnd: number;
  /** Passage id in the index (stable while the index is unchanged). */
  passageId: number;
  /** The page of the quote's first sentence, for reports with pages (PDF). */
  page?: number;
  /**
   * The answer line: the clause that answers, verbatim, from the sentence the second stage chose, with
   * the part the question asks for (figure, date, place) to bold. Decided here, only rendered by chats.
   */
  answer?: AnswerSpan;
  /** For reports with pages: where each page the passage is on starts in it (cleaned-text offsets), for the page of any sentence shown. */
  pages?: { start: number; page: number }[];
  /** The report's own title, issuer and date (set by ReportHeaders for citations; absent in older indexes). */
  report?: ReportHeader;
}

export interface Answer {
  /** The question as asked (after truncation of over-long input). */
  q: string;
  /** True when the reports do not answer: `results` is then empty. */
  abstained: boolean;
  results: Result[];
  /** Notes for the user, such as "question shortened to 500 characters". */
  notices: string[];
  /** Set when the question was cut to this many characters (for a notice in the user's language). */
  shortenedTo?: number;
  /** How sure the best result is, from 0 to 1 (the share of the question's content words it covers). */
  confidence: number;
  /**
   * The outcome: `high`, the quote answers; `low`, the closest passages on the question's subject,
   * shown with a caveat; `none`, not in the reports (abstained, or off the reports' subject).
   */
  level: 'high' | 'low' | 'none';
  /** What decided the level (see searcher.ts). */
  signals?: { coverage: number; dense: number; agree: boolean; right?: number };
  /** With SearchOptions.explain: the second stage's candidate sentences and their features (for fitting). */
  explain?: { candidates: { passageId: number; start: number; end: number; features: number[] }[]; winner?: number; caveat?: number[]; namesCounted?: boolean };
  /** An English question: its words and the reports' Chinese terms they were matched to, found in the first quote. */
  terms?: { asked: string; term: string }[];
  /** The reports the question named by place/year and that were searched (labels such as "深圳市罗湖区 2017"). */
  namedReports?: string[];
  /** The question named a place with a year that no report has (what there is for that place), or a place no report is about (`available` empty). */
  missingReport?: { place: string; year?: number; available: string[] };
}

export interface SearchOptions {
  /** Results wanted (default: config.search.topK). */
  k?: number;
  /** Only passages of this one report (its corpus folder and its path in it). */
  onlyReport?: ReportId;
  /** The second stage's model: default data/ranker.json; `null` for none (first-stage order). */
  ranker?: RankerModel | null;
  /** Return the second stage's candidates and features (Answer.explain). */
  explain?: boolean;
}

/** What identifies a report: two folders may hold files of the same name, and names may contain each other. */
export interface ReportId {
  corpusDir: string;
  source: string;
}

export interface SourceInfo {
  source: string;
  title: string;
  passages: number;
  corpusDir: string;
}
