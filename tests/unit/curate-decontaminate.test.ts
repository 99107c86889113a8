import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import {
  BenchmarkLoadError,
  loadBenchmarks,
  parseBenchmarkFields,
  parseBenchmarkSpec,
  type BenchmarkItem,
} from '../../electron/engine/curate/benchmarks.js';
import type { ExportCandidate } from '../../electron/engine/curate/candidate.js';
import { codeTokens, decontaminate, NgramIndex } from '../../electron/engine/curate/decontaminate.js';
import { fnv1a32 } from '../../electron/engine/curate/hashing.js';
import type { RankedCandidate } from '../../electron/engine/curate/select.js';
import { SYNTAX_MATCH_DEFAULTS } from '../../electron/engine/curate/syntax-match.js';
import { programOf, reformattedCopy, renamedCopy, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { STDLIB } from '../support/temp.ts';

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

const HE = TEAM_ITEMS.slice(0, 6);
/** MBPP-style rows (team-written): text, code, test_list, test_setup_code. */
const MBPP_ROWS = [
  {
    task_id: 901,
    text: 'Write a function to count the words of a sentence that start with a capital letter.',
    code: 'def count_capitalized(sentence):\n    total = 0\n    for word in sentence.split():\n        if word[:1].isupper():\n            total += 1\n    return total\n',
    test_setup_code: '',
    test_list: ['assert count_capitalized("The Big dog") == 2', 'assert count_capitalized("") == 0'],
  },
];

let dir = '';
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tbs-decon-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('benchmarks as shipped', () => {
  it('reads .jsonl, .jsonl.gz, .json arrays, Parquet and folders, named by stem or name=path', async () => {
    await writeFile(join(dir, 'team-he.jsonl.gz'), gzipSync(jsonl(HE)));
    await writeFile(join(dir, 'team-mbpp.json'), JSON.stringify(MBPP_ROWS));
    const shards = join(dir, 'hub-copy');
    await mkdir(shards);
    parquetWriteFile({
      filename: join(shards, 'test-00000-of-00001.parquet'),
      columnData: (['task_id', 'prompt', 'canonical_solution', 'test', 'entry_point'] as const).map((name) => ({
        name,
        data: HE.map((t) => t[name]),
        type: 'STRING' as const,
      })),
    });
    const { items, benchmarks, errors } = await loadBenchmarks([
      join(dir, 'team-he.jsonl.gz'),
      `mb=${join(dir, 'team-mbpp.json')}`,
      shards,
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      benchmarks.map((b) => [b.name, b.items]),
      [
        ['team-he', 6],
        ['mb', 1],
        ['hub-copy', 6],
      ],
    );
    const he0 = items.find((i) => i.benchmark === 'hub-copy' && i.itemId === HE[0].task_id)!;
    assert.equal(he0.code, programOf(HE[0]), 'HumanEval prompt + canonical_solution is the program');
    assert.equal(he0.file, 'test-00000-of-00001.parquet');
    const mb = items.find((i) => i.benchmark === 'mb')!;
    assert.equal(mb.itemId, '901');
    assert.equal(mb.code, MBPP_ROWS[0].code);
    assert.ok(mb.segments.some((s) => s.includes('assert count_capitalized("The Big dog") == 2')));
    assert.ok(mb.segments.includes(MBPP_ROWS[0].text));
  });

  it('maps other layouts with --benchmark-fields', async () => {
    const f = join(dir, 'custom.jsonl');
    await writeFile(f, jsonl([{ pid: 'c-1', body: 'def f(q):\n    return q * 2\n', checks: ['assert f(2) == 4'] }]));
    await assert.rejects(loadBenchmarks([f]), (e: BenchmarkLoadError) => {
      assert.match(e.message, /custom\.jsonl:1: no usable items.*--benchmark-fields/s);
      return true;
    });
    const { items } = await loadBenchmarks([f], { fields: parseBenchmarkFields('id=pid,code=body,tests=checks') });
    assert.deepEqual(
      items.map((i) => [i.itemId, i.code, i.segments.length]),
      [['c-1', 'def f(q):\n    return q * 2\n', 2]],
    );
    assert.throws(() => parseBenchmarkFields('code'), /ROLE=FIELD/);
    assert.deepEqual(parseBenchmarkSpec('/x/HumanEval.jsonl.gz'), { name: 'HumanEval', path: '/x/HumanEval.jsonl.gz' });
  });

  it('fails loud on a missing file, a zero-item file, a garbage file and too many bad lines', async () => {
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '\n\n');
    const garbage = join(dir, 'garbage.jsonl.gz');
    await writeFile(garbage, Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 97) % 256)));
    const gzAsText = join(dir, 'HumanEvalText.jsonl');
    await writeFile(gzAsText, 'x\u0000\u0001\u0002garbage\nnot json either\n');
    const mostlyBad = join(dir, 'mostly-bad.jsonl');
    await writeFile(mostlyBad, jsonl(HE.slice(0, 3)) + '{"task_id": "x", "prompt": "def broken(\n' + '{nope\n');
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.jsonl'), /missing\.jsonl: cannot read: ENOENT/],
      [empty, /empty\.jsonl: no items \(the file is empty\)/],
      [garbage, /garbage\.jsonl\.gz(:\d+)?: (cannot read|no usable items)/],
      [gzAsText, /HumanEvalText\.jsonl:1: no usable items in 2 lines; first problem: invalid JSON/],
      [mostlyBad, /mostly-bad\.jsonl:4: 2 of 5 lines unusable/],
    ];
    for (const [file, re] of cases) {
      await assert.rejects(loadBenchmarks([file]), (e: Error) => {
        assert.ok(e instanceof BenchmarkLoadError, String(e));
        assert.equal(e.code, 'invalid_input');
        assert.match(e.message, re);
        return true;
      });
    }
    // Allowed: the errors are returned (for the manifest) and the good items still load.
    const res = await loadBenchmarks([mostlyBad, empty], { allowErrors: true });
    assert.equal(res.items.length, 3);
    assert.deepEqual(
      res.errors.filter((e) => e.fatal).map((e) => [e.benchmark, e.line]),
      [
        ['mostly-bad', 4],
        ['empty', null],
      ],
    );
  });
});

