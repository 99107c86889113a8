import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExportRule, type ExportCandidate, type ExportRuleInput } from '../../electron/engine/curate/candidate.js';
import {
  compareRank,
  decideSample,
  filterSample,
  selectCandidate,
  sortByRank,
  type RankedCandidate,
} from '../../electron/engine/curate/select.js';

function cand(id: string, o: Partial<ExportCandidate> = {}): ExportCandidate {
  return {
    id,
    text: `def f_${id}():\n    return 1\n`,
    language: 'python',
    source: 'stack',
    repo: null,
    path: null,
    tokens: 10,
    llmScore: null,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: null,
    metadata: {},
    ...o,
  };
}

describe('ExportRule', () => {
  it('fills the documented defaults', () => {
    const r = parseExportRule({});
    assert.deepEqual(r.precedence, ['human', 'llm', 'classifier']);
    assert.equal(r.minScore, 3);
    assert.equal(r.minProb, null);
    assert.equal(r.modelThreshold, null);
    assert.equal(r.nearDup, null);
    assert.equal(r.minhash, null);
    assert.deepEqual(r.decontaminate, { ngram: 13, cosine: null, ast: true });
    assert.equal(r.budgetTokens, null);
    assert.equal(r.stratifyBy, null);
  });

  it('fills nested defaults and rejects unknown keys and repeated tiers', () => {
    assert.deepEqual(parseExportRule({ minhash: {} }).minhash, { threshold: 0.85, ngram: 5, numPerm: 128 });
    assert.deepEqual(parseExportRule({ decontaminate: { cosine: 0.9 } }).decontaminate, {
      ngram: 13,
      cosine: 0.9,
      ast: true,
    });
    assert.deepEqual(parseExportRule({ decontaminate: { ast: false } }).decontaminate, {
      ngram: 13,
      cosine: null,
      ast: false,
    });
    assert.throws(() => parseExportRule({ minScroe: 3 } as unknown as ExportRuleInput));
    assert.throws(() => parseExportRule({ precedence: ['llm', 'llm'] }));
    assert.throws(() => parseExportRule({ minProb: 1.5 }));
  });
});

