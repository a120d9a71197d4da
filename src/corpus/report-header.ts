/**
 * A report's own title, issuing body, addressee and date, read from its text: the lines above the body
 * (issuer, title, addressee "中共博爱县委、博爱县人民政府：") and the signature below it
 * (issuer, "2023年12月28日"). These lines are the report's metadata, not its content: the chunker
 * keeps them out of the passages that answer questions, and citations use them.
 */
import { headingLabel } from './headings.js';

export interface ReportHeader {
  /** The report's own title: 关于2023年法治政府建设情况的报告. */
  title?: string;
  /** Who issued it: 柏山镇人民政府 (from the header, else the signature). */
  issuer?: string;
  /** To whom it is addressed, without the colon: 中共博爱县委、博爱县人民政府. */
  addressee?: string;
  /** The date it was signed, as written: 2023年1月28日. */
  date?: string;
}

/** The body issuing a report, on a line of its own: 史村镇人民政府, 中共柏山镇委员会, 县司法局. */
export const ISSUER_LINE = /^[\u4e00-\u9fff（）()·]{2,30}(?:人民政府|政府|委员会|党委|县委|市委|办公室|办公厅|人大常委会|[局厅委处])$/;
/** A date on a line of its own: 2023年12月28日, 2023 年 1 月 28 日. */
export const DATE_LINE = /^(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$/;
/** An addressee line: 中共博爱县委、博爱县人民政府： */
export const ADDRESSEE_LINE = /^[^。！？；!?;，,]{2,60}[：:]$/;
/** A title line: no sentence punctuation, names a report. */
export const TITLE_LINE = /^[^。！？；!?;：:]{4,80}(?:报告|工作要点|情况|总结)$/;

/** A signature or date line: metadata wherever it stands. */
export function isSignatureLine(line: string): boolean {
  const t = line.trim();
  return ISSUER_LINE.test(t) || DATE_LINE.test(t);
}

/** A line of the report's header (issuer, title, addressee): metadata when it comes before the body. */
export function isHeaderLine(line: string): boolean {
  const t = line.trim();
  return isSignatureLine(t) || ADDRESSEE_LINE.test(t) || TITLE_LINE.test(t);
}

/** True for a passage made only of metadata lines (the header or the signature): never an answer. */
export function isMetadataText(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.length > 0 && lines.every(isHeaderLine);
}

/**
 * Reads the header from a cleaned report's lines: title, issuer and addressee from its first lines,
 * issuer and date from its last ones. Anything not found stays unset (citations fall back to the file name).
 */
export function readReportHeader(text: string): ReportHeader {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const head = lines.slice(0, 4);
  const tail = lines.slice(-4);
  const header: ReportHeader = {};
  const title = head.find((l) => TITLE_LINE.test(l) && !ISSUER_LINE.test(l) && headingLabel(l) === '');
  if (title) header.title = title.replace(/\s+(?=[\u4e00-\u9fff\d])|(?<=[\u4e00-\u9fff\d])\s+/g, '');
  const issuer = head.find((l) => ISSUER_LINE.test(l)) ?? [...tail].reverse().find((l) => ISSUER_LINE.test(l));
  if (issuer) header.issuer = issuer;
  const addressee = head.find((l) => ADDRESSEE_LINE.test(l) && !TITLE_LINE.test(l) && headingLabel(l) === '');
  if (addressee) header.addressee = addressee.replace(/[：:]$/, '');
  const date = [...tail].reverse().find((l) => DATE_LINE.test(l));
  if (date) header.date = date.replace(/\s+/g, '');
  return header;
}