describe('matching', () => {
  let items: BenchmarkItem[] = [];
  before(async () => {
    const f = join(dir, 'team.jsonl');
    await writeFile(f, jsonl(TEAM_ITEMS));
    items = (await loadBenchmarks([f])).items;
  });

  it('tokenizes whitespace- and case-insensitively; punctuation runs are one token', () => {
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
    assert.deepEqual(codeTokens('# ==============\nx == y'), ['#', '==============', 'x', '==', 'y']);
  });

  it('catches exact, renamed and reformatted copies planted in real stdlib code, each by the right method', async () => {
    const host = (await readFile(join(STDLIB, 'textwrap.py'), 'utf8')).split('\n');
    // Planted between two top-level definitions, the way a copied function sits in a real file.
    const at = host.findIndex((l, i) => i > 40 && /^(def|class) /.test(l));
    const plant = (copy: string) => [...host.slice(0, at), copy, '', ...host.slice(at)].join('\n');
    const samples: RankedCandidate[] = [];
    TEAM_ITEMS.forEach((t, i) => {
      samples.push(ranked(`exact-${i}`, plant(programOf(t))));
      samples.push(ranked(`renamed-${i}`, plant(renamedCopy(t))));
      samples.push(ranked(`reformatted-${i}`, plant(reformattedCopy(t))));
    });
    samples.push(ranked('clean', host.join('\n')));
    const ngramOnly = await decontaminate(samples, items, { ngram: 13, cosine: null });
    const caught = (r: typeof ngramOnly, kind: string) =>
      r.dropped.filter((d) => d.sampleId.startsWith(kind + '-')).length;
    assert.equal(caught(ngramOnly, 'exact'), TEAM_ITEMS.length);
    assert.ok(caught(ngramOnly, 'reformatted') < TEAM_ITEMS.length / 2, '13-grams alone miss most reformatted copies');

    const res = await decontaminate(samples, items, { ngram: 13, cosine: null, ast: SYNTAX_MATCH_DEFAULTS });
    assert.equal(caught(res, 'exact'), TEAM_ITEMS.length);
    assert.equal(caught(res, 'renamed'), TEAM_ITEMS.length);
    assert.equal(caught(res, 'reformatted'), TEAM_ITEMS.length);
    assert.deepEqual(
      res.kept.map((r) => r.candidate.id),
      ['clean'],
    );
    const byId = new Map(res.dropped.map((d) => [d.sampleId, d.matches]));
    const ref = byId.get('reformatted-1')!;
    const astMatch = ref.find((m) => m.method === 'ast')!;
    assert.equal(astMatch.itemId, TEAM_ITEMS[1].task_id);
    assert.equal(astMatch.benchmark, 'team');
    const text = plant(reformattedCopy(TEAM_ITEMS[1]));
    assert.equal(text.slice(...astMatch.sampleSpan!), astMatch.evidence);
    assert.match(astMatch.evidence!, /merged_impl/, 'the evidence is the renamed copy');
    assert.match(programOf(TEAM_ITEMS[1]).slice(...astMatch.itemSpan!), /merged\.append/);
    const exact = byId.get('exact-0')![0];
    assert.equal(exact.method, 'ngram');
    assert.equal(exact.evidence?.split(' ').length, 13);
    assert.equal(codeTokens(plant(programOf(TEAM_ITEMS[0])).slice(...exact.sampleSpan!)).join(' '), exact.evidence);
  });

  it('does not flag real stdlib modules that hold no copy', async () => {
    const files = (await readdir(STDLIB)).filter((f) => f.endsWith('.py')).slice(0, 40);
    const samples = await Promise.all(files.map(async (f) => ranked(f, await readFile(join(STDLIB, f), 'utf8'))));
    const res = await decontaminate(samples, items, { ngram: 13, cosine: null, ast: SYNTAX_MATCH_DEFAULTS });
    assert.deepEqual(
      res.dropped.map((d) => d.sampleId),
      [],
    );
  });

  it('uses the configured n-gram length', () => {
    const probe = 'for start, end in ordered:\n  pass';
    assert.ok(new NgramIndex(items, 6).match(probe).has(1));
    assert.equal(new NgramIndex(items, 13).match(probe).size, 0);
  });

  it('drops by embedding cosine against benchmark items when asked', async () => {
    const [vec] = await embedText([items[0].text]);
    const close = Float32Array.from(vec, (x, k) => x + (k % 7 === 0 ? 0.05 : 0));
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
    const [m] = res.dropped[0].matches;
    assert.equal(m.method, 'embedding');
    assert.equal(m.itemId, TEAM_ITEMS[0].task_id);
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
});

it('syntax units: one per function, nested ones in their own unit and their parent, names numbered per unit', async () => {
  const { getPythonParser, syntaxUnits } = await import('../../electron/engine/curate/syntax-tokens.js');
  const parser = await getPythonParser();
  const src = [
    'def outer(a, b=(1,)):',
    '    """Docstring, dropped."""',
    '    def inner(c):',
    '        return (c + a)  # comment',
    '    x = [inner(a), b,]',
    '    return x.append',
    '',
  ].join('\n');
  const units = syntaxUnits(parser, src);
  assert.equal(units.length, 2);
  const [outer, inner] = units.map((u) => u.tokens.join(' '));
  assert.equal(
    outer,
    'def $0 ( $1 , $2 = ( n:1 ) ) : { def $3 ( $4 ) : { return $4 + $1 } $5 = [ $3 ( $1 ) , $2 ] return $5 . append }',
  );
  assert.equal(inner, 'def $0 ( $1 ) : { return $1 + $2 }');
  // Offsets point into the source.
  const u = units[1];
  assert.equal(src.slice(u.starts[0], u.ends[0]), 'def');
  assert.equal(src.slice(u.starts[u.tokens.indexOf('+')], u.ends[u.tokens.indexOf('+')]), '+');
  // No function: the module is the unit; a text that does not parse at all gives [].
  assert.deepEqual(
    syntaxUnits(parser, 'x = 1\n').map((v) => v.tokens),
    [['$0', '=', 'n:1']],
  );
});

it('syntax units: the keyword fast path gives the tokens and offsets of the general path, on real code and on traps', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { getPythonParser, syntaxUnits, syntaxUnitsGeneral } =
    await import('../../electron/engine/curate/syntax-tokens.js');
  const parser = await getPythonParser();
  const traps = [
    // A comment holding the next token's text, between two punctuation tokens.
    'def f(a):\n    return g(  # )\n        a)\n',
    // Line continuations, `not in` / `is not` (aliased two-word operators), walrus, f-strings.
    'def f(a, b):\n    if a not in b and \\\n       a is not None:\n        return (y := f"{a!r:>{b}}")\n',
    // A docstring holding the next keyword, decorators, lambda, star-args, a trailing comma.
    '@dec(1)\ndef f(*a, **k):\n    """return def ( ) :"""\n    return lambda x: (x, a, k,)\n',
    // Does not parse cleanly: the general path only (MISSING and ERROR nodes).
    'def f(a:\n    return (a +\n',
  ];
  const dir = join(STDLIB, 'email');
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.py'))
    .map((n) => readFileSync(join(dir, n), 'utf8'));
  let tokens = 0;
  for (const text of [...traps, ...files]) {
    const fast = syntaxUnits(parser, text);
    const general = syntaxUnitsGeneral(parser, text);
    assert.deepEqual(fast, general, text.slice(0, 60));
    for (const u of fast) tokens += u.tokens.length;
  }
  assert.ok(tokens > 20000, `${tokens} tokens compared`);
  // The comment trap: the closing parenthesis is the real one, on the next line.
  const [unit] = syntaxUnits(parser, traps[0]);
  const close = unit.tokens.lastIndexOf(')');
  assert.equal(unit.starts[close], traps[0].lastIndexOf(')'));
});

it('with more items than an exhaustive search covers, embedding matches do not depend on how samples are batched', async () => {
  const { ContaminationMatcher, EXHAUSTIVE_ITEMS } = await import('../../electron/engine/curate/decontaminate.js');
  const { mulberry32 } = await import('../../electron/engine/classify/prng.js');
  const rand = mulberry32(23);
  const dim = 32;
  const unit = (v: Float32Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const nItems = EXHAUSTIVE_ITEMS + 200;
  const vectors = new Map<string, Float32Array>();
  const items: BenchmarkItem[] = Array.from({ length: nItems }, (_, k) => {
    const text = `item ${k}`;
    vectors.set(text, unit(Float32Array.from({ length: dim }, gauss)));
    return { benchmark: 'b', file: 'b.jsonl', itemId: `i${k}`, line: k + 1, segments: [text], code: '', text };
  });
  // Samples just above the threshold from an item: the pairs an LSH proposer may miss.
  const samples = Array.from({ length: 2000 }, (_, s) => {
    const base = vectors.get(`item ${(s * 7) % nItems}`)!;
    const noise = unit(Float32Array.from({ length: dim }, gauss));
    const t = 0.3 + 0.02 * rand();
    return { id: `s${s}`, text: `sample ${s}`, embedding: unit(base.map((x, k) => x + t * noise[k])) };
  });
  const embedText = async (texts: string[]) => texts.map((t) => vectors.get(t)!);
  const matcher = await ContaminationMatcher.create(items, { ngram: 13, cosine: 0.95, embedText });
  const flagged = (m: Map<number, { method: string; itemId: string; similarity: number | null }[]>, offset: number) =>
    [...m].flatMap(([s, ms]) => ms.map((x) => `${s + offset} ${x.method} ${x.itemId} ${x.similarity}`));
  const whole = flagged(await matcher.match(samples), 0);
  const sliced: string[] = [];
  for (let at = 0; at < samples.length; at += 37)
    sliced.push(...flagged(await matcher.match(samples.slice(at, at + 37)), at));
  assert.ok(whole.length > 500, `${whole.length} matches`);
  assert.deepEqual(sliced, whole);
});

it('a gram filter never hides a gram of its set, and skips most others', async () => {
  const { forEachNgram, GramFilter } = await import('../../electron/engine/curate/hashing.js');
  const { readFileSync } = await import('node:fs');
  const tokens = codeTokens(readFileSync(join(STDLIB, 'json', 'decoder.py'), 'utf8'));
  const all: [number, number][] = [];
  forEachNgram(tokens, 5, (start, key) => all.push([start, key]));
  const wanted = new Set(all.filter((_, k) => k % 50 === 0).map(([, key]) => key));
  const filter = new GramFilter(wanted, wanted.size);
  const seen: [number, number][] = [];
  forEachNgram(tokens, 5, (start, key) => seen.push([start, key]), filter);
  // Same keys at the same offsets for what passes, every wanted gram among them.
  const allByStart = new Map(all);
  for (const [start, key] of seen) assert.equal(allByStart.get(start), key);
  const passed = new Set(seen.map(([, key]) => key));
  for (const key of wanted) assert.ok(passed.has(key), `gram ${key} hidden`);
  assert.ok(seen.length < all.length / 5, `${seen.length} of ${all.length} grams passed`);
});