describe('decideSample precedence table', () => {
  const cases: {
    name: string;
    c: Partial<ExportCandidate>;
    rule?: ExportRuleInput;
    keep: boolean;
    tier: string | null;
    value: number | null;
    reason?: string;
  }[] = [
    { name: 'human score decides over llm', c: { humanScore: 4, llmScore: 1 }, keep: true, tier: 'human', value: 4 },
    {
      name: 'human low score drops even if llm says keep',
      c: { humanScore: 1, llmScore: 5, classifierScore: 0.99 },
      rule: { minProb: 0.5 },
      keep: false,
      tier: 'human',
      value: 1,
      reason: 'below-threshold',
    },
    {
      name: 'human binary keep counts as minScore',
      c: { humanKeep: true, llmScore: 0 },
      keep: true,
      tier: 'human',
      value: 3,
    },
    {
      name: 'human binary drop decides',
      c: { humanKeep: false, llmScore: 5 },
      keep: false,
      tier: 'human',
      value: null,
      reason: 'below-threshold',
    },
    {
      name: 'score wins over binary verdict of the same tier',
      c: { humanScore: 2, humanKeep: true },
      keep: false,
      tier: 'human',
      value: 2,
      reason: 'below-threshold',
    },
    { name: 'llm at exactly minScore keeps', c: { llmScore: 3 }, keep: true, tier: 'llm', value: 3 },
    {
      name: 'llm below drops before the classifier is asked',
      c: { llmScore: 2, classifierScore: 0.99 },
      rule: { minProb: 0.5 },
      keep: false,
      tier: 'llm',
      value: 2,
    },
    {
      name: 'classifier uses model threshold when minProb is null',
      c: { classifierScore: 0.7 },
      rule: { modelThreshold: 0.6 },
      keep: true,
      tier: 'classifier',
      value: 0.7,
    },
    {
      name: 'minProb overrides the model threshold',
      c: { classifierScore: 0.5 },
      rule: { minProb: 0.6, modelThreshold: 0.4 },
      keep: false,
      tier: 'classifier',
      value: 0.5,
    },
    {
      name: 'classifier at exactly the cut keeps',
      c: { classifierScore: 0.6 },
      rule: { minProb: 0.6 },
      keep: true,
      tier: 'classifier',
      value: 0.6,
    },
    {
      name: 'classifier without any cut has no value',
      c: { classifierScore: 0.9 },
      keep: false,
      tier: null,
      value: null,
      reason: 'unlabeled',
    },
    { name: 'nothing at all is unlabeled', c: {}, keep: false, tier: null, value: null, reason: 'unlabeled' },
    {
      name: 'tiers outside the precedence are ignored',
      c: { humanScore: 5, llmScore: 1, classifierScore: 0.9 },
      rule: { precedence: ['classifier', 'llm'], minProb: 0.5 },
      keep: true,
      tier: 'classifier',
      value: 0.9,
    },
    {
      name: 'llm first when asked',
      c: { humanScore: 0, llmKeep: true },
      rule: { precedence: ['llm', 'human'] },
      keep: true,
      tier: 'llm',
      value: 3,
    },
    { name: 'custom minScore', c: { llmScore: 3 }, rule: { minScore: 4 }, keep: false, tier: 'llm', value: 3 },
    {
      name: 'falls through to the next tier with a value',
      c: { classifierScore: 0.2 },
      rule: { minProb: 0.1 },
      keep: true,
      tier: 'classifier',
      value: 0.2,
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const d = decideSample(cand('x', tc.c), parseExportRule(tc.rule ?? {}));
      assert.equal(d.keep, tc.keep);
      assert.equal(d.tier, tc.tier);
      assert.equal(d.value, tc.value);
      assert.equal(d.reason, tc.keep ? null : (tc.reason ?? 'below-threshold'));
    });
  }
});

describe('filters and selection', () => {
  it('applies source, language and per-sample token filters', () => {
    const rule = parseExportRule({ sources: ['stack'], languages: ['python'], minTokens: 5, maxTokens: 100 });
    assert.equal(filterSample(cand('a'), rule), null);
    assert.equal(filterSample(cand('a', { source: 'so' }), rule), 'source');
    assert.equal(filterSample(cand('a', { language: 'go' }), rule), 'language');
    assert.equal(filterSample(cand('a', { tokens: 4 }), rule), 'min-tokens');
    assert.equal(filterSample(cand('a', { tokens: 101 }), rule), 'max-tokens');
    assert.equal(filterSample(cand('a', { tokens: 100 }), rule), null);
    assert.deepEqual(selectCandidate(cand('a', { language: 'go', llmScore: 5 }), rule), { dropped: 'language' });
    assert.deepEqual(selectCandidate(cand('a', { llmScore: 1 }), rule), { dropped: 'below-threshold' });
  });

  it('ranks by tier precedence, then value desc, then id', () => {
    const rule = parseExportRule({ minProb: 0.5 });
    const pick = (c: ExportCandidate) => {
      const s = selectCandidate(c, rule);
      assert.ok('kept' in s);
      return s.kept;
    };
    const items: RankedCandidate[] = [
      pick(cand('c', { classifierScore: 0.99 })),
      pick(cand('b', { llmScore: 5 })),
      pick(cand('a', { llmScore: 5 })),
      pick(cand('d', { llmScore: 4 })),
      pick(cand('z', { humanScore: 3 })),
    ];
    assert.deepEqual(
      sortByRank(items).map((r) => r.candidate.id),
      ['z', 'a', 'b', 'd', 'c'],
    );
    assert.ok(compareRank(items[2], items[1]) < 0);
  });
});
