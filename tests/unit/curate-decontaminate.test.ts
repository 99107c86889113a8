import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBenchmarks, parseBenchmarkJsonl, type BenchmarkItem } from '../../electron/engine/curate/benchmarks.js';
import type { ExportCandidate } from '../../electron/engine/curate/candidate.js';
import { codeTokens, decontaminate, NgramIndex } from '../../electron/engine/curate/decontaminate.js';
import { fnv1a32 } from '../../electron/engine/curate/hashing.js';
import type { RankedCandidate } from '../../electron/engine/curate/select.js';

const HE_PROMPT = `from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    """ Check if in given list of numbers, are any two numbers closer to each other than
    given threshold.
    >>> has_close_elements([1.0, 2.0, 3.0], 0.5)
    False
    """
`;
const HE_SOLUTION = `    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True

    return False
`;
const MBPP_CODE =
  'def remove_Occ(s,ch): \r\n    for i in range(len(s)): \r\n        if (s[i] == ch): \r\n            s = s[0 : i] + s[i + 1:] \r\n            break\r\n    return s ';

function ranked(id: string, text: string, o: Partial<ExportCandidate> = {}): RankedCandidate {
  const candidate: ExportCandidate = {
    id,
    text,
    language: 'python',
    source: 'stack',
    repo: null,
    path: null,
    tokens: 10,
    llmScore: 4,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: null,
    metadata: {},
    ...o,
  };
  return { candidate, tier: 'llm', tierIndex: 1, value: 4 };
}

/** A deterministic toy embedder: hashed character trigrams into 64 dims. */
async function embedText(texts: string[]): Promise<Float32Array[]> {
  return texts.map((t) => {
    const v = new Float32Array(64);
    const s = t.toLowerCase().replace(/\s+/g, ' ');
    for (let i = 0; i + 3 <= s.length; i++) v[fnv1a32(s.slice(i, i + 3)) % 64] += 1;
    return v;
  });
}

let dir = '';
let heFile = '';
let mbppFile = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tbs-decon-'));
  heFile = join(dir, 'humaneval.jsonl');
  mbppFile = join(dir, 'mbpp.jsonl');
  const he = [
    JSON.stringify({
      task_id: 'HumanEval/0',
      prompt: HE_PROMPT,
      canonical_solution: HE_SOLUTION,
      test: 'def check(candidate):\n    assert candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3) == True\n',
      entry_point: 'has_close_elements',
    }),
    '{"task_id": "HumanEval/1", "prompt": "def broken(',
    JSON.stringify({ task_id: 'HumanEval/2', entry_point: 'nothing_useful' }),
    '',
    JSON.stringify(['not', 'an', 'object']),
  ];
  await writeFile(heFile, `${he.join('\n')}\n`);
  const mbpp = [
    JSON.stringify({
      text: 'Write a python function to remove first and last occurrence of a given character from the string.',
      code: MBPP_CODE,
      task_id: 11,
      test_setup_code: '',
      test_list: ['assert remove_Occ("hello","l") == "heo"', 'assert remove_Occ("abcda","a") == "bcd"'],
    }),
  ];
  await writeFile(mbppFile, `${mbpp.join('\n')}\n`);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('benchmark loading', () => {
  it('reads HumanEval and MBPP rows and reports bad lines by file and line', async () => {
    const { items, errors } = await loadBenchmarks([heFile, mbppFile]);
    assert.deepEqual(
      items.map((i) => [i.file, i.itemId, i.line]),
      [
        ['humaneval.jsonl', 'HumanEval/0', 1],
        ['mbpp.jsonl', '11', 1],
      ],
    );
    assert.deepEqual(
      errors.map((e) => [e.file, e.line]),
      [
        [heFile, 2],
        [heFile, 3],
        [heFile, 5],
      ],
    );
    assert.match(errors[0].message, /invalid JSON/);
    assert.match(errors[1].message, /no benchmark text/);
    assert.match(errors[2].message, /JSON object/);
    // HumanEval prompt + solution form one program; MBPP fields stay separate.
    assert.equal(items[0].segments[0], HE_PROMPT + HE_SOLUTION);
    assert.equal(items[1].segments.length, 3);
  });

  it('refuses a benchmark file that cannot be read', async () => {
    await assert.rejects(loadBenchmarks([join(dir, 'missing.jsonl')]), /cannot read benchmark file/);
  });

  it('tokenizes whitespace- and case-insensitively', () => {
    assert.deepEqual(codeTokens('If  X>=10:\n\treturn  foo_bar(1.5)'), [
      'if',
      'x',
      '>',
      '=',
      '10',
      ':',
      'return',
      'foo_bar',
      '(',
      '1',
      '.',
      '5',
      ')',
    ]);
  });
});

