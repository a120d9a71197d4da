/**
 * A generation's manifest and passage store held in memory, as an IndexReader answers from them:
 * shared by the readers that hold them (local-reader.ts reads them from the generation folder,
 * opensearch/reader.ts from the cluster's meta documents).
 */
import type { IndexInfo, PassageRecord, ReportInfo, ReportText } from './reader.js';
import type { Manifest, PassageStore } from './store.js';

export class HeldGeneration {
  readonly info: IndexInfo;
  readonly reports: ReportInfo[];

  constructor(
    manifest: Manifest,
    private readonly store: PassageStore,
  ) {
    this.info = { generation: manifest.generation, builtAt: manifest.builtAt, model: { id: manifest.model.id, dim: manifest.model.dim }, passageCount: manifest.passageCount };
    this.reports = manifest.files.map((f) => ({
      corpusDir: f.corpusDir,
      source: f.source,
      title: f.title,
      ...(f.header ? { header: f.header } : {}),
      firstPassage: f.firstPassage,
      passages: f.passages,
      ...(f.pages !== undefined ? { pages: f.pages } : {}),
    }));
  }

  reportText(report: number): ReportText {
    const doc = this.store.docs[report]!;
    return doc.pageStarts ? { text: doc.text, pageStarts: doc.pageStarts } : { text: doc.text };
  }

  passages(ids: readonly number[]): PassageRecord[] {
    return ids.map((id) => {
      const p = this.store.passages[id]!;
      return { id, report: p.doc, start: p.start, end: p.end, text: this.store.docs[p.doc]!.text.slice(p.start, p.end), section: p.section, sentences: p.sentences };
    });
  }

  /** Report index of a passage. */
  reportOf(id: number): number {
    return this.store.passages[id]!.doc;
  }
}
