import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitLogistic, fitRanker, groupFolds, operatingPoint, standardizer } from '../../tools/ranker/fit.js';

describe('second-stage fitting', () => {
  it('learns to put the answering candidate first from the feature that marks it, and ignores noise', () => {
    // Feature 1 marks the answer in every question; feature 2 is noise.
    const groups = Array.from({ length: 40 }, (_, g) => {
      const x = Array.from({ length: 6 }, (_, i) => [1, i === g % 6 ? 1 : 0, ((g * 7 + i * 13) % 10) / 10]);
      return { x, y: x.map((r) => r[1]!) };
    });
    const std = standardizer(groups.flatMap((g) => g.x));
    const w = fitRanker(groups, std);
    assert.ok(w[1]! > 1, `weight of the marking feature ${w[1]}`);
    assert.ok(Math.abs(w[2]!) < w[1]! / 4, `noise weight ${w[2]}`);
  });

  it('fits a logistic model and the lowest threshold that keeps the confident answers precise', () => {
    const x = Array.from({ length: 100 }, (_, i) => [1, i / 100]);
    const y = x.map((r) => (r[1]! > 0.5 ? 1 : 0));
    const w = fitLogistic(x, y);
    assert.ok(w[1]! > 0);
    const p = x.map((r) => 1 / (1 + Math.exp(-(w[0]! + w[1]! * r[1]!))));
    const items = p.map((v, i) => ({ p: v, coverage: 1, counted: true, right: y[i] === 1, unanswerable: false }));
    const { threshold } = operatingPoint(items, 0.9, 0.05, [0]);
    const confident = items.filter((o) => o.p >= threshold);
    assert.ok(confident.filter((o) => o.right).length / confident.length >= 0.9);
    assert.ok(confident.length >= 45, `only ${confident.length} confident`);
  });

  it('chooses the gate that keeps unanswerable questions from confident answers', () => {
    // Unanswerable questions look sure to the model but cover little of the question.
    const items = [
      ...Array.from({ length: 40 }, (_, i) => ({ p: 0.5 + i / 100, coverage: 0.8, counted: true, right: true, unanswerable: false })),
      ...Array.from({ length: 10 }, (_, i) => ({ p: 0.9 + i / 200, coverage: 0.3, counted: true, right: false, unanswerable: true })),
    ];
    const point = operatingPoint(items, 0.9, 0.05, [0, 0.5]);
    assert.equal(point.gate, 0.5);
    assert.equal(items.filter((o) => o.unanswerable && o.p >= point.threshold && o.coverage >= point.gate).length, 0);
    assert.equal(items.filter((o) => !o.unanswerable && o.p >= point.threshold && o.coverage >= point.gate).length, 40);
  });

  it('keeps every report in one fold and balances the folds', () => {
    const groups = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'e', 'e', 'f'];
    const folds = groupFolds(groups, 3);
    for (const g of new Set(groups)) assert.equal(new Set(folds.filter((_, i) => groups[i] === g)).size, 1);
    const sizes = [0, 1, 2].map((f) => folds.filter((x) => x === f).length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2, String(sizes));
  });
});
