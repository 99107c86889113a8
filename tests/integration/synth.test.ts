import assert from 'node:assert/strict';
import { scanText } from '../../electron/engine/hygiene/scan-text.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { getPythonParser } from '../../electron/engine/ingest/python-parser.ts';
import { ensureImports } from '../../electron/engine/stats/imports-stat.ts';
import { runSynth } from '../../electron/engine/synth/generator.ts';
import type { SynthOptions } from '../../electron/engine/synth/synth-options.ts';
import { estimateSynth } from '../../electron/engine/synth/synth-plan.ts';
import { SynthResults, type SynthResultRow } from '../../electron/engine/synth/synth-results.ts';
import { FAKE_BENCHMARK_ROW, FAKE_CORPUS_EXERCISE, VARIANTS } from '../support/openai-generation.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const servers: FakeOpenAI[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function fake(opts?: Parameters<typeof startFakeOpenAI>[0]) {
  const s = await startFakeOpenAI(opts);
  servers.push(s);
  return s;
}
const chatCalls = (s: FakeOpenAI) => s.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

/** A topics file whose every topic forces one fake-server variant. */
async function topicsFile(dir: string, variants: readonly string[], name = 'topics.txt'): Promise<string> {
  const f = join(dir, name);
  await writeFile(f, '# test topics\n' + variants.map((v) => `variant:${v} practice`).join('\n') + '\n');
  return f;
}

async function allResults(engine: Engine): Promise<SynthResultRow[]> {
  const r = await SynthResults.open(engine.store);
  try {
    return await r.rows(null, () => true);
  } finally {
    await r.close();
  }
}
const variantOf = (r: SynthResultRow) =>
  /variant:([a-z-]+)/.exec((JSON.parse(r.metadata) as { synthetic: { topic: string } }).synthetic.topic)![1];

