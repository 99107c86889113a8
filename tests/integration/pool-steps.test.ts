import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ExportCandidate } from '../../electron/engine/curate/candidate.ts';
import { nearDedupMinhash } from '../../electron/engine/curate/minhash.ts';
import type { RankedCandidate } from '../../electron/engine/curate/select.ts';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { countTokensExactly, TokenCounter } from '../../electron/engine/ingest/token-count.ts';
import { createCpuPool } from '../../electron/engine/workers/cpu-pool.ts';
import { loadBenchmarks } from '../../electron/engine/curate/benchmarks.ts';
import { ContaminationMatcher, pooledTextMatches } from '../../electron/engine/curate/decontaminate.ts';
import { SYNTAX_MATCH_DEFAULTS } from '../../electron/engine/curate/syntax-match.ts';
import { corpus, jsonl, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

// A few hundred real stdlib files, chunked into functions.
const INPUTS = ['email', 'json', 'asyncio', 'logging', 'unittest', 'xml', 'http', 'multiprocessing'].map((d) =>
  join(STDLIB, d),
);

test('exact token counts and MinHash candidates are identical with 1 and 2 workers on real code', async () => {
  const dir = await tempDir();
  const counts: string[][] = [];
  const dedups: unknown[] = [];
  let texts: { id: string; text: string }[] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    assert.equal(pool.workers, workers);
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    try {
      const imp = await importPaths(engine.store, INPUTS, { chunk: 'function', hygiene: false });
      assert.ok(imp.imported > 500, `${imp.imported} samples`);
      const s = await countTokensExactly(engine.store, { pool });
      assert.equal(s.counted, imp.imported);
      const rows = await (await engine.store.table('token_counts')).query().toArray();
      counts.push(rows.map((r) => `${r.sample_id} ${r.tokens}`).sort());
      if (!texts.length) {
        const t = await engine.store.table('samples');
        texts = (await t.query().select(['id', 'text']).toArray()) as { id: string; text: string }[];
        texts.sort((a, b) => (a.id < b.id ? -1 : 1));
      }
    } finally {
      await engine.close();
    }
    // Lexical near-copies exist among real functions (overloads, copied helpers); add renamed copies too.
    const items = [
      ...texts.map((t, i) => ranked(t.id, t.text, i % 5)),
      ...texts.slice(0, 40).map((t, i) => ranked(`copy-${i}`, t.text.replace(/\bself\b/g, 'this'), 0)),
    ];
    const res = await nearDedupMinhash(
      items,
      { threshold: 0.7, ngram: 5, numPerm: 128 },
      workers > 1
        ? { sketch: (ts, bands, rows) => pool.minhash({ texts: ts, ngram: 5, numPerm: 128, bands, rows }) }
        : {},
    );
    dedups.push({ kept: res.kept.map((r) => r.candidate.id), clusters: res.clusters, comparisons: res.comparisons });
    await pool.close();
  }
  assert.deepEqual(counts[1], counts[0]);
  const ref = new TokenCounter();
  const byId = new Map(counts[0].map((l) => l.split(' ') as [string, string]));
  for (const t of texts.slice(0, 50)) assert.equal(Number(byId.get(t.id)), ref.countReference(t.text), t.id);
  const [one, two] = dedups as { clusters: unknown[] }[];
  assert.ok(one.clusters.length >= 20, `near-copies found: ${one.clusters.length} clusters`);
  assert.deepEqual(two, one);
});

function ranked(id: string, text: string, value: number): RankedCandidate {
  const candidate: ExportCandidate = {
    id,
    text,
    language: 'python',
    source: 'stack',
    repo: null,
    path: null,
    tokens: 10,
    llmScore: value,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: null,
    metadata: {},
  };
  return { candidate, tier: 'llm', tierIndex: 1, value };
}

test('decontamination matches (n-gram and syntax) are identical inline and on 2 worker threads', async () => {
  const dir = await tempDir();
  const { rows } = await corpus(dir);
  const bench = join(dir, 'team.jsonl');
  await writeFile(bench, jsonl(TEAM_ITEMS));
  const { items } = await loadBenchmarks([bench]);
  const samples = rows.map((r, i) => ({ id: `s${i}`, text: r.text, embedding: null }));
  const o = { ngram: 13, cosine: null, ast: SYNTAX_MATCH_DEFAULTS };
  const inline = await (await ContaminationMatcher.create(items, o)).match(samples);
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const textMatchesOf = pooledTextMatches(pool, items, o);
  assert.ok(textMatchesOf, 'a 2-thread pool matches on its threads');
  const pooled = await (await ContaminationMatcher.create(items, { ...o, textMatchesOf })).match(samples);
  assert.deepEqual([...pooled.entries()], [...inline.entries()]);
  // The planted exact, renamed and reformatted copies are the findings, by n-gram and syntax.
  assert.deepEqual(
    [...inline.values()].map((m) => m.map((x) => `${x.itemId}:${x.method}`)).sort(),
    [[`${TEAM_ITEMS[2].task_id}:ngram`], [`${TEAM_ITEMS[10].task_id}:ast`], [`${TEAM_ITEMS[4].task_id}:ast`]].sort(),
  );
  assert.equal(pooledTextMatches({ workers: 1, contamination: pool.contamination }, items, o), undefined);
  await pool.close();
});

test('the secret / PII scan on 2 worker threads finds exactly what the inline scan finds, in order', async () => {
  const { scanTexts } = await import('../../electron/engine/hygiene/scan-text.ts');
  const { plantedSamples } = await import('../support/hygiene-fixtures.ts');
  const dir = await tempDir();
  const { rows } = await corpus(dir);
  const fx = plantedSamples();
  // Real code with the planted leaks spread through it, so every slice of the pool gets some.
  const texts = Array.from({ length: 300 }, (_, i) => `${rows[i % rows.length].text}\n# copy ${i}`);
  for (let i = 0; i < texts.length; i += 37) texts[i] = `${texts[i]}\n${i % 2 ? fx.python : fx.javascript}`;
  const inline = await scanTexts(texts);
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const pooled = await pool.scan(texts);
  assert.equal(pooled.length, texts.length);
  assert.deepEqual(pooled, inline);
  for (let i = 0; i < texts.length; i += 37)
    assert.ok(
      inline[i].flags.includes(i % 2 ? 'secret:github-token' : 'secret:private-key'),
      `planted leak in text ${i}`,
    );
  assert.ok(texts.length > 100, `${texts.length} texts: the pool gets more than one slice each`);
  await pool.close();
});

test('text statistics on 2 worker threads equal the inline ones, each in its own language, in order', async () => {
  const { textStats } = await import('../../electron/engine/hygiene/heuristics.ts');
  const dir = await tempDir();
  const { rows } = await corpus(dir);
  // Python texts measured in alternating languages: '#' lines are comments only in some of them.
  const languages = ['python', 'javascript', 'go', 'lua']; // 4 does not divide a slice of 150
  const texts = Array.from({ length: 300 }, (_, i) => `${rows[i % rows.length].text}\n# note ${i}\n// tail`);
  const langs = texts.map((_, i) => languages[i % languages.length]);
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const pooled = await pool.stats(texts, langs);
  assert.deepEqual(
    pooled,
    texts.map((t, i) => textStats(t, langs[i])),
  );
  assert.notDeepEqual(pooled[0].commentRatio, pooled[1].commentRatio, 'the language matters to the measure');
  await pool.close();
});
