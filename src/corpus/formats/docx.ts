/**
 * Word documents (.docx) through mammoth, which maps Word's heading styles to <h1>…<h6> and numbered
 * and bulleted lists to <ol>/<ul>; the HTML reader then turns that into lines with the structure kept.
 */
import mammoth from 'mammoth';
import { htmlToText } from './html.js';
import type { ExtractedText, ReadError } from './index.js';

export async function readDocx(buf: Buffer): Promise<ExtractedText | ReadError> {
  if (buf.subarray(0, 2).toString('latin1') !== 'PK') return { error: 'not a Word document (.docx files are ZIP archives; an old .doc must be saved as .docx first)' };
  const { value } = await mammoth.convertToHtml({ buffer: buf }, { ignoreEmptyParagraphs: true });
  return { text: htmlToText(value), encoding: 'docx' };
}
