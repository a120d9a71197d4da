/**
 * Who issued a report and for which year, from its file name and title: `深圳市罗湖区-2017-….txt`
 * → places [深圳市, 罗湖区], year 2017; `柏山镇-2023年法治政府建设情况报告.txt` → [柏山镇], 2023.
 * Each place has the names people use for it: the full name, the name without its level
 * (罗湖, 宁夏) and that name in toneless pinyin (luohu, ningxia) for English questions.
 */
import path from 'node:path';
import { pinyin } from 'pinyin-pro';

export interface Place {
  /** As in the file name: 罗湖区. */
  name: string;
  /** Every name a question may use, lower case: 罗湖区, 罗湖, luohu. */
  aliases: string[];
}

export interface ReportMeta {
  /** From the widest to the narrowest: [深圳市, 罗湖区]. Empty when the name says no place. */
  places: Place[];
  year?: number;
}

/** Administrative levels, longest first so that 回族自治区 wins over 区. */
const LEVELS = ['特别行政区', '维吾尔自治区', '回族自治区', '壮族自治区', '自治区', '自治州', '新区', '省', '市', '区', '县', '镇', '乡', '旗', '盟', '州'];
/** Issuers that are not places but are named like one in questions. */
const ISSUERS: Record<string, string[]> = { 国务院: ['国务院', '中央政府', 'state council'] };
/** English names that are not the pinyin (keyed by the name without its level). */
const EXONYMS: Record<string, string[]> = {
  内蒙古: ['inner mongolia'],
  西藏: ['tibet'],
  陕西: ['shaanxi'],
  香港: ['hong kong'],
  澳门: ['macau', 'macao'],
};

const YEAR = /(?:^|[^\d])((?:19|20)\d\d)(?!\d)/;

function aliasesOf(name: string): string[] {
  const level = LEVELS.find((l) => name.endsWith(l) && name.length - l.length >= 2);
  const short = level ? name.slice(0, -level.length) : name;
  const names = new Set([name, short]);
  if (ISSUERS[name]) ISSUERS[name]!.forEach((n) => names.add(n));
  if (EXONYMS[short]) EXONYMS[short]!.forEach((n) => names.add(n));
  names.add(pinyin(short, { toneType: 'none', type: 'array', v: true }).join(''));
  return [...names].map((n) => n.toLowerCase());
}

/** Splits 深圳市罗湖区 into [深圳市, 罗湖区]: the shortest parts ending in a level that leave a parsable rest. */
function splitPlaces(name: string): string[] | null {
  if (name === '') return [];
  for (let end = 2; end <= name.length; end++) {
    const part = name.slice(0, end);
    if (!/^[\u4e00-\u9fff]+$/.test(part) || !LEVELS.some((l) => part.endsWith(l) && part.length > l.length)) continue;
    const rest = splitPlaces(name.slice(end));
    if (rest) return [part, ...rest];
  }
  return null;
}

/** Places and year of a report, from its path (relative to its corpus folder) and title. */
export function reportMeta(source: string, title = ''): ReportMeta {
  const base = path.basename(source).replace(/\.[^.]+$/, '');
  const head = base.split(/[-_ ]/)[0] ?? '';
  const parts = ISSUERS[head] ? [head] : (splitPlaces(head) ?? []);
  const places = parts.map((name) => ({ name, aliases: aliasesOf(name) }));
  const year = Number(YEAR.exec(base)?.[1] ?? YEAR.exec(title)?.[1] ?? NaN);
  return { places, year: Number.isFinite(year) ? year : undefined };
}

/** How a report is named in an answer: 深圳市罗湖区 2017. */
export function reportLabel(meta: ReportMeta, fallback: string): string {
  const place = meta.places.map((p) => p.name).join('');
  return place ? `${place}${meta.year ? ` ${meta.year}` : ''}` : fallback;
}
