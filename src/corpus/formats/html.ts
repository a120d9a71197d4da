/**
 * Web pages (and Word documents, which mammoth turns into HTML): the visible text of the page body,
 * one block element per paragraph, headings marked `#`…`######` and list items numbered as the list
 * shows them, so that the cleaner and the chunker see the page's structure.
 * Navigation, scripts, styles, forms and running headers/footers are left out.
 */
import { ElementType, parseDocument } from 'htmlparser2';
import type { ExtractedText, ReadError } from './types.js';
import { columnHeaders, rowSentence } from './table.js';
import { decodeText } from './text.js';

type Node = ReturnType<typeof parseDocument>['children'][number];
type Element = Extract<Node, { attribs: Record<string, string> }>;
type Text = Extract<Node, { data: string }>;

const isText = (n: Node): n is Text => n.type === ElementType.Text;
/** Elements, including <script> and <style>, which the parser types apart. */
const isElement = (n: Node): n is Element => 'attribs' in n;

/** Elements whose content is not the report's text. */
const SKIPPED = new Set(['head', 'script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'button', 'select', 'svg', 'iframe', 'object', 'canvas']);
/** Elements that start a new line. */
const BLOCKS = new Set([
  'p', 'div', 'section', 'article', 'main', 'blockquote', 'pre', 'address', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tfoot', 'tr',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'center', 'caption',
]);

/** Running headers and footers as LibreOffice and Word export them (`<div title="header">`, `class="footer"`…). */
function isPageFurniture(attribs: Record<string, string>): boolean {
  return /^(header|footer)$/i.test(attribs.title ?? '') || /(^|\s)(page-?header|page-?footer|running-?(head|foot)er)(\s|$)/i.test(attribs.class ?? '');
}

/** The visible text of an HTML document, as lines for the cleaner. */
export function htmlToText(html: string): string {
  const doc = parseDocument(html, { decodeEntities: true });
  const out: string[] = [];
  let line = '';
  const newLine = () => {
    if (line.trim()) out.push(line.trim());
    line = '';
  };
  const walk = (nodes: Node[], pre: boolean) => {
    for (const node of nodes) {
      if (isText(node)) {
        line += pre ? node.data : node.data.replace(/[ \t\r\n\f]+/g, ' ');
        if (pre && line.includes('\n')) {
          const parts = line.split('\n');
          line = parts.pop()!;
          for (const p of parts) (line = p, newLine());
        }
        continue;
      }
      if (!isElement(node)) continue;
      const name = node.name.toLowerCase();
      if (SKIPPED.has(name) || isPageFurniture(node.attribs)) continue;
      if (name === 'br') {
        newLine();
        continue;
      }
      if (name === 'table' && !pre) {
        newLine();
        const sentences = tableSentences(node);
        if (sentences) {
          const caption = (node.children as Node[]).find((c) => isElement(c) && c.name.toLowerCase() === 'caption');
          const title = caption ? textOf(caption).replace(/\s+/g, ' ').trim() : '';
          out.push(...(title ? [title] : []), ...sentences);
          continue;
        }
      }
      const block = BLOCKS.has(name);
      if (block) newLine();
      const heading = /^h([1-6])$/.exec(name);
      if (heading) line = '#'.repeat(Number(heading[1])) + ' ';
      if (name === 'li') line = listMarker(node);
      if (name === 'td' || name === 'th') line += line && !line.endsWith(' ') ? ' ' : '';
      walk(node.children as Node[], pre || name === 'pre');
      if (block) newLine();
    }
  };
  walk(doc.children as Node[], false);
  newLine();
  // A blank line between blocks: each block is a paragraph of its own.
  return out.filter((l) => !/^#+ $/.test(l)).join('\n\n');
}

/** The visible text of an element, whitespace folded. */
function textOf(node: Node): string {
  if (isText(node)) return node.data;
  if (!isElement(node) || SKIPPED.has(node.name.toLowerCase())) return '';
  return (node.children as Node[]).map(textOf).join(node.name.toLowerCase() === 'br' ? ' ' : '');
}

/** The rows of a table as a grid: a cell spanning columns or rows fills each of them with its text. */
function tableGrid(table: Element): { cells: string[]; header: boolean }[] {
  const rows: Element[] = [];
  const collect = (nodes: Node[]) => {
    for (const n of nodes) {
      if (!isElement(n)) continue;
      const name = n.name.toLowerCase();
      if (name === 'tr') rows.push(n);
      else if (name === 'thead' || name === 'tbody' || name === 'tfoot') collect(n.children as Node[]);
    }
  };
  collect(table.children as Node[]);
  const grid: { cells: string[]; header: boolean }[] = [];
  const carried: { text: string; rows: number }[] = []; // rowspan still running, by column
  for (const tr of rows) {
    const cells: string[] = [];
    const tds = (tr.children as Node[]).filter((c): c is Element => isElement(c) && /^t[dh]$/i.test(c.name));
    let col = 0;
    const fillCarried = () => {
      while (carried[col] && carried[col]!.rows > 0) {
        cells[col] = carried[col]!.text;
        carried[col]!.rows--;
        col++;
      }
    };
    for (const td of tds) {
      fillCarried();
      const text = textOf(td).replace(/\s+/g, ' ').trim();
      const colspan = Math.min(20, Math.max(1, Number.parseInt(td.attribs.colspan ?? '1', 10) || 1));
      const rowspan = Math.min(200, Math.max(1, Number.parseInt(td.attribs.rowspan ?? '1', 10) || 1));
      for (let k = 0; k < colspan; k++, col++) {
        cells[col] = text;
        if (rowspan > 1) carried[col] = { text, rows: rowspan - 1 };
      }
    }
    fillCarried();
    const header = (tr.parent as Element | null)?.name?.toLowerCase() === 'thead' || tds.every((td) => td.name.toLowerCase() === 'th');
    grid.push({ cells: Array.from(cells, (c) => c ?? ''), header });
  }
  return grid;
}

/**
 * A table with a header as one sentence per row (table.ts). The header is the <thead> or <th>
 * rows, else the first row; two header rows (a merged cell above its parts) are read together
 * ("调解纠纷" over "受理（件）": 调解纠纷受理12件). Null for a table of one row or one column (layout, not data): read as text.
 */
function tableSentences(table: Element): string[] | null {
  const grid = tableGrid(table).filter((r) => r.cells.some((c) => c));
  const width = Math.max(0, ...grid.map((r) => r.cells.length));
  if (grid.length < 2 || width < 2) return null;
  let headerRows = 0;
  while (headerRows < grid.length - 1 && grid[headerRows]!.header) headerRows++;
  if (headerRows === 0) headerRows = 1;
  const headers = columnHeaders(grid.slice(0, headerRows).map((r) => r.cells), width);
  return grid
    .slice(headerRows)
    .map((row) => rowSentence(headers, row.cells).map((p) => p.text).join(''))
    .filter(Boolean);
}

/** "1. " for the first item of an ordered list (honouring `start`), "" for bullet lists. */
function listMarker(li: Element): string {
  const list = li.parent as Node | null;
  if (!list || !isElement(list) || list.name.toLowerCase() !== 'ol') return '';
  const items = (list.children as Node[]).filter((c) => isElement(c) && c.name.toLowerCase() === 'li');
  const start = Number.parseInt(list.attribs.start ?? '1', 10);
  return `${(Number.isFinite(start) ? start : 1) + items.indexOf(li)}. `;
}

export async function readHtml(buf: Buffer): Promise<ExtractedText | ReadError> {
  const decoded = decodeText(buf);
  if ('error' in decoded) return decoded;
  return { text: htmlToText(decoded.text), encoding: 'html' };
}
