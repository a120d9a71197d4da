/**
 * Reports a question names by place and year ("盐田区2019年…", "Yantian 2019", "寧夏2026年"): with
 * hundreds of reports of the same kind, the place and year say which one to search, and a place or
 * year with no report is said plainly instead of quoting another report.
 */
import { createRequire } from 'node:module';
import { type ReportMeta, reportLabel } from '../corpus/report-meta.js';

export interface NamedReports {
  /** The reports named (indexes into the index's docs); empty when the question names none. */
  docs: number[];
  /**
   * Set when the question names a place of the reports with a year none of its reports has, or a
   * place of China no report is about (杭州市2023年…: `year` when it names one, `available` empty).
   */
  missing?: { place: string; year?: number; available: string[] };
}

const YEARS = /(?:19|20)\d\d(?!\d)/g;
const ASCII_ALIAS = /^[a-z ]+$/;
const REPORT_WORD = /报告|report/;

/** A report's place named in a text: which alias, where (offsets in the normalized text), of which report and level. */
export interface PlaceMention {
  alias: string;
  start: number;
  end: number;
  /** The place's name (柏山镇) and its depth in its report's places (0: the widest). */
  place: string;
  depth: number;
}

export class ReportDirectory {
  /** Each alias of each place once (many reports share 深圳市). */
  private readonly aliases: { alias: string; place: string; depth: number; word?: RegExp }[];

  constructor(readonly metas: ReportMeta[]) {
    const seen = new Set<string>();
    this.aliases = metas.flatMap((m) =>
      m.places.flatMap((p, depth) =>
        p.aliases.flatMap((alias) => {
          if (alias.length < 2 || seen.has(`${alias}\t${p.name}`)) return [];
          seen.add(`${alias}\t${p.name}`);
          return [{ alias, place: p.name, depth, word: ASCII_ALIAS.test(alias) ? new RegExp(`\\b${alias}\\b`, 'g') : undefined }];
        }),
      ),
    );
  }

  /**
   * Where a text (normalized) names the places of reports: the longest alias at each position, none
   * overlapping, in text order. English aliases count as whole words only.
   */
  mentions(normalized: string): PlaceMention[] {
    const found: PlaceMention[] = [];
    for (const { alias, place, depth, word } of this.aliases) {
      const at = (start: number) => found.push({ alias, start, end: start + alias.length, place, depth });
      if (word) for (const m of normalized.matchAll(word)) at(m.index);
      else for (let i = normalized.indexOf(alias); i >= 0; i = normalized.indexOf(alias, i + 1)) at(i);
    }
    found.sort((a, b) => a.start - b.start || b.end - a.end || b.depth - a.depth);
    const kept: PlaceMention[] = [];
    // One name of two places (shanxi: 山西, 陕西) is a mention of each.
    for (const m of found) if (!kept.some((k) => m.start < k.end && k.start < m.end && !(m.start === k.start && m.end === k.end))) kept.push(m);
    return kept;
  }

  /**
   * The mentions of the narrowest places a text names: 深圳市南山区和福田区 → 南山区, 福田区 (深圳市 is
   * wider than a place named beside it).
   */
  narrowestMentions(normalized: string): PlaceMention[] {
    const mentions = this.mentions(normalized);
    const places = new Set(mentions.map((m) => m.place));
    const wider = (name: string) =>
      this.metas.some((m) => {
        const at = m.places.findIndex((p) => p.name === name);
        return at >= 0 && m.places.slice(at + 1).some((p) => places.has(p.name));
      });
    return mentions.filter((m) => !wider(m.place));
  }

  /**
   * The narrowest places a text names, each with the reports it names for it alone: the text with its
   * other places left out, resolved.
   */
  byPlace(normalized: string): { place: string; named: NamedReports }[] {
    const rest = blankOut(normalized, this.mentions(normalized));
    const places = [...new Set(this.narrowestMentions(normalized).map((m) => m.place))];
    return places.map((place) => ({ place, named: this.resolve(`${place.toLowerCase()} ${rest}`) }));
  }

  /**
   * `normalized`: the question after normalize() (simplified, lower case). A report is named when
   * its narrowest place is mentioned (深圳 names 深圳市's reports, not 深圳市南山区's), else when a
   * wider one is. A year in a question that speaks of a report ("2019年政府工作报告", "its 2018 report")
   * must be the report's; otherwise it may be the year of events, which the next year's report
   * reviews and the year before's plans: those reports count too when none has the year itself.
   */
  resolve(normalized: string): NamedReports {
    // 深圳市南山区 names 南山区's reports, not 深圳市's: 深圳市 is only the wider place of a place named.
    const narrowest = new Set(this.narrowestMentions(normalized).map((m) => m.place));
    const mentioned = new Set(this.mentions(normalized).map((m) => m.place));
    const scores = this.metas.map((m) => (narrowest.has(m.places.at(-1)?.name ?? '') ? 2 : m.places.some((p) => mentioned.has(p.name)) ? 1 : 0));
    let best = Math.max(0, ...scores);
    // "罗湖区2020年政府工作报告中，2019年…": the year that names the report is the report's; the other is of events.
    const reportYear = REPORT_YEAR.exec(normalized)?.[1] ?? REPORT_YEAR_EN.exec(normalized)?.[1];
    const years = reportYear ? [Number(reportYear)] : (normalized.match(YEARS) ?? []).map(Number);
    if (best === 0 && reportYear) {
      // "2016年政府工作报告…" with no place: in Chinese usage the government work report is the State Council's.
      const national = this.metas.flatMap((m, i) => (NATIONAL.test(m.places[0]?.name ?? '') && m.year === Number(reportYear) ? [i] : []));
      if (national.length) return { docs: national };
    }
    if (best === 0) {
      const elsewhere = placeWithoutReport(normalized);
      return elsewhere ? { docs: [], missing: { place: elsewhere, ...(years.length ? { year: years[0] } : {}), available: [] } } : { docs: [] };
    }
    const candidates = scores.flatMap((s, i) => (s === best ? [i] : []));
    if (years.length === 0) return { docs: candidates };
    const ofYear = (d: number) => candidates.filter((i) => years.some((y) => this.metas[i]!.year === y + d));
    const exact = ofYear(0);
    if (exact.length > 0) return { docs: exact };
    const near = REPORT_WORD.test(normalized) ? [] : [...ofYear(1), ...ofYear(-1)];
    if (near.length > 0) return { docs: near };
    const place = reportLabel({ places: this.metas[candidates[0]!]!.places }, '');
    const available = [...new Set(candidates.map((i) => reportLabel(this.metas[i]!, '')))].sort();
    return { docs: [], missing: { place, year: years[0]!, available } };
  }
}