test('every gate, in order: syntax, then duplicate (generations and corpus, exact and near), then contaminated', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  // The corpus already holds one exercise the server will copy.
  const corpus = join(dir, 'corpus.jsonl');
  await writeFile(corpus, JSON.stringify({ content: FAKE_CORPUS_EXERCISE, lang: 'python' }) + '\n');
  await importPaths(engine.store, [corpus], { lang: 'python' });
  const bench = join(dir, 'fakeeval.jsonl');
  await writeFile(bench, JSON.stringify(FAKE_BENCHMARK_ROW) + '\n');
  const server = await fake();
  const o: SynthOptions = {
    kind: 'exercises',
    count: 60,
    topics: await topicsFile(
      dir,
      VARIANTS.filter((v) => v !== 'wrong-doctest'),
    ),
    model: 'gpt-4o-mini',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 4,
    decontaminate: [bench],
  };
  const s = await runSynth(engine.store, o);
  assert.equal(chatCalls(server), 60, 'one call per index');
  const rows = await allResults(engine);
  assert.equal(rows.length, 60);
  const byVariant = new Map<string, SynthResultRow[]>();
  for (const r of rows) byVariant.set(variantOf(r), [...(byVariant.get(variantOf(r)) ?? []), r]);
  const reasons = (v: string) => (byVariant.get(v) ?? []).map((r) => r.reason ?? r.status);
  for (const v of ['invalid', 'no-docstring']) for (const x of reasons(v)) assert.equal(x, 'syntax', v);
  for (const x of reasons('corpus-copy')) assert.equal(x, 'duplicate', 'a copy of a corpus sample');
  for (const x of reasons('unique')) assert.equal(x, 'stored');
  // repeat and near-repeat are one family: exactly one is stored, every other is a duplicate.
  const family = [...reasons('repeat'), ...reasons('near-repeat')];
  assert.ok(family.length >= 2, 'the draw has repeats');
  assert.equal(family.filter((x) => x === 'stored').length, 1);
  assert.equal(family.filter((x) => x === 'duplicate').length, family.length - 1);
  assert.ok(
    rows.some((r) => r.reason === 'duplicate' && /near duplicate .*Jaccard/.test(r.detail ?? '')) ||
      reasons('near-repeat').length === 0 ||
      reasons('repeat').length === 0,
    'a near repeat is caught as near, not exact',
  );
  // The benchmark copy: the first is contaminated; later copies fail the earlier gate (duplicate).
  const bench$ = reasons('contaminated');
  assert.ok(bench$.length >= 2);
  assert.equal(bench$.filter((x) => x === 'contaminated').length, 1);
  assert.equal(bench$.filter((x) => x === 'duplicate').length, bench$.length - 1);
  assert.match(rows.find((r) => r.reason === 'contaminated')!.detail!, /fakeeval\.jsonl FakeEval\/0/);
  // A token-like literal: the hygiene gate (secret scan) after contamination; repeats are duplicates first.
  const leaks = reasons('leaks-secret');
  assert.equal(leaks.filter((x) => x === 'hygiene').length, Math.min(1, leaks.length));
  assert.equal(leaks.filter((x) => x === 'duplicate').length, Math.max(0, leaks.length - 1));

  // Counted by first failing gate, and the run's counts are the table's.
  const count = (reason: string) => rows.filter((r) => r.reason === reason).length;
  assert.deepEqual(s.rejected, {
    syntax: count('syntax'),
    duplicate: count('duplicate'),
    contaminated: count('contaminated'),
    ...(count('hygiene') ? { hygiene: count('hygiene') } : {}),
  });
  assert.equal(s.generated, rows.filter((r) => r.status === 'stored').length);
  assert.equal(s.failed, 0);
  // Rejected results keep their text and reason, visible in the table; redacted, so the secret
  // that got a result rejected is not stored either (red-team).
  for (const r of rows.filter((r) => r.status === 'rejected')) assert.ok(r.text && r.detail, r.key);
  const hygieneRows = rows.filter((r) => r.reason === 'hygiene');
  for (const r of hygieneRows) {
    assert.match(r.text!, /<SECRET>/);
    assert.deepEqual((await scanText(r.text!)).flags, [], 'nothing left to find');
  }

  // Stored samples: source synthetic:exercises, the function alone, generation parameters as metadata.
  const parser = await getPythonParser();
  for (const r of rows.filter((r) => r.status === 'stored')) {
    const g = await engine.invoke('samples.get', { id: r.sample_id! });
    assert.equal(g.sample.source, 'synthetic:exercises');
    assert.equal(g.sample.language, 'python');
    const meta = g.sample.metadata.synthetic as Record<string, unknown>;
    for (const k of ['topic', 'audience', 'style', 'seed', 'index', 'model', 'templateHash', 'key'])
      assert.ok(k in meta, k);
    assert.equal(meta.key, r.key);
    const tree = parser.parse(g.sample.text)!;
    assert.equal(tree.rootNode.hasError, false);
    const defs = tree.rootNode.namedChildren.filter((n) => n?.type === 'function_definition');
    assert.equal(defs.length, 1, 'one function');
    assert.ok(
      tree.rootNode.namedChildren.every((n) => n && /function_definition|import/.test(n.type)),
      'nothing but the function and its imports',
    );
    tree.delete();
    assert.doesNotMatch(g.sample.text, /Here is the exercise/);
  }
  await engine.close();
});

