import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { loadBenchmarks } from '../../electron/engine/curate/benchmarks.js';
import { applyBudget } from '../../electron/engine/curate/budget.js';
import { parseExportRule, type ExportCandidate, type ExportRuleInput } from '../../electron/engine/curate/candidate.js';
import { decontaminate } from '../../electron/engine/curate/decontaminate.js';
import { exactDedup, nearDedupEmbeddings } from '../../electron/engine/curate/dedup.js';
import { runExport, type RunExportOptions } from '../../electron/engine/curate/export-run.js';
import { mulberry32, seededShuffle } from '../../electron/engine/curate/hashing.js';
import { decideSample, selectCandidate, type RankedCandidate } from '../../electron/engine/curate/select.js';

const SOLUTION = `    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True

    return False
`;

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function vec(rand: () => number, dim = 32): Float32Array {
  return Float32Array.from({ length: dim }, () => rand() * 2 - 1);
}

/** 60 labeled samples plus planted exact dup, near dup, benchmark copy and unlabeled rows. */
function buildCandidates(): ExportCandidate[] {
  const rand = mulberry32(2024);
  const out: ExportCandidate[] = [];
  const make = (text: string, o: Partial<ExportCandidate>): ExportCandidate => ({
    id: sha(text).slice(0, 32),
    text,
    language: 'python',
    source: 'stack',
    repo: 'org/repo',
    path: null,
    tokens: 20 + Math.floor(rand() * 80),
    llmScore: null,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: vec(rand),
    metadata: {},
    ...o,
  });
  for (let i = 0; i < 60; i++) {
    const text = `def f_${i}(x):\n    """Return x scaled by ${i}."""\n    return x * ${i} + ${i % 7}\n`;
    const kind = i % 4;
    out.push(
      make(text, {
        path: `src/f_${i}.py`,
        source: i % 3 === 0 ? 'so' : 'stack',
        humanScore: kind === 0 ? i % 6 : null,
        llmScore: kind <= 1 ? (i * 7) % 6 : null,
        classifierScore: kind === 2 ? ((i * 37) % 100) / 100 : null,
        llmKeep: kind === 3 ? i % 8 === 3 : null,
      }),
    );
  }
  const base = out[5];
  // Same content, so the same embedding; a human label makes it outrank the original.
  out.push(make(base.text.replace(/\n/g, '\r\n'), { humanScore: 4, embedding: base.embedding, path: 'dup/exact.py' }));
  const nearEmb = Float32Array.from(base.embedding as Float32Array, (x) => x + (rand() - 0.5) * 0.02);
  out.push(make(base.text.replace('scaled', 'multiplied'), { llmScore: 3, embedding: nearEmb, path: 'dup/near.py' }));
  out.push(make(`import math\n\ndef close(numbers, threshold):\n${SOLUTION}`, { llmScore: 5, path: 'leak.py' }));
  out.push(make('def unlabeled():\n    pass\n', { path: 'none.py' }));
  return out;
}

const RULE: ExportRuleInput = { minScore: 3, minProb: 0.6, nearDup: 0.95, budgetTokens: 1500 };

let root = '';
let bench = '';
let candidates: ExportCandidate[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tbs-export-'));
  bench = join(root, 'humaneval.jsonl');
  await writeFile(
    bench,
    `${JSON.stringify({ task_id: 'HumanEval/0', prompt: 'def has_close_elements(numbers, threshold):\n', canonical_solution: SOLUTION })}\nnot json\n`,
  );
  candidates = buildCandidates();
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(outDir: string, o: Partial<RunExportOptions> = {}): RunExportOptions {
  return {
    candidates,
    rule: RULE,
    outDir,
    format: 'parquet',
    benchmarks: [bench],
    provenance: { llmModels: ['gpt-4o'], classifier: { modelId: 'rf-1', metrics: { f1: 0.8 } }, toolVersion: '0.1.0' },
    now: () => new Date('2025-01-02T03:04:05Z'),
    ...o,
  };
}

/** The selection computed step by step with the same building blocks, for comparison. */
async function expectedSelection(): Promise<RankedCandidate[]> {
  const rule = parseExportRule(RULE);
  const selected = candidates.map((c) => selectCandidate(c, rule)).flatMap((s) => ('kept' in s ? [s.kept] : []));
  const exact = exactDedup(selected);
  const near = nearDedupEmbeddings(exact.kept, { threshold: 0.95 });
  const decon = await decontaminate(near.kept, (await loadBenchmarks([bench])).items, { ngram: 13, cosine: null });
  return applyBudget(decon.kept, rule.budgetTokens, null).kept;
}

async function siblings(): Promise<string[]> {
  return (await readdir(root)).filter((n) => n.includes('.tmp-') || n.includes('.old-'));
}

async function dataHashes(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(join(dir, 'data'))).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, sha(await readFile(join(dir, 'data', n)))])));
}

