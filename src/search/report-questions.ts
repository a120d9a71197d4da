/**
 * Questions about a report itself — when it was signed, who issued it, whom it is addressed to, who
 * delivered it, what it is called — are answered from its header and signature lines, which search
 * otherwise never quotes (they are metadata). The answer is the line as written, with its offsets,
 * so it is quoted and cited like any passage.
 */
import { ADDRESSEE_LINE, DATE_LINE, isHeaderLine, ISSUER_LINE, TITLE_LINE } from '../corpus/report-header.js';

export type ReportAttribute = 'date' | 'issuer' | 'addressee' | 'speaker' | 'title';

/** The report as the subject: 报告 / 这份 / 本报告 / the report, document. */
const ABOUT_REPORT = /报告|这份|该份|本份|文件|材料|\breport\b|\bdocument\b/i;

const ATTRIBUTES: [ReportAttribute, RegExp][] = [
  ['addressee', /写给|报送|报给|呈报|提交给|交给|送给|报告给|向谁|给谁|主送|addressed to|submitted to|sent to/i],
  ['speaker', /谁作的|谁做的|谁作了|谁作报告|谁做报告|谁代表|谁在[^？?]{0,20}(?:作|做)|由谁作|哪位[^？?]{0,6}(?:作|做)|who (?:delivered|gave|presented|read)/i],
  ['issuer', /谁(?:出|发|写|印发|发布|制定|起草)的|哪个(?:单位|部门|机关)(?:出|发|写|印发|发布|制定|起草)|(?:出|发|写|印发|发布|起草|制定)(?:的|者)?是(?:谁|哪)|落款(?:单位|是谁)|镇政府[^？?]{0,10}还是[^？?]{0,10}(?:党委|镇委)|党委[^？?]{0,10}还是[^？?]{0,10}政府|who (?:issued|wrote|published|signed|authored)|issued by|\bissuer\b/i],
  ['date', /(?:哪天|哪一天|什么时候|何时|哪年哪月|几月几[日号]|日期|落款时间)[^？?]{0,6}(?:发布|印发|出的|写的|签|形成|发的|报的|上报|成文)?|(?:发布|印发|成文|落款|签发)(?:的)?(?:日期|时间)|when was (?:it|the report|this report) (?:issued|published|written|dated|signed|released)|\bdated\b/i],
  ['title', /(?:题目|标题|全称|名称|叫什么名|叫什么)|what is (?:the )?(?:title|full name)/i],
];

/** What a question asks about the report itself, or undefined when it asks about its content. */
export function reportAttribute(question: string): ReportAttribute | undefined {
  if (!ABOUT_REPORT.test(question) && !/镇政府[^？?]{0,10}还是|还是[^？?]{0,10}党委出/.test(question)) return undefined;
  const found = ATTRIBUTES.find(([, re]) => re.test(question))?.[0];
  // "报告里…什么时候开工" asks about an event in the report, not about the report: the attribute's
  // words must stand next to the report word, or the question must be short.
  if (found === 'date' && !/(?:报告|这份|report|document)[^，,？?]{0,12}(?:哪天|哪一天|什么时候|何时|日期|when|dated)|(?:发布|印发|成文|落款|签发)(?:的)?(?:日期|时间)|when was (?:it|the report|this report)/i.test(question)) return undefined;
  if (found === 'title' && !/(?:报告|这份|report)[^，,？?]{0,8}(?:题目|标题|全称|名称|叫什么|title|name)/i.test(question)) return undefined;
  return found;
}

export interface HeaderLine {
  start: number;
  end: number;
}

/** Who delivered a government work report: "——2020年1月7日在…会议上 / 区长 王宏彬", "…代表…向大会作…报告". */
const SPEAKER_LINE = /(?:省长|市长|区长|县长|镇长|总理|主任|书记)\s*[\u4e00-\u9fff]{2,4}|在[^。\n]{2,60}(?:会议|大会)上/;

/** Lines of a report's cleaned text with their offsets. */
function lines(text: string, from: number, to: number): HeaderLine[] {
  const out: HeaderLine[] = [];
  let start = from;
  while (start < to) {
    let end = text.indexOf('\n', start);
    if (end < 0 || end > to) end = to;
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /\s/.test(text[e - 1]!)) e--;
    if (e > s) out.push({ start: s, end: e });
    start = end + 1;
  }
  return out;
}

/**
 * The lines of a report that answer a question about it (header lines first, then the signature):
 * empty when the report does not say (no addressee line, no date) — then it is not answered from here.
 */
export function headerLinesFor(text: string, attribute: ReportAttribute): HeaderLine[] {
  const head = lines(text, 0, Math.min(text.length, 1200)).slice(0, 6);
  const tail = lines(text, Math.max(0, text.length - 600), text.length).slice(-5);
  const at = (l: HeaderLine) => text.slice(l.start, l.end).replace(/^#+\s*/, '').trim();
  const metaHead = head.filter((l) => isHeaderLine(at(l)) || SPEAKER_LINE.test(at(l)));
  const metaTail = tail.filter((l) => isHeaderLine(at(l)));
  switch (attribute) {
    case 'date':
      return [...metaTail, ...metaHead].filter((l) => DATE_LINE.test(at(l))).slice(0, 1);
    case 'issuer': {
      const signed = metaTail.filter((l) => ISSUER_LINE.test(at(l)));
      return signed.length ? signed : metaHead.filter((l) => ISSUER_LINE.test(at(l))).slice(0, 1);
    }
    case 'addressee':
      return metaHead.filter((l) => ADDRESSEE_LINE.test(at(l))).slice(0, 1);
    case 'title':
      return metaHead.filter((l) => TITLE_LINE.test(at(l)) && !ISSUER_LINE.test(at(l))).slice(0, 1);
    case 'speaker':
      return head.filter((l) => SPEAKER_LINE.test(at(l)) && at(l).length <= 80).slice(0, 2);
  }
}
