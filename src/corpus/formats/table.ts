/**
 * Tables as sentences, for every format that has them (HTML and Word in html.ts, PDF by glyph positions
 * in pdf.ts): each data row becomes one sentence with its header, so that a question about a cell is
 * answered by its row, quoted whole: "宪法宣传周：场次6，参与人数1200，发放资料3000份。"
 */

/** Units a column header gives in brackets: 发放资料（份）, 金额（万元）. */
const UNIT = /^(?:份|次|件|人|人次|场|场次|个|名|元|万元|亿元|%|％|户|期|家|项|篇|条|本|册|天|小时|公里|千米|米|亩|平方米|吨|辆|所|座|处)$/;

/** "发放资料（份）" → name 发放资料, unit 份: the unit goes after the value. "所在村（社区）" has no unit. */
function headerParts(header: string): { name: string; unit: string } {
  const m = /^(.*?)[（(]([^()（）]{1,4})[)）]$/.exec(header);
  return m && m[1] && UNIT.test(m[2]!) ? { name: m[1], unit: m[2]! } : { name: header, unit: '' };
}

/** Each column's header: the header rows' texts in that column, top to bottom ("调解纠纷" over "受理（件）"). */
export function columnHeaders(headerRows: readonly (readonly string[])[], width: number): string[] {
  return Array.from({ length: width }, (_, col) => [...new Set(headerRows.map((r) => r[col] ?? '').filter(Boolean))].join(''));
}

/** A piece of a row sentence: its text, and the cell it comes from (none for header words and punctuation). */
export interface SentencePiece {
  text: string;
  cell?: number;
}

/** One data row as a sentence, in pieces: the first cell, then each other cell with its column's name (and unit). */
export function rowSentence(headers: readonly string[], row: readonly string[]): SentencePiece[] {
  const [label = '', ...values] = row;
  const parts: SentencePiece[][] = [];
  values.forEach((value, i) => {
    if (!value) return;
    const { name, unit } = headerParts(headers[i + 1] ?? '');
    parts.push([{ text: name }, { text: value, cell: i + 1 }, ...(unit && !value.endsWith(unit) ? [{ text: unit }] : [])]);
  });
  if (!label && parts.length === 0) return [];
  const pieces: SentencePiece[] = label ? [{ text: label, cell: 0 }] : [];
  if (label && parts.length) pieces.push({ text: '：' });
  parts.forEach((p, i) => pieces.push(...(i ? [{ text: '，' }] : []), ...p));
  pieces.push({ text: '。' });
  return pieces.filter((p) => p.text);
}

/** Whether a cell holds a figure (a data row has some; a header row has none). */
export const isFigure = (cell: string) => /^[\d\s.,，%％+\-—~～]+[\u4e00-\u9fff]{0,2}$/.test(cell.trim()) && /\d/.test(cell);