test('idempotence key (template hash, model, seed, index): a re-run pays nothing, --count adds only new indices, rejected are never re-requested, failed are retried', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  const server = await fake();
  const o: SynthOptions = {
    kind: 'exercises',
    count: 12,
    topics: await topicsFile(dir, ['unique', 'invalid', 'repeat']),
    model: 'gpt-4o-mini',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 3,
    maxAttempts: 2,
    backoffBaseMs: 1,
  };
  // Indices 0 and 1 fail for good (500 on both attempts; one at a time so the order is fixed).
  server.queueFaults({ kind: '500' }, { kind: '500' }, { kind: '500' }, { kind: '500' });
  const s1 = await runSynth(engine.store, { ...o, concurrency: 1 });
  const rejected1 = Object.values(s1.rejected).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(s1.failed, 2);
  assert.equal(s1.generated + rejected1 + s1.failed, 12);
  assert.ok(rejected1 > 0, 'some results were rejected');
  const calls1 = chatCalls(server);
  assert.equal(calls1, 10 + 4);

  const s2 = await runSynth(engine.store, o);
  assert.equal(chatCalls(server) - calls1, 2, 'only the two failed indices are asked again');
  assert.equal(s2.skipped, 10);
  assert.equal(s2.failed, 0);

  const calls2 = chatCalls(server);
  const s3 = await runSynth(engine.store, { ...o, count: 20 });
  assert.equal(chatCalls(server) - calls2, 8, 'raising --count asks for indices 12..19 only');
  assert.equal(s3.skipped, 12);

  const calls3 = chatCalls(server);
  await runSynth(engine.store, { ...o, count: 20, seed: 7 });
  assert.equal(chatCalls(server) - calls3, 20, 'another seed is another key');
  const keys = (await allResults(engine)).filter((r) => r.status !== 'failed').map((r) => r.key);
  assert.equal(new Set(keys).size, keys.length, 'one settled result per key');
  const samples = engine.store.index.size;
  await engine.close();

  // A crash between the durable result and the sample row: the sample is restored, not re-paid.
  const e2 = await Engine.open({ dir: join(dir, 'db') });
  const victim = (await allResults(e2)).find((r) => r.status === 'stored')!;
  await (await e2.store.table('samples')).delete(`id = '${victim.sample_id}'`);
  await e2.close();
  const e3 = await Engine.open({ dir: join(dir, 'db') });
  assert.equal(e3.store.index.size, samples - 1);
  const calls4 = chatCalls(server);
  const s4 = await runSynth(e3.store, { ...o, count: 20 });
  assert.equal(s4.repaired, 1);
  assert.equal(chatCalls(server), calls4, 'no call');
  assert.equal(e3.store.index.size, samples);
  await e3.close();
});

test('--estimate makes no call and equals the sum of the real calls prompt tokens; --max-cost is never exceeded', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  const server = await fake();
  await engine.store.folder.saveConfig({
    ...engine.store.config,
    prices: { 'pricey-model': { input: 1000, output: 1000 } },
  });
  const o: SynthOptions = {
    kind: 'textbook',
    count: 10,
    model: 'pricey-model',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 4,
    maxTokens: 400,
  };
  const est = await estimateSynth(engine.store, o);
  assert.equal(chatCalls(server), 0, 'estimate made no call');
  assert.equal(est.calls, 10);
  const s = await runSynth(engine.store, o);
  assert.equal(s.failed, 0);
  assert.equal(chatCalls(server), 10);
  assert.equal(est.prompt_tokens, s.prompt_tokens, "the estimate is the server's own prompt-token count");
  const after = await estimateSynth(engine.store, o);
  assert.equal(after.calls, 0);
  assert.equal(after.prompt_tokens, 0);

  // Budget: worst case per call = (prompt + 400) tokens at $1000/1M; in-flight calls are reserved.
  const capped = { ...o, count: 30, maxCost: 3 };
  const calls = chatCalls(server);
  const b = await runSynth(engine.store, capped);
  assert.equal(b.stoppedBy, 'budget');
  assert.ok(b.cost_usd <= 3, `spent ${b.cost_usd}`);
  assert.ok(chatCalls(server) - calls >= 1 && chatCalls(server) - calls < 20);
  assert.equal(b.notStarted, 20 - (chatCalls(server) - calls));
  await assert.rejects(
    runSynth(engine.store, { ...o, model: 'unpriced', maxCost: 1 }),
    /no price known for model unpriced/,
  );
  await engine.close();
});

