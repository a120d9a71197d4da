import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportLabel, reportMeta } from '../../src/corpus/report-meta.js';

const places = (source: string) => reportMeta(source).places.map((p) => p.name);
const aliases = (source: string) => reportMeta(source).places.map((p) => p.aliases);

describe('report place and year from the file name', () => {
  it('splits nested places at their levels, longest level first', () => {
    assert.deepEqual(places('深圳市罗湖区-2017-2017年政府工作报告（在深圳市罗湖区第七届人民代表大会第二次会议上）.txt'), ['深圳市', '罗湖区']);
    assert.deepEqual(places('宁夏回族自治区-2026-2026年宁夏回族自治区政府工作报告.txt'), ['宁夏回族自治区']);
    assert.deepEqual(places('贵州省-2026-2026年贵州省政府工作报告.txt'), ['贵州省'], '州 inside a name is not a level');
    assert.deepEqual(places('深圳市大鹏新区-2016-大鹏新区管委会2016年工作报告.txt'), ['深圳市', '大鹏新区']);
    assert.deepEqual(places('柏山镇-2023年法治政府建设情况报告.txt'), ['柏山镇']);
    assert.deepEqual(places('国务院-1985-1985年国务院政府工作报告.txt'), ['国务院']);
    assert.deepEqual(places('法治政府建设报告.md'), []);
    assert.deepEqual(places('report-2023.txt'), []);
  });

  it('takes the year from the name, else from the title', () => {
    assert.equal(reportMeta('史村镇-2023年度法治政府建设报告.md').year, 2023);
    assert.equal(reportMeta('广东省-2016-广东省政府工作报告.txt').year, 2016);
    assert.equal(reportMeta('某镇报告.txt', '关于2021年法治政府建设情况的报告').year, 2021);
    assert.equal(reportMeta('某镇报告.txt').year, undefined);
  });

  it('knows each place by its full name, its name without the level, and pinyin or English', () => {
    assert.deepEqual(aliases('深圳市罗湖区-2017-x.txt'), [['深圳市', '深圳', 'shenzhen'], ['罗湖区', '罗湖', 'luohu']]);
    assert.deepEqual(aliases('宁夏回族自治区-2026-x.txt'), [['宁夏回族自治区', '宁夏', 'ningxia']]);
    assert.ok(aliases('内蒙古自治区-2026-x.txt')[0]!.includes('inner mongolia'));
    assert.ok(aliases('国务院-2006-x.txt')[0]!.includes('state council'));
  });

  it('labels a report by place and year', () => {
    assert.equal(reportLabel(reportMeta('深圳市罗湖区-2017-x.txt'), 'x'), '深圳市罗湖区 2017');
    assert.equal(reportLabel(reportMeta('法治政府建设报告.md'), '法治政府建设报告'), '法治政府建设报告');
  });
});