describe('decontaminate', () => {
  let items: BenchmarkItem[] = [];
  before(async () => {
    items = (await loadBenchmarks([heFile, mbppFile])).items;
  });

  it('drops a planted copy inside a bigger sample, but not neighbours sharing only short n-grams', async () => {
    const planted = `import math\n\ndef helper(x):\n    return math.sqrt(x)\n\n${HE_SOLUTION.replace(/    /g, '\t').toUpperCase()}\n\nclass Other:\n    pass\n`;
    const neighbour = `def count_pairs(numbers):\n    total = 0\n    for idx, elem in enumerate(numbers):\n        total += elem\n    return False\n`;
    const mbppCopy = `# utility\n${MBPP_CODE.replace(/\r\n/g, '\n')}\nprint(remove_Occ("hello", "l"))\n`;
    const clean = 'def add(a, b):\n    return a + b\n';
    const res = await decontaminate(
      [ranked('p', planted), ranked('n', neighbour), ranked('m', mbppCopy), ranked('c', clean)],
      items,
      { ngram: 13, cosine: null },
    );
    assert.deepEqual(res.kept.map((r) => r.candidate.id).sort(), ['c', 'n']);
    const byId = new Map(res.dropped.map((d) => [d.sampleId, d.matches]));
    assert.deepEqual(
      byId.get('p')?.map((m) => [m.file, m.itemId, m.method]),
      [['humaneval.jsonl', 'HumanEval/0', 'ngram']],
    );
    assert.equal(byId.get('p')?.[0].evidence?.split(' ').length, 13);
    assert.deepEqual(
      byId.get('m')?.map((m) => m.itemId),
      ['11'],
    );
  });

  it('uses the configured n-gram length', () => {
    const index = new NgramIndex(items, 8);
    assert.ok(index.match('for idx, elem in enumerate(numbers):\n  pass').has(0));
    assert.equal(new NgramIndex(items, 13).match('for idx, elem in enumerate(numbers):\n  pass').size, 0);
  });

  it('drops by embedding cosine against benchmark items when asked', async () => {
    const [heVec] = await embedText([items[0].text]);
    const close = Float32Array.from(heVec, (x, k) => x + (k % 7 === 0 ? 0.05 : 0));
    const res = await decontaminate(
      [
        ranked('e', 'completely different words here', { embedding: close }),
        ranked('c', 'def add(a, b):\n    return a + b\n'),
      ],
      items,
      { ngram: 13, cosine: 0.95, embedText },
    );
    assert.deepEqual(
      res.kept.map((r) => r.candidate.id),
      ['c'],
    );
    assert.equal(res.dropped.length, 1);
    const [m] = res.dropped[0].matches;
    assert.equal(m.method, 'embedding');
    assert.equal(m.itemId, 'HumanEval/0');
    assert.ok((m.similarity ?? 0) >= 0.95);
  });

  it('requires an embedder for the cosine check and matching dimensions', async () => {
    await assert.rejects(decontaminate([ranked('a', 'x')], items, { ngram: 13, cosine: 0.9 }), /embedText/);
    await assert.rejects(
      decontaminate([ranked('a', 'x', { embedding: new Float32Array(3).fill(1) })], items, {
        ngram: 13,
        cosine: 0.9,
        embedText,
      }),
      /dimensions/,
    );
  });

  it('parses benchmark text directly with the same rules', () => {
    const { items: parsed, errors } = parseBenchmarkJsonl('{"id": 7, "code": "x = 1"}\n\n{bad\n', 'b.jsonl');
    assert.deepEqual(
      parsed.map((p) => p.itemId),
      ['7'],
    );
    assert.deepEqual(
      errors.map((e) => e.line),
      [3],
    );
  });
});

it('banner lines of repeated punctuation are one token, so they never make a 13-gram match on their own', () => {
  assert.deepEqual(codeTokens('print("=" * 3)\n# ==============\nx == y'), [
    'print',
    '(',
    '"',
    '=',
    '"',
    '*',
    '3',
    ')',
    '#',
    '==============',
    'x',
    '==',
    'y',
  ]);
});
