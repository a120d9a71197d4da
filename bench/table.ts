/**
 * Plain-text tables for benchmark output. Column widths count CJK characters as two
 * cells so tables with Chinese file names stay aligned in a terminal.
 */

export type Cell = string | number | null | undefined;

function cellText(c: Cell): string {
  if (c === null || c === undefined || (typeof c === 'number' && Number.isNaN(c))) return '–';
  return String(c);
}

/** Display width: East Asian wide characters take two terminal cells. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

/** Numbers right-aligned, text left-aligned, with a rule under the header. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const texts = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...texts.map((r) => displayWidth(r[i]!))));
  const numeric = headers.map((_, i) => rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - displayWidth(s));
    return numeric[i] ? fill + s : s + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...texts.map(line)].join('\n');
}
