import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { askedUnit, questionKind } from '../../src/search/question-kind.js';

describe('question kinds', () => {
  it('reads what kind of answer a question wants, in everyday, report, traditional and English wording', () => {
    const cases: [string, string][] = [
      ['史村镇在辛村集市宣传发了多少资料？', 'number'],
      ['寶安區2023年政府工作報告說國高企業有幾家', 'number'],
      ['How many tourists did Yantian District receive in 2014?', 'number'],
      ['1982年国务院政府工作报告中，全国政府机构改革预计什么时候完成？', 'date'],
      ['罗湖2019年报告 莲塘口岸哪天开通', 'date'],
      ['宁夏2026年政府工作报告 全运会男子马拉松冠军是谁', 'who'],
      ['Which singer did Futian District sign on as one of its cultural celebrities?', 'who'],
      ['南山区2022年报告 港大深圳选址在哪', 'where'],
      ['深圳市2020年政府工作报告中，市政府为什么向市民表示歉意？', 'why'],
      ['史村镇怎样推进科学决策？', 'how'],
      ['南山区2022年政府工作报告中，疫情期间采取了什么措施保障对港物资供应？', 'how'],
      ['福田区2022年政府工作报告中，中山大学附属第八医院是否已成功创建三甲医院？', 'yesno'],
      ['柏山镇存在哪些不足？', 'list'],
    ];
    for (const [q, kind] of cases) assert.equal(questionKind(q), kind, q);
  });

  it('finds the measure word a number question wants, said or implied by the thing counted', () => {
    assert.equal(askedUnit('柏山鎮發放了多少份反電詐宣傳單？'), '份');
    assert.equal(askedUnit('史村镇在辛村集市宣传发了多少资料？'), '份');
    assert.equal(askedUnit('光明区2022年地方一般公共预算收入完成了多少亿元？'), '亿元');
    assert.equal(askedUnit('广东省2021年GDP增长多少？'), '%');
    assert.equal(askedUnit('柏山镇检查出多少处安全隐患'), '处');
    assert.equal(askedUnit('史村镇怎样推进科学决策？'), undefined);
  });
});

describe('what a counting question counts', () => {
  it('names the thing after the count, so an answer counting something else is known', async () => {
    const { countedThing } = await import('../../src/search/question-kind.js');
    assert.equal(countedThing('史村镇有几个派出所'), '派出所');
    assert.equal(countedThing('柏山鎮發放了多少份反電詐宣傳單？'), '反电诈宣传单');
    assert.equal(countedThing('柏山镇检查出多少处安全隐患'), '安全隐患');
    assert.equal(countedThing('一村一法律顾问 一年给顾问多少钱'), undefined);
    assert.equal(countedThing('史村镇怎样推进科学决策？'), undefined);
  });
});