describe('runExport', () => {
  it('writes Parquet that reads back as exactly the selection', async () => {
    const out = join(root, 'parquet');
    const res = await runExport(options(out));
    assert.deepEqual(
      res.funnel.map((f) => f.step),
      ['input', 'filtered', 'selected', 'exact-dup', 'near-dup', 'decontaminated', 'budget'],
    );
    assert.equal(res.funnel[0].samples, candidates.length);
    const expected = await expectedSelection();
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(join(out, 'data', 'train-00000-of-00001.parquet')),
    });
    assert.deepEqual(
      rows.map((r) => r.id),
      expected.map((r) => r.candidate.id).sort(),
    );
    assert.equal(rows.length, res.funnel[6].samples);
    const rule = parseExportRule(RULE);
    const byId = new Map(candidates.map((c) => [c.id, c]));
    const byPath = (p: string) => candidates.find((c) => c.path === p)?.id;
    for (const row of rows) {
      const c = byId.get(row.id as string) as ExportCandidate;
      const d = decideSample(c, rule);
      assert.deepEqual(row, {
        id: c.id,
        text: c.text,
        language: c.language,
        source: c.source,
        repo: c.repo,
        path: c.path,
        tokens: c.tokens,
        effective_score: d.value,
        decided_by: d.tier,
        llm_score: c.llmScore,
        human_score: c.humanScore,
        classifier_score: c.classifierScore,
      });
    }
    assert.ok(rows.reduce((a, r) => a + (r.tokens as number), 0) <= 1500);
    assert.ok(res.funnel[6].removed > 0, 'the budget must bind in this fixture');
    // Planted: the CRLF copy outranks the original (human tier), the near copy and the leak are gone.
    const paths = new Set(rows.map((r) => r.path));
    assert.ok(!paths.has('dup/near.py') && !paths.has('leak.py') && !paths.has('src/f_5.py'), [...paths].join(','));
    assert.ok(paths.has('dup/exact.py'));
    assert.ok(
      res.clusters.some((c) => c.method === 'embedding' && c.removedIds.includes(byPath('dup/near.py') as string)),
    );
    assert.equal(res.contaminated.length, 1);
    assert.equal(res.contaminated[0].matches[0].itemId, 'HumanEval/0');
    assert.deepEqual(
      res.benchmarkErrors.map((e) => e.line),
      [2],
    );
    assert.ok(res.clusters.some((c) => c.method === 'exact' && c.removedIds.includes(candidates[5].id)));
    assert.equal(res.dropReasons.unlabeled, 1);
    assert.equal(res.histogram.human.total + res.histogram.llm.total + res.histogram.classifier.total, rows.length);
    assert.deepEqual(await siblings(), []);
  });

  it('writes a dataset card and a manifest whose checksums match the files', async () => {
    const out = join(root, 'parquet');
    const card = await readFile(join(out, 'README.md'), 'utf8');
    assert.match(
      card,
      /^---\nconfigs:\n- config_name: default\n {2}data_files:\n {2}- split: train\n {4}path: "data\/train-\*"\n/,
    );
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.createdAt, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(manifest.precedence, ['human', 'llm', 'classifier']);
    assert.equal(manifest.thresholds.classifierCut, 0.6);
    assert.deepEqual(manifest.provenance.llmModels, ['gpt-4o']);
    assert.equal(manifest.provenance.classifier.modelId, 'rf-1');
    assert.equal(manifest.decontamination.matches.length, 1);
    for (const f of manifest.files as { path: string; sha256: string; bytes: number }[]) {
      const buf = await readFile(join(out, f.path));
      assert.equal(f.sha256, sha(buf), f.path);
      assert.equal(f.bytes, buf.length);
    }
    assert.ok(manifest.files.some((f: { path: string }) => f.path === 'data/train-00000-of-00001.parquet'));
  });

  it('gives byte-identical data files for the same inputs in any order', async () => {
    const a = join(root, 'same-a');
    const b = join(root, 'same-b');
    await runExport(options(a, { now: () => new Date() }));
    await runExport(options(b, { candidates: seededShuffle(candidates, 77), now: () => new Date(Date.now() + 5000) }));
    assert.deepEqual(await dataHashes(b), await dataHashes(a));
    assert.equal(await readFile(join(b, 'README.md'), 'utf8'), await readFile(join(a, 'README.md'), 'utf8'));
    const gzA = join(root, 'same-gz-a');
    const gzB = join(root, 'same-gz-b');
    await runExport(options(gzA, { format: 'jsonl.gz', shardBytes: 3000 }));
    await runExport(options(gzB, { format: 'jsonl.gz', shardBytes: 3000, candidates: seededShuffle(candidates, 5) }));
    assert.deepEqual(await dataHashes(gzB), await dataHashes(gzA));
  });

  it('shards gzip JSONL under HF names, ordered by id', async () => {
    const out = join(root, 'jsonl');
    const res = await runExport(options(out, { format: 'jsonl.gz', shardBytes: 2000 }));
    const names = (await readdir(join(out, 'data'))).sort();
    assert.ok(names.length > 1);
    names.forEach((n, i) =>
      assert.equal(n, `train-${String(i).padStart(5, '0')}-of-${String(names.length).padStart(5, '0')}.jsonl.gz`),
    );
    const rows = [];
    for (const n of names) {
      const lines = gunzipSync(await readFile(join(out, 'data', n)))
        .toString('utf8')
        .split('\n')
        .filter(Boolean);
      rows.push(...lines.map((l) => JSON.parse(l)));
    }
    const ids = rows.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(rows.length, res.funnel[6].samples);
    assert.deepEqual(Object.keys(rows[0]), [
      'id',
      'text',
      'language',
      'source',
      'repo',
      'path',
      'tokens',
      'effective_score',
      'decided_by',
      'llm_score',
      'human_score',
      'classifier_score',
    ]);
  });

  it('refuses a non-empty output folder; overwrite replaces only a previous export, whole', async () => {
    const out = join(root, 'occupied');
    await mkdir(out);
    await writeFile(join(out, 'keep-me.txt'), 'precious');
    await assert.rejects(runExport(options(out)), /not empty/);
    await assert.rejects(runExport(options(out, { overwrite: true })), /not a previous Textbook Studio export/);
    assert.deepEqual(await readdir(out), ['keep-me.txt']);
    assert.deepEqual(await siblings(), []);
    const prev = join(root, 'previous');
    await runExport(options(prev));
    await writeFile(join(prev, 'stray.txt'), 'left by hand');
    await runExport(options(prev, { overwrite: true }));
    assert.deepEqual((await readdir(prev)).sort(), ['README.md', 'data', 'manifest.json', 'reports']);
    assert.deepEqual(await siblings(), []);
  });

  it('an empty output folder is fine without overwrite', async () => {
    const out = join(root, 'empty');
    await mkdir(out);
    const res = await runExport(options(out));
    assert.ok(res.manifestPath && existsSync(res.manifestPath));
  });

  it('cancelling leaves neither the output nor a temp folder', async () => {
    for (const phase of ['near-dup', 'write'] as const) {
      const out = join(root, `cancelled-${phase}`);
      const ctrl = new AbortController();
      await assert.rejects(
        runExport(
          options(out, {
            shardBytes: 500,
            signal: ctrl.signal,
            onProgress: (p) => {
              if (p.phase === phase) ctrl.abort();
            },
          }),
        ),
        (err: Error) => err.name === 'AbortError',
      );
      assert.equal(existsSync(out), false, phase);
      assert.deepEqual(await siblings(), [], phase);
    }
  });

  it('a dry run computes the same funnel and histogram without touching the disk', async () => {
    const out = join(root, 'dry');
    const dry = await runExport(options(out, { dryRun: true }));
    const real = await runExport(options(join(root, 'real')));
    assert.equal(existsSync(out), false);
    assert.deepEqual(dry.funnel, real.funnel);
    assert.deepEqual(dry.histogram, real.histogram);
    assert.equal(dry.manifestPath, null);
    assert.deepEqual(dry.files, []);
  });

  it('writes a valid empty dataset when nothing is selected', async () => {
    const out = join(root, 'nothing');
    const res = await runExport(options(out, { rule: { precedence: ['classifier'], minProb: 1 }, benchmarks: [] }));
    assert.equal(res.funnel[6].samples, 0);
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(join(out, 'data', 'train-00000-of-00001.parquet')),
    });
    assert.deepEqual(rows, []);
  });
});
