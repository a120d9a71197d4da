/**
 * The report headers (own title, issuer, date) recorded in an index generation's manifest, attached
 * to the results of an answer for citations. Read once per generation, so a bot that follows
 * re-ingests (live.ts) cites from the generation that answered.
 */
import path from 'node:path';
import type { ReportHeader } from '../corpus/report-header.js';
import { FILES, type Manifest, readJson } from './store.js';

export class ReportHeaders {
  private generation = '';
  private bySource = new Map<string, ReportHeader>();

  constructor(private readonly indexDir: string) {}

  /**
   * The answer with `report` set on each result whose report has a header; unchanged when none can be
   * read. Any answer shape with results by source (search's Answer) will do: the index knows no answers.
   */
  cite<A extends { results: { source: string; report?: ReportHeader }[] }>(answer: A, generation: string): A {
    if (answer.results.length === 0) return answer;
    if (generation !== this.generation) {
      this.generation = generation;
      this.bySource = new Map();
      try {
        const manifest = readJson<Manifest>(path.join(this.indexDir, generation, FILES.manifest));
        for (const f of manifest.files) if (f.header) this.bySource.set(f.source, f.header);
      } catch {
        // An index without headers (or a generation already removed): citations use the file name.
      }
    }
    return { ...answer, results: answer.results.map((r) => (this.bySource.has(r.source) ? { ...r, report: this.bySource.get(r.source) } : r)) };
  }
}
