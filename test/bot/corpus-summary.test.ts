/** What the greeting says the reports are: from their own titles and counts, never a fixed phrase. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { corpusKinds, kindOf } from '../../src/bot/corpus-summary.js';
import { stringsFor } from '../../src/bot/i18n.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { isReportFileName, titleOf } from '../../src/corpus/load.js';

const source = (file: string) => ({ source: file, title: titleOf(file) });
const SEEDS = fs.readdirSync(path.join(PROJECT_ROOT, 'corpus')).filter(isReportFileName).map(source);

it('the seed reports are 2 法治政府建设报告, in the greeting of both languages', () => {
  assert.deepEqual(corpusKinds(SEEDS), [{ kind: '法治政府建设报告', reports: 2 }]);
  assert.match(stringsFor('zh').greeting('', corpusKinds(SEEDS), 2), /^你好！我回答关于这 2 份法治政府建设报告的问题/);
  assert.match(stringsFor('en').greeting('Ann', corpusKinds(SEEDS), 2), /^Hello, Ann! I answer questions about the 2 reports \(法治政府建设报告\)/);
  assert.ok(!stringsFor('zh').greeting('', corpusKinds(SEEDS), 2).includes('政府工作报告'));
});

it('a mixed corpus: the main kinds with their counts; places, years and session names are not kinds', () => {
  const files = [
    '国务院-2003-2003年国务院政府工作报告.txt',
    '国务院-2022-2022年国务院政府工作报告.txt',
    '深圳市福田区-2017-福田区政府工作报告（2017）.txt',
    '深圳市龙华区-2023-2023年龙华区二届人大三次会议政府工作报告.txt',
    '湖南省-2026-2026年湖南省政府工作报告.txt',
    '深圳市前海-2020-前海管理委员会工作报告.txt',
    ...SEEDS.map((s) => s.source),
  ].map(source);
  assert.equal(kindOf('深圳市福田区-2017-福田区政府工作报告（2017）.txt', '深圳市福田区 2017 福田区政府工作报告（2017）'), '政府工作报告');
  const kinds = corpusKinds(files);
  assert.deepEqual(kinds.slice(0, 2), [
    { kind: '政府工作报告', reports: 5 },
    { kind: '法治政府建设报告', reports: 2 },
  ]);
  assert.match(stringsFor('zh').greeting('', kinds, files.length), /我回答关于这 8 份报告（5 份政府工作报告、2 份法治政府建设报告、1 份.*工作报告）的问题/);
  assert.match(stringsFor('zh').greeting('', [], 0), /我回答关于报告的问题/);
});