test('textbook sections are markdown samples whose code blocks are parsed (syntax gate per block, imports from blocks); plain-text fallback', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  const server = await fake({ rejectJsonSchema: true });
  const s = await runSynth(engine.store, {
    kind: 'textbook',
    count: 12,
    topics: await topicsFile(dir, ['unique', 'invalid']),
    model: 'gpt-4o-mini',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 2,
  });
  assert.ok(s.structuredFallback, 'the server refused json_schema: plain text was used');
  const rows = await allResults(engine);
  for (const r of rows) {
    if (variantOf(r) === 'invalid') {
      assert.equal(r.reason, 'syntax');
      assert.match(r.detail!, /^code block 1, line \d+/);
    } else assert.equal(r.status, 'stored');
  }
  const stored = rows.filter((r) => r.status === 'stored');
  assert.ok(stored.length > 0);
  const { byId } = await ensureImports(engine.store);
  const gen = server.generated.filter((g) => g.variant === 'unique');
  for (const r of stored) {
    const g = await engine.invoke('samples.get', { id: r.sample_id! });
    assert.equal(g.sample.language, 'markdown');
    assert.equal(g.sample.source, 'synthetic:textbook');
    assert.match(g.sample.text, /^## /);
    assert.ok((g.sample.astCounts.function_definition ?? 0) >= 1, 'code block stats are in astCounts');
    const code = gen.find((x) => g.sample.text.includes(x.code))!.code;
    const mod = /^import (\w+)/.exec(code)?.[1];
    assert.deepEqual(byId.get(r.sample_id!), mod ? [mod] : []);
  }
  await engine.close();
});

test('--run-tests runs doctests in a sandbox without network and rejects failing exercises under "tests"', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db') });
  const server = await fake();
  const s = await runSynth(engine.store, {
    kind: 'exercises',
    count: 8,
    topics: await topicsFile(dir, ['unique', 'wrong-doctest']),
    model: 'gpt-4o-mini',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 2,
    runTests: true,
  });
  const rows = await allResults(engine);
  for (const r of rows) {
    if (variantOf(r) === 'wrong-doctest') {
      assert.equal(r.reason, 'tests');
      assert.match(r.detail!, /1 of 1 doctests failed/);
    } else {
      assert.equal(r.status, 'stored');
      assert.deepEqual((JSON.parse(r.metadata).synthetic as { tests: unknown }).tests, {
        ran: { doctests: 1, asserts: 0 },
        passed: true,
      });
    }
  }
  assert.equal(s.rejected.tests, rows.filter((r) => r.reason === 'tests').length);
  assert.ok(s.sandbox);
  if (process.getuid?.() === 0) assert.equal(s.sandbox!.network, 'unshare -n');
  await engine.close();
});

test('tbs synth --json prints exactly the issue shape, counting this run only', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const server = await fake();
  const topics = await topicsFile(dir, ['unique', 'invalid']);
  const args = ['synth', '--db', db, '--kind', 'exercises', '--topics', topics, '--base-url', server.url, '--json'];
  const est = await runTbs([...args, '--count', '6', '--estimate']);
  assert.equal(est.code, 0, est.stderr);
  assert.equal(chatCalls(server), 0);
  const r1 = await runTbs([...args, '--count', '6'], { env: { OPENAI_API_KEY: 'k' } });
  assert.equal(r1.code, 0, r1.stderr);
  const j1 = JSON.parse(r1.stdout);
  assert.deepEqual(Object.keys(j1), [
    'generated',
    'rejected',
    'failed',
    'prompt_tokens',
    'completion_tokens',
    'cost_usd',
  ]);
  assert.deepEqual(Object.keys(j1.rejected), ['syntax', 'duplicate', 'contaminated']);
  assert.equal(j1.generated + j1.rejected.syntax + j1.rejected.duplicate + j1.rejected.contaminated + j1.failed, 6);
  assert.equal(j1.prompt_tokens, JSON.parse(est.stdout).prompt_tokens);
  const r2 = JSON.parse((await runTbs([...args, '--count', '8'], { env: { OPENAI_API_KEY: 'k' } })).stdout);
  assert.equal(r2.generated + r2.rejected.syntax + r2.rejected.duplicate + r2.failed, 2, 'this run only');
  assert.equal(chatCalls(server), 8);
});
