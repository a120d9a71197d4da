/** What search hands to its callers (CLI, bot, eval): the stable shapes of an answer. */

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
  /** How sure the best result is, from 0 to 1 (what the abstain rule compares). */
  confidence: number;
}

export interface SearchOptions {
  /** Results wanted (default: config.search.topK). */
  k?: number;
  /** Only passages of this one report (its corpus folder and its path in it). */
  onlyReport?: ReportId;
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