/** A year that names a report: 2020年政府工作报告, 2020年报告, 2020年的深圳市政府工作报告. */
const REPORT_YEAR = /((?:19|20)\d\d)\s*年?\s*(?:的)?\s*[\u4e00-\u9fff]{0,8}?(?:政府工作报告|工作报告|报告)/;
const REPORT_YEAR_EN = /((?:19|20)\d\d)\s+(?:government\s+)?(?:work\s+)?report/;
/** The State Council, whose reports a question means when it names a year's 政府工作报告 and no place. */
const NATIONAL = /^国务院$/;

/** The text with each mention replaced by `filler` (spaces by default, which keep the offsets). */
export function blankOut(text: string, mentions: PlaceMention[], filler?: string): string {
  let out = text;
  for (const m of [...mentions].sort((a, b) => b.start - a.start)) out = out.slice(0, m.start) + (filler ?? ' '.repeat(m.end - m.start)) + out.slice(m.end);
  return out;
}

/** Levels a division's name ends with; names of zones (开发区, 园区 …) are not places people ask about. */
const DIVISION = /^[\u4e00-\u9fff]{2,}[省市区县州盟旗镇乡]$/;
const ZONE = /开发区|园区|管理区|示范区|工业区|试验区|产业|高新|经济|直辖/;
let divisions: { full: Set<string>; short: Map<string, string> } | undefined;

/**
 * China's provinces, cities, counties and some towns (china-area-data, GB/T 2260): 杭州市, and 杭州
 * for it. Names shorter than three characters (城区, 赵县) are left out: they are ordinary words too often.
 */
function chinaDivisions(): { full: Set<string>; short: Map<string, string> } {
  if (divisions) return divisions;
  const data = createRequire(import.meta.url)('china-area-data/data.json') as Record<string, Record<string, string>>;
  const full = new Set(Object.values(data).flatMap((level) => Object.values(level)).filter((n) => n.length >= 3 && DIVISION.test(n) && !ZONE.test(n)));
  const short = new Map<string, string>();
  for (const name of full) {
    const bare = name.replace(/(?:维吾尔|回族|壮族)?自治区$|[省市区县州盟旗镇乡]$/, '');
    if (bare.length >= 2 && !short.has(bare)) short.set(bare, name);
  }
  return (divisions = { full, short });
}

/** What may stand before a place that opens a question. */
const LEAD = /^(?:请问|那么?|在|关于)?$/;
/** What follows a place that a question is about: a year, its government or its report. */
const ISSUER_TAIL = /^\s*(?:的|人民政府|政府)?\s*(?:(?:19|20)\d\d(?!\d)|报告|政府工作报告|工作报告)/;
/** A town's name: 王庄镇; not 城镇, 乡镇, 城乡, 统筹城乡. */
const TOWN = /^[\u4e00-\u9fff]{1,3}[^城乡村镇][镇乡]$/;

/**
 * A place of China the question is clearly about while no report is (杭州市2023年…, 杭州2023年…,
 * 王庄镇2023年…): a division's full name that opens the question or is followed by a year or a report
 * word; its short name (杭州) followed by one; a town's name (…镇, …乡, not in the list) that opens the
 * question and is followed by one. Ordinary words ending like a place (城镇, 小区, 社区) are no division.
 */
export function placeWithoutReport(normalized: string): string | undefined {
  const { full, short } = chinaDivisions();
  for (const m of normalized.matchAll(/[\u4e00-\u9fff]+/g)) {
    const run = m[0];
    for (let start = 0; start < run.length - 1; start++) {
      const opens = m.index === 0 && LEAD.test(run.slice(0, start));
      for (let end = Math.min(run.length, start + 12); end >= start + 2; end--) {
        const name = run.slice(start, end);
        const issuer = ISSUER_TAIL.test(normalized.slice(m.index + end));
        if (full.has(name) && (opens || issuer)) return name;
        if (issuer && short.has(name)) return short.get(name);
        if (issuer && opens && TOWN.test(name)) return name;
      }
    }
  }
  return undefined;
}
