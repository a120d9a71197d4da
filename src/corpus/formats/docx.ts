/**
 * Word documents (.docx) through mammoth, which maps Word's heading styles to <h1>…<h6> and numbered
 * and bulleted lists to <ol>/<ul>; the HTML reader then turns that into lines with the structure kept.
 *
 * Headings numbered automatically by Word (outline numbering, common in official documents) carry no
 * number in their text, and mammoth drops it. Their numbers are put back as Word shows them: the level's
 * number text (`%1、`, `（%2）`, `%3.`) and format (一二三 or 123), read from the document's numbering
 * definitions, counted as Word counts them, so that the section path and the short reference read as in
 * the printed document.
 */
import { DomUtils, parseDocument } from 'htmlparser2';
import { htmlToText } from './html.js';
import type { ExtractedText, ReadError } from './types.js';
import { zipBoundsProblem } from './zip-bounds.js';

const CN_DIGITS = '零一二三四五六七八九';

/** 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (up to 99). */
export function chineseNumber(n: number): string {
  if (n < 10) return CN_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  return `${tens > 1 ? CN_DIGITS[tens] : ''}十${n % 10 ? CN_DIGITS[n % 10] : ''}`;
}

/** A number in one of Word's number formats (w:numFmt); formats not listed here are written 1 2 3. */
function formatNumber(n: number, numFmt: string): string {
  if (/counting|ideographDigital/i.test(numFmt)) return chineseNumber(n);
  if (numFmt === 'ideographTraditional') return '甲乙丙丁戊己庚辛壬癸'[n - 1] ?? String(n);
  if (numFmt === 'decimalEnclosedCircle' || numFmt === 'decimalEnclosedCircleChinese') return String.fromCodePoint(0x245f + n);
  if (numFmt === 'lowerLetter' || numFmt === 'upperLetter') {
    const letter = String.fromCharCode(96 + (((n - 1) % 26) + 1));
    return numFmt === 'upperLetter' ? letter.toUpperCase() : letter;
  }
  return String(n);
}

/** One level of a numbering definition: its format and number text, e.g. chineseCounting and `%1、`. */
interface NumberingLevel {
  numFmt: string;
  lvlText: string;
}

/** The numbering levels linked to paragraph styles (outline numbering of headings), by style id. */
async function headingNumbering(buf: Buffer): Promise<Map<string, NumberingLevel>> {
  const byStyle = new Map<string, NumberingLevel>();
  const { default: JSZip } = await import('jszip'); // loaded on first use, as mammoth below
  const xml = await (await JSZip.loadAsync(buf)).file('word/numbering.xml')?.async('string');
  if (!xml) return byStyle;
  const doc = parseDocument(xml, { xmlMode: true });
  const child = (el: Parameters<typeof DomUtils.getAttributeValue>[0], name: string) =>
    DomUtils.findOne((c) => c.name === name, el.children, false);
  for (const lvl of DomUtils.findAll((el) => el.name === 'w:lvl', doc.children)) {
    const style = child(lvl, 'w:pStyle');
    if (!style) continue;
    byStyle.set(DomUtils.getAttributeValue(style, 'w:val') ?? '', {
      numFmt: DomUtils.getAttributeValue(child(lvl, 'w:numFmt') ?? lvl, 'w:val') ?? 'decimal',
      lvlText: DomUtils.getAttributeValue(child(lvl, 'w:lvlText') ?? lvl, 'w:val') ?? '',
    });
  }
  return byStyle;
}

/** What this reader uses of mammoth's paragraphs (its document model is untyped). */
interface MammothParagraph {
  styleId?: string | null;
  styleName?: string | null;
  numbering?: { level: string; isOrdered: boolean; paragraphStyleId?: string } | null;
  children: unknown[];
}

/** A transform that writes the numbers of automatically numbered headings into their text. */
function numberHeadings(levels: Map<string, NumberingLevel>): (paragraph: MammothParagraph) => MammothParagraph {
  const counts: number[] = [];
  const formats: string[] = [];
  return (paragraph) => {
    const numbering = paragraph.numbering;
    const def = levels.get(numbering?.paragraphStyleId ?? paragraph.styleId ?? '');
    if (!numbering?.isOrdered || !def || !/^heading\s*\d/i.test(paragraph.styleName ?? '')) return paragraph;
    const level = Number(numbering.level) || 0;
    counts[level] = (counts[level] ?? 0) + 1;
    formats[level] = def.numFmt;
    counts.length = level + 1; // a heading restarts the numbering of the levels below it
    if (def.numFmt === 'none' || def.numFmt === 'bullet' || !def.lvlText) return { ...paragraph, numbering: null };
    const text = def.lvlText.replace(/%(\d)/g, (_, d: string) => formatNumber(counts[Number(d) - 1] ?? 1, formats[Number(d) - 1] ?? def.numFmt));
    const number = { type: 'run', children: [{ type: 'text', value: text }], verticalAlignment: 'baseline' };
    return { ...paragraph, numbering: null, children: [number, ...paragraph.children] };
  };
}

export async function readDocx(buf: Buffer): Promise<ExtractedText | ReadError> {
  if (buf.subarray(0, 2).toString('latin1') !== 'PK') return { error: 'not a Word document (.docx files are ZIP archives; an old .doc must be saved as .docx first)', code: 'not-docx' };
  const tooBig = zipBoundsProblem(buf);
  if (tooBig) return { error: `refused: ${tooBig}`, code: 'too-complex' };
  const levels = await headingNumbering(buf);
  const { default: mammoth } = await import('mammoth');
  // mammoth's document transforms are documented in its README but missing from its typings.
  const { transforms } = mammoth as unknown as { transforms: { paragraph(fn: (p: MammothParagraph) => MammothParagraph): (document: unknown) => unknown } };
  // Pictures are never read (mammoth would inline each as a data URI): only the text is quoted.
  const { images } = mammoth as unknown as { images: { imgElement(fn: () => Promise<{ src: string }>): unknown } };
  const { value } = await mammoth.convertToHtml(
    { buffer: buf },
    { ignoreEmptyParagraphs: true, transformDocument: transforms.paragraph(numberHeadings(levels)), convertImage: images.imgElement(async () => ({ src: '' })) as never },
  );
  return { text: htmlToText(value), encoding: 'docx' };
}
