import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportMeta } from '../../src/corpus/report-meta.js';
import { ReportDirectory } from '../../src/search/named-reports.js';
import { normalize } from '../../src/language/text.js';

const FILES = [
  '深圳市-2005-深圳市政府工作报告.txt', // 0
  '深圳市南山区-2005-2005年南山区政府工作报告.txt', // 1
  '深圳市光明区-2017-光明新区2017年工作报告.txt', // 2
  '深圳市光明区-2019-光明区2019年工作报告.txt', // 3
  '宁夏回族自治区-2026-2026年宁夏回族自治区政府工作报告.txt', // 4
  '柏山镇-2023年法治政府建设情况报告.txt', // 5
  '史村镇-2023年度法治政府建设报告.md', // 6
  '法治政府建设报告.md', // 7
];
const directory = new ReportDirectory(FILES.map((f) => reportMeta(f)));
const resolve = (q: string) => directory.resolve(normalize(q));

describe('reports a question names', () => {
  it('the narrowest place mentioned wins', () => {
    assert.deepEqual(resolve('深圳2005年港口吞吐量是多少').docs, [0]);
    assert.deepEqual(resolve('南山区2005年有多少家企业').docs, [1]);
    assert.deepEqual(resolve('深圳市南山区2005年有多少家企业').docs, [1], '深圳市 is only the wider place of 南山区 here');
    assert.deepEqual(resolve('柏山镇组织了多少次普法').docs, [5]);
  });

  it('in traditional characters, in pinyin and without a year', () => {
    assert.deepEqual(resolve('寧夏2026年的預算').docs, [4]);
    assert.deepEqual(resolve('What did Shicun do about petitions?').docs, [6]);
    assert.deepEqual(resolve('Guangming District parks').docs, [2, 3]);
  });

  it('one name of two places names both', () => {
    const two = new ReportDirectory(['山西省-2026-2026年山西省政府工作报告.txt', '陕西省-2026-2026年陕西省政府工作报告.txt'].map((f) => reportMeta(f)));
    assert.deepEqual(two.resolve(normalize('How many coal mines will Shanxi build in 2026?')).docs, [0, 1]);
    assert.deepEqual(two.resolve(normalize('Shaanxi 2026 coal mines')).docs, [1]);
  });

  it('several places: each is searched', () => {
    assert.deepEqual(resolve('柏山镇和史村镇谁的普法做得多').docs, [5, 6]);
  });

  it('a year in a question about a report must be the report’s; said plainly when there is none', () => {
    const r = resolve('What GDP figure did Guangming District give in its 2018 government work report?');
    assert.deepEqual(r.docs, []);
    assert.deepEqual(r.missing, { place: '深圳市光明区', year: 2018, available: ['深圳市光明区 2017', '深圳市光明区 2019'] });
  });

  it('a year of events may be reviewed in the next report or planned in the one before', () => {
    assert.deepEqual(resolve('光明区2018年新建了几个公园').docs, [3, 2]);
    assert.deepEqual(resolve('柏山镇2024年普法要宣传哪些法律').docs, [5]);
  });

  it('no place: no report named', () => {
    assert.deepEqual(resolve('普法宣传做了几次').docs, []);
    assert.deepEqual(resolve('2023年的情况').docs, []);
  });

  it('a place of China no report is about is said plainly, when the question is clearly about it', () => {
    assert.deepEqual(resolve('杭州市2023年GDP是多少'), { docs: [], missing: { place: '杭州市', year: 2023, available: [] } });
    assert.deepEqual(resolve('杭州2023年的财政收入'), { docs: [], missing: { place: '杭州市', year: 2023, available: [] } });
    assert.deepEqual(resolve('那杭州市呢？'), { docs: [], missing: { place: '杭州市', available: [] } });
    assert.deepEqual(resolve('浙江省政府工作报告提到什么'), { docs: [], missing: { place: '浙江省', available: [] } });
    assert.deepEqual(resolve('王庄镇2023年法治建设怎么样'), { docs: [], missing: { place: '王庄镇', year: 2023, available: [] } });
  });

  it('ordinary words that end like a place, and places only mentioned, name no report', () => {
    for (const q of ['城镇2023年新增就业多少', '社区矫正2023年做得怎么样', '统筹城乡2023年有哪些进展', '小区2023年加装电梯多少部', '乡镇2023年的报告', '普法宣传进了杭州市的企业吗']) {
      assert.deepEqual(resolve(q), { docs: [] }, q);
    }
    assert.deepEqual(resolve('柏山镇2023年和杭州市比普法做得怎么样').docs, [5], 'a place with a report wins');
  });
});

describe('the year that names a report', () => {
  const files = [
    '深圳市罗湖区-2019-2019年政府工作报告.txt', // 0
    '深圳市罗湖区-2020-2020年政府工作报告.txt', // 1
    '国务院-2016-2016年国务院政府工作报告.txt', // 2
    '国务院-2017-2017年国务院政府工作报告.txt', // 3
  ];
  const dir = new ReportDirectory(files.map((f) => reportMeta(f)));
  const named = (q: string) => dir.resolve(normalize(q)).docs;

  it('is the report year, whatever other year the question speaks of', () => {
    assert.deepEqual(named('罗湖区2020年政府工作报告中，2019年地区生产总值是多少？'), [1]);
    assert.deepEqual(named('罗湖2019年报告 2018年GDP多少'), [0]);
    assert.deepEqual(named('罗湖区2019年地区生产总值是多少'), [0], 'without a report word both years stay events');
  });

  it('names the State Council report when no place is named (Chinese usage of 政府工作报告)', () => {
    assert.deepEqual(named('2016年政府工作报告 营改增全面推开从哪天开始'), [2]);
    assert.deepEqual(named("What deficit ratio did the 2017 government work report set?"), [3]);
    assert.deepEqual(named('2016年营改增全面推开从哪天开始'), [], 'a year alone names no report');
  });
});
