import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chunkReport, PASSAGE_MAX_CHARS, splitSentences } from '../../src/corpus/chunk.js';
import { cleanReport } from '../../src/corpus/clean.js';
import { parseHeading, sectionLabel } from '../../src/corpus/headings.js';
import { readReportHeader } from '../../src/corpus/report-header.js';
import { SEED_CORPUS } from '../helpers.js';

const seeds = fs.readdirSync(SEED_CORPUS).map((f) => ({ name: f, raw: fs.readFileSync(path.join(SEED_CORPUS, f), 'utf8') }));
const SENTENCE_END = /[。！？；!?;][”’"」』）)】]*$/;

describe('headings', () => {
  it('recognises the numbering styles of Chinese reports', () => {
    assert.equal(parseHeading('一、2023年度推进法治政府建设主要举措和成效')?.kind, 'cn');
    assert.equal(parseHeading('（二）夯实法治基础，维护社会和谐稳定')?.kind, 'cn-paren');
    assert.equal(parseHeading('1.开展多样化的学法活动，提升机关干部法治意识')?.kind, 'num');
    assert.equal(parseHeading('（3）加强队伍建设')?.kind, 'num-paren');
    assert.equal(parseHeading('第三章 总则')?.kind, 'chapter');
    assert.equal(parseHeading('背景', 2)?.kind, 'md2');
  });
  it('does not take sentences, decimals or list items for headings', () => {
    assert.equal(parseHeading('一是加强组织领导。领导干部带头学法用法。'), null);
    assert.equal(parseHeading('2023.5亿元的投资已经完成'), null);
    assert.equal(parseHeading('1.全年完成投资5亿元。比上年增长百分之十，超额完成年度目标任务。'), null);
    assert.equal(parseHeading('今年以来，史村镇坚持以习近平新时代中国特色社会主义思想为指导。'), null);
  });
  it('splits a run-in heading from its body text', () => {
    const h = parseHeading('（一）加强组织领导。柏山镇充分发挥党委总揽全局的作用。');
    assert.equal(h?.kind, 'cn-paren');
    assert.equal('（一）加强组织领导。柏山镇充分发挥党委总揽全局的作用。'.slice(0, h!.length), '（一）加强组织领导');
  });
  it('gives the short label of a heading path', () => {
    assert.equal(sectionLabel(['二、推进法治政府建设', '（三）深化依法治理', '2.构建机制']), '二、（三）2.');
  });
});

describe('cleaning', () => {
  it('joins lines broken inside a sentence, even across blank lines, and drops spaces between Chinese characters', () => {
    const c = cleanReport('一是建立健全普法队伍。建立普法宣传组，充分发挥镇\n\n\n \n司法所、派出所等多方力量，对 27 个行政村配齐法律明白人。\n');
    assert.equal(c.blocks.length, 1);
    assert.equal(c.text, '一是建立健全普法队伍。建立普法宣传组，充分发挥镇司法所、派出所等多方力量，对27个行政村配齐法律明白人。');
  });
  it('removes page numbers, markdown markers and invisible characters', () => {
    const c = cleanReport('## **（二）夯实法治基础**\n\n- 12 -\n正文\u200b内容很长很长很长很长很长很长很长很长很长很长。\n第 3 页 共 10 页\n');
    assert.deepEqual(
      c.blocks.map((b) => [b.kind, b.text]),
      [
        ['heading', '（二）夯实法治基础'],
        ['para', '正文内容很长很长很长很长很长很长很长很长很长很长。'],
      ],
    );
  });
  it('keeps spaces between Latin words', () => {
    assert.equal(cleanReport('The rule of law  matters.').text, 'The rule of law matters.');
  });
  for (const { name, raw } of seeds) {
    it(`maps every cleaned character back to the raw text (${name})`, () => {
      const c = cleanReport(raw);
      assert.equal(c.toSource.length, c.text.length + 1);
      for (let i = 0; i < c.text.length; i++) {
        if (c.text[i] === '\n') continue;
        assert.equal(raw[c.toSource[i]!], c.text[i], `offset ${i}`);
      }
    });
  }
});

describe('chunking the seed reports', () => {
  for (const { name, raw } of seeds) {
    const cleaned = cleanReport(raw);
    const chunks = chunkReport(cleaned);
    it(`never cuts a sentence and keeps passages readable (${name})`, () => {
      assert.ok(chunks.length >= 5);
      for (const c of chunks) {
        const text = cleaned.text.slice(c.start, c.end);
        const last = cleaned.text.slice(c.sentences[c.sentences.length - 1]!.start, c.end);
        // A passage ends at a sentence end, or at a line without punctuation (a signature, a date).
        assert.ok(SENTENCE_END.test(text) || !/[。！？；，]/.test(last), `passage ends mid-sentence: …${text.slice(-30)}`);
        assert.ok(text.length <= PASSAGE_MAX_CHARS * 1.25, `passage too long (${text.length})`);
        assert.equal(c.sentences[0]!.start, c.start);
      }
    });
    it(`follows the report's headings (${name})`, () => {
      const paths = chunks.map((c) => c.sectionPath.join(' > '));
      assert.ok(paths.some((p) => /^一、/.test(p)));
      assert.ok(paths.some((p) => / > （[一二三]）/.test(p)), 'nested (一) sections');
      for (const c of chunks) for (const h of c.sectionPath) assert.ok(!/[#*]/.test(h), `markdown left in heading ${h}`);
    });
  }
  it('nests 1. under （二） under 二、 in the 柏山镇 report', () => {
    const raw = seeds.find((s) => s.name.startsWith('柏山镇'))!.raw;
    const chunks = chunkReport(cleanReport(raw));
    const c = chunks.find((x) => x.sectionPath.some((h) => h.startsWith('4.广泛宣传反电信诈骗')))!;
    assert.deepEqual(c.sectionPath.map((h) => h.slice(0, 3)), ['二、推', '（二）', '4.广']);
  });
  it('splits sentences at Chinese and ASCII ends, keeping closing quotes', () => {
    const spans = splitSentences('他说：“好。”然后走了！真的吗?是的；');
    assert.deepEqual(
      spans.map((s) => '他说：“好。”然后走了！真的吗?是的；'.slice(s.start, s.end)),
      ['他说：“好。”', '然后走了！', '真的吗?', '是的；'],
    );
  });
  it('handles a report with no headings at all', () => {
    const text = Array.from({ length: 30 }, (_, i) => `这是第${i}句话，用来测试没有标题的报告如何切分。`).join('');
    const chunks = chunkReport(cleanReport(text));
    assert.ok(chunks.length >= 2);
    assert.deepEqual(chunks[0]!.sectionPath, []);
    assert.equal(chunks.map((c) => c.end - c.start).reduce((a, b) => a + b, 0) <= text.length, true);
  });
});

describe("a report's metadata lines", () => {
  for (const { name, raw } of seeds) {
    it(`keeps the signature and date in a passage of their own, outside any section (${name})`, () => {
      const c = cleanReport(raw);
      const chunks = chunkReport(c);
      const last = chunks[chunks.length - 1]!;
      assert.deepEqual(last.sectionPath, []);
      assert.match(c.text.slice(last.start, last.end), /人民政府\n2023年1?\d月\d{1,2}日$/);
      for (const ch of chunks.slice(0, -1)) assert.doesNotMatch(c.text.slice(ch.start, ch.end), /\d{4}年\d{1,2}月\d{1,2}日$/);
    });
  }
  it('reads title, issuer, addressee and date from the text, not the file name', () => {
    const baishan = seeds.find((s) => s.name.startsWith('柏山'))!;
    assert.deepEqual(readReportHeader(cleanReport(baishan.raw).text), {
      title: '关于2023年法治政府建设情况的报告',
      issuer: '柏山镇人民政府',
      addressee: '中共博爱县委、博爱县人民政府',
      date: '2023年1月28日',
    });
    const shicun = seeds.find((s) => s.name.startsWith('史村'))!;
    assert.deepEqual(readReportHeader(cleanReport(shicun.raw).text), { title: '史村镇2023年度法治政府建设报告', issuer: '史村镇人民政府', date: '2023年12月28日' });
    assert.deepEqual(readReportHeader('一、总体情况\n全年完成投资5亿元。'), {});
  });
  it('keeps the addressee line out of the opening passage', () => {
    const c = cleanReport(seeds.find((s) => s.name.startsWith('柏山'))!.raw);
    const [header, opening] = chunkReport(c);
    assert.match(c.text.slice(header!.start, header!.end), /中共博爱县委、博爱县人民政府：$/);
    assert.match(c.text.slice(opening!.start, opening!.end), /^2023年，柏山镇坚持/);
  });
});
