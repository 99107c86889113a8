import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isHumanDisagreement,
  majority,
  median,
  resolveHuman,
  type HumanVote,
} from '../../electron/engine/team/consensus.ts';
import { SampleIndex } from '../../electron/engine/store/sample-index.ts';

let n = 0;
const v = (agent: string, score: number | null, extra: Partial<HumanVote> = {}): HumanVote => ({
  labelId: `l${n++}`,
  agent,
  score,
  keep: score === null ? false : score >= 3,
  origin: 'key',
  retracted: false,
  ...extra,
});

test('median: odd count is the middle score, even count the mean of the two middle ones (3.5 possible)', () => {
  assert.equal(median([1, 5, 3]), 3);
  assert.equal(median([3, 4]), 3.5);
  assert.equal(median([0, 5, 2, 3]), 2.5);
  const r = resolveHuman([v('alice', 3), v('bob', 4)], 'median', 3)!;
  assert.equal(r.score, 3.5);
  assert.equal(r.keep, true, 'keep = resolved >= threshold');
  const r2 = resolveHuman([v('alice', 2), v('bob', 3)], 'median', 3)!;
  assert.equal(r2.score, 2.5);
  assert.equal(r2.keep, false, '2.5 < 3 drops even though bob kept');
});

test('majority: most frequent score; a tie goes to the most recently given of the tied scores', () => {
  assert.equal(majority([2, 4, 4]), 4);
  assert.equal(majority([2, 4]), 4);
  assert.equal(majority([4, 2]), 2);
  assert.equal(majority([1, 1, 5, 5, 3]), 5, '1 and 5 tie; 5 was given after 1');
  assert.equal(resolveHuman([v('a', 1), v('b', 1), v('c', 5)], 'majority', 3)!.score, 1);
});

test('latest: the most recent annotator label', () => {
  assert.equal(resolveHuman([v('a', 5), v('b', 1), v('c', 2)], 'latest', 3)!.score, 2);
});

test('each annotator counts once: their latest label that is not retracted', () => {
  const hist = [v('alice', 1), v('bob', 4), v('alice', 5)];
  // alice's current label is 5, bob's 4: median 4.5, not median(1, 4, 5) = 4.
  assert.equal(resolveHuman(hist, 'median', 3)!.score, 4.5);
  hist[2].retracted = true; // alice undid her 5: her 1 is current again
  const r = resolveHuman(hist, 'median', 3)!;
  assert.equal(r.score, 2.5);
  assert.equal(r.count, 2);
  assert.equal(r.spread, 3);
});

test('an adjudicated label wins over every rule until it is retracted', () => {
  const hist = [v('alice', 1), v('bob', 5), v('carol', 5), v('rev', 2, { origin: 'adjudication' })];
  for (const rule of ['median', 'majority', 'latest'] as const) {
    const r = resolveHuman(hist, rule, 3)!;
    assert.equal(r.score, 2, rule);
    assert.equal(r.keep, false);
    assert.equal(r.adjudicated, true);
    assert.equal(r.count, 3, 'the adjudication is not one of the annotator labels');
  }
  hist[3].retracted = true;
  const r = resolveHuman(hist, 'median', 3)!;
  assert.equal(r.adjudicated, false);
  assert.equal(r.score, 5);
});

test('no labels (or all retracted) resolve to nothing', () => {
  assert.equal(resolveHuman([], 'median', 3), null);
  assert.equal(resolveHuman([v('a', 4, { retracted: true })], 'median', 3), null);
});

test('disagreement: spread >= 2 or a keep/drop split, at least two annotators, not adjudicated', () => {
  assert.equal(isHumanDisagreement(resolveHuman([v('a', 1), v('b', 3)], 'median', 3)), true, 'spread 2');
  assert.equal(isHumanDisagreement(resolveHuman([v('a', 2), v('b', 3)], 'median', 3)), true, 'split at threshold 3');
  assert.equal(isHumanDisagreement(resolveHuman([v('a', 3), v('b', 4)], 'median', 3)), false);
  assert.equal(isHumanDisagreement(resolveHuman([v('a', 0)], 'median', 3)), false, 'one annotator');
  assert.equal(
    isHumanDisagreement(resolveHuman([v('a', 0), v('b', 5), v('r', 4, { origin: 'adjudication' })], 'median', 3)),
    false,
  );
});

test('the index resolves rows, exposes count/spread/adjudicated, and re-resolves on a rule change', () => {
  const idx = new SampleIndex();
  idx.add({ id: 'x', source: 's', path: null, language: 'python', tokens: 1, tokensExact: true });
  const add = (labelId: string, agent: string, score: number, origin = 'key') =>
    idx.applyHuman(0, { labelId, agent, score, keep: score >= 3, retracts: null, origin });
  add('1', 'alice', 1);
  add('2', 'bob', 2);
  add('3', 'carol', 5);
  assert.equal(idx.rowView(0).human_score, 2, 'median of 1, 2, 5');
  assert.deepEqual(
    [idx.rowView(0).human_labels, idx.rowView(0).human_spread, idx.rowView(0).adjudicated],
    [3, 4, false],
  );
  assert.equal(idx.humanKeep[0], 0);
  idx.setConsensus({ rule: 'latest', keepThreshold: 3 });
  assert.equal(idx.rowView(0).human_score, 5);
  assert.equal(idx.humanKeep[0], 1);
  add('4', 'rev', 3, 'adjudication');
  assert.equal(idx.rowView(0).human_score, 3);
  assert.equal(idx.rowView(0).adjudicated, true);
  idx.applyHuman(0, { labelId: 'u', score: null, keep: false, retracts: '4' });
  assert.equal(idx.rowView(0).human_score, 5, 'undoing the adjudication brings the rule back');
  // Sorting by human_score sees the resolved value.
  assert.equal(idx.value('human_score', 0), 5);
});
