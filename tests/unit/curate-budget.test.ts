import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyBudget, proportionalQuotas } from '../../electron/engine/curate/budget.js';
import type { ExportCandidate } from '../../electron/engine/curate/candidate.js';
import { mulberry32, seededShuffle } from '../../electron/engine/curate/hashing.js';
import { sortByRank, type RankedCandidate } from '../../electron/engine/curate/select.js';

function ranked(id: string, tokens: number, value: number, o: Partial<ExportCandidate> = {}): RankedCandidate {
  const candidate: ExportCandidate = {
    id,
    text: id,
    language: 'python',
    source: 'stack',
    repo: null,
    path: null,
    tokens,
    llmScore: value,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: null,
    metadata: {},
    ...o,
  };
  return { candidate, tier: 'llm', tierIndex: 1, value };
}

const sum = (items: RankedCandidate[]) => items.reduce((a, r) => a + r.candidate.tokens, 0);

describe('applyBudget', () => {
  it('keeps the best-ranked prefix that fits, stopping at the first that does not', () => {
    const items = [ranked('a', 5, 5), ranked('b', 7, 4), ranked('c', 3, 3), ranked('d', 10, 3), ranked('e', 1, 3)];
    const full = applyBudget(items, 15, null);
    assert.deepEqual(
      full.kept.map((r) => r.candidate.id),
      ['a', 'b', 'c'],
    );
    assert.equal(full.tokens, 15);
    const tight = applyBudget(items, 14, null);
    assert.deepEqual(
      tight.kept.map((r) => r.candidate.id),
      ['a', 'b'],
    );
    assert.equal(applyBudget(items, null, null).kept.length, 5);
    assert.equal(applyBudget(items, 0, null).kept.length, 0);
  });

  it('honours a budget exactly on a larger random set, whatever the input order', () => {
    const rand = mulberry32(7);
    const items = Array.from({ length: 1000 }, (_, i) =>
      ranked(`s${String(i).padStart(4, '0')}`, 1 + Math.floor(rand() * 500), Math.floor(rand() * 6)),
    );
    const budget = 50_000;
    const a = applyBudget(items, budget, null);
    const b = applyBudget(seededShuffle(items, 3), budget, null);
    assert.deepEqual(
      a.kept.map((r) => r.candidate.id),
      b.kept.map((r) => r.candidate.id),
    );
    assert.ok(a.tokens <= budget);
    assert.equal(a.tokens, sum(a.kept));
    const order = sortByRank(items);
    const next = order[a.kept.length];
    assert.ok(a.tokens + next.candidate.tokens > budget, 'the next-ranked sample would not fit');
    assert.deepEqual(a.kept, order.slice(0, a.kept.length));
  });

  it("stratifies by source in proportion to each bucket's token share", () => {
    const items: RankedCandidate[] = [];
    for (let i = 0; i < 30; i++)
      items.push(ranked(`a${String(i).padStart(2, '0')}`, 10, 5 - (i % 3), { source: 'stack' }));
    for (let i = 0; i < 10; i++)
      items.push(ranked(`b${String(i).padStart(2, '0')}`, 10, 5 - (i % 3), { source: 'so' }));
    const res = applyBudget(items, 200, 'source');
    assert.ok(res.tokens <= 200);
    const stack = res.buckets.find((b) => b.bucket === 'stack');
    const so = res.buckets.find((b) => b.bucket === 'so');
    assert.equal(stack?.quotaTokens, 150);
    assert.equal(so?.quotaTokens, 50);
    assert.equal(res.kept.filter((r) => r.candidate.source === 'stack').length, 15);
    assert.equal(res.kept.filter((r) => r.candidate.source === 'so').length, 5);
    // Within a bucket the best-ranked are kept.
    const soKept = res.kept.filter((r) => r.candidate.source === 'so').map((r) => r.value);
    assert.ok(soKept.every((v) => v >= 4));
    assert.deepEqual(applyBudget(seededShuffle(items, 9), 200, 'source').kept, res.kept);
  });

  it('splits quotas that sum exactly to the budget, remainders by size then name', () => {
    const q = proportionalQuotas(
      new Map([
        ['z', 10],
        ['y', 10],
        ['x', 10],
      ]),
      20,
    );
    assert.deepEqual(
      [...q.entries()],
      [
        ['x', 7],
        ['y', 7],
        ['z', 6],
      ],
    );
    const uneven = proportionalQuotas(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      2,
    );
    assert.deepEqual(
      [...uneven.entries()],
      [
        ['a', 1],
        ['b', 1],
      ],
    );
    const capped = proportionalQuotas(
      new Map([
        ['x', 10],
        ['y', 30],
      ]),
      1000,
    );
    assert.deepEqual(
      [...capped.entries()],
      [
        ['x', 10],
        ['y', 30],
      ],
    );
  });
});
