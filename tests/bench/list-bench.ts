import { Index } from '@lancedb/lancedb';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelRecord } from '../../shared/domain.js';
import type { ListQuery } from '../../shared/api.js';
import { Engine } from '../../electron/engine/engine.js';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { fakeScore } from '../support/openai-server.js';
import {
  benchTempDir,
  fmtMB,
  JsonlWriter,
  median,
  percentile,
  prng,
  realFunctions,
  renameIdentifiers,
  retryEmptyFlush,
  timed,
  type BenchOpts,
  type BenchRow,
} from './corpus.js';

/**
 * `samples.list` pages at 10^6 rows: real top-level functions/classes (tree-sitter chunks of the
 * corpus), padded with seeded identifier-renamed variants, imported once through importPaths;
 * LLM and human labels seeded through appendLabels in large batches; then pages sorted by
 * llm_score and filtered, cold and warm, and right after a label changes.
 */
const LLM_AGENT = 'gpt-4o-mini|edu-additive|bench0000000000';
const QUERY: ListQuery = { where: 'llm_score >= 3', labelState: 'no-human', sort: 'llm_score', desc: true, limit: 50 };
const QUERY_NOTE = 'sort llm_score desc, where "llm_score >= 3", labelState no-human, 50 rows';

function llmLabel(sampleId: string, score: number, at: string): LabelRecord {
  return {
    labelId: randomUUID(),
    sampleId,
    kind: 'llm',
    score,
    keep: score >= 3,
    rationale: 'bench seed',
    agent: LLM_AGENT,
    origin: null,
    note: null,
    retracts: null,
    details: { paramsHash: 'bench' },
    createdAt: at,
  };
}
function humanLabel(sampleId: string, score: number, at: string): LabelRecord {
  return {
    labelId: randomUUID(),
    sampleId,
    kind: 'human',
    score,
    keep: score >= 3,
    rationale: null,
    agent: 'bench',
    origin: 'key',
    note: null,
    retracts: null,
    details: {},
    createdAt: at,
  };
}

const ms = (s: number) => s * 1000;

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const N = o.quick ? 100_000 : 1_000_000;
  const nReal = o.quick ? 4_000 : 20_000;
  const tmp = await benchTempDir('list');
  const dbDir = join(tmp.dir, 'db');
  const nfmt = N.toLocaleString('en-US');
  try {
    // --- build the dataset once ---
    o.log(`parsing real functions (${nReal})`);
    const fns = await realFunctions(nReal);
    const real = fns.chunks;
    const pad = real.filter((c) => renameIdentifiers(c.text, 1) !== c.text);
    const scoreOf = real.map((c) => fakeScore(c.text));
    const padScore = pad.map((c) => fakeScore(c.text));
    const extra = Math.ceil(N * 0.001); // a few variants collide with each other and are deduplicated
    const jsonl = join(tmp.dir, 'functions.jsonl');
    const w = new JsonlWriter(jsonl);
    o.log(`writing ${N + extra} function rows`);
    for (let k = 0; k < N + extra; k++) {
      if (k < real.length) {
        await w.write({ content: real[k].text, file: real[k].file, line: real[k].startLine, variant: 0 });
        continue;
      }
      const i = (k - real.length) % pad.length;
      const v = 1 + Math.floor((k - real.length) / pad.length);
      await w.write({
        content: renameIdentifiers(pad[i].text, v),
        file: pad[i].file,
        line: pad[i].startLine,
        variant: v,
      });
    }
    await w.close();
    /** Score of the chunk behind JSONL line `line` (1-based): variants inherit their original's grade. */
    const scoreOfLine = (line: number) =>
      line <= real.length ? scoreOf[line - 1] : padScore[(line - 1 - real.length) % pad.length];

    o.log(`importing ${fmtMB(w.bytes)}`);
    let store = await DatasetStore.open(dbDir, { create: true });
    const imp = await timed(() => importPaths(store, [jsonl]));
    await rm(jsonl, { force: true });
    const compactS = (await timed(() => store.compact(['samples']))).seconds;
    const size = store.index.size;
    const padNote = `${real.length} real functions/classes (${fmtMB(fns.parsedBytes)} of files parsed) + ${size - real.length} seeded identifier-renamed variants (padding); rows are text-only (not re-parsed)`;
    rows.push({
      name: `build: import ${nfmt} function rows`,
      value: size / imp.seconds,
      unit: 'samples/s',
      note: `${(w.bytes / 1e6 / imp.seconds).toFixed(1)} MB/s, ${imp.seconds.toFixed(0)} s for ${fmtMB(w.bytes)}; compact ${compactS.toFixed(0)} s; ${padNote}`,
    });
    await store.close();

    const openNoLabels = await timed(() => DatasetStore.open(dbDir));
    store = openNoLabels.result;
    rows.push({
      name: `open dataset, ${nfmt} samples, no labels`,
      value: openNoLabels.seconds,
      unit: 's',
      note: 'index load: id, source, path, language, tokens columns',
    });

    // --- seed labels: LLM on 30 %, human on 2 % of the rows (seeded), in batches of 50,000 ---
    const rnd = prng(42);
    const idx = store.index;
    const lineOf = (r: number) => Number(idx.source[r].slice(idx.source[r].lastIndexOf('#') + 1));
    const t0 = Date.now();
    const llm: LabelRecord[] = [];
    const human: LabelRecord[] = [];
    for (let r = 0; r < idx.size; r++) {
      const x = rnd();
      const at = new Date(t0 + r).toISOString();
      const s = scoreOfLine(lineOf(r));
      if (x < 0.3) llm.push(llmLabel(idx.ids[r], s, at));
      if (x < 0.02) human.push(humanLabel(idx.ids[r], Math.max(0, Math.min(5, s + Math.round((rnd() - 0.5) * 3))), at));
    }
    const all = [...llm, ...human];
    const seed = await timed(async () => {
      for (let i = 0; i < all.length; i += 50_000) await store.appendLabels(all.slice(i, i + 50_000));
      await retryEmptyFlush(() => store.flush());
    });
    rows.push({
      name: 'seed labels: appendLabels, batches of 50k',
      value: all.length / seed.seconds,
      unit: 'labels/s',
      note: `${llm.length} llm + ${human.length} human records, durable + flushed to LanceDB, ${seed.seconds.toFixed(1)} s`,
    });
    const compactLabels = (await timed(() => store.compact(['labels']))).seconds;
    await retryEmptyFlush(() => store.close());
    o.log(`labels seeded (${all.length}); compact ${compactLabels.toFixed(1)} s`);

    // --- open with labels, cold first page per open ---
    const opens: number[] = [];
    const firstPages: number[] = [];
    const nOpens = o.quick ? 2 : 3;
    let engine: Engine | null = null;
    for (let k = 0; k < nOpens; k++) {
      if (engine) await retryEmptyFlush(() => engine!.close());
      const t = await timed(() => Engine.open({ dir: dbDir }));
      engine = t.result;
      opens.push(t.seconds);
      firstPages.push((await timed(() => engine!.query.list(QUERY))).seconds);
    }
    const e = engine!;
    rows.push({
      name: `open dataset, ${nfmt} samples + labels`,
      value: median(opens),
      unit: 's',
      note: `median of ${nOpens} (${opens.map((x) => x.toFixed(1)).join(', ')} s); ${all.length} label records replayed into the index`,
    });
    rows.push({
      name: 'list: first page after open (cold)',
      value: ms(median(firstPages)),
      unit: 'ms',
      note: `median of ${nOpens}; ${QUERY_NOTE}; includes sorting ${nfmt} rows`,
    });

    // --- warm pages: seeded random offsets within the result ---
    const first = await e.query.list(QUERY);
    const total = first.total;
    const warm: number[] = [];
    const r2 = prng(7);
    for (let k = 0; k < 500; k++) {
      const offset = Math.floor(r2() * Math.max(1, total - 50));
      warm.push((await timed(() => e.query.list({ ...QUERY, offset }))).seconds);
    }
    rows.push({
      name: 'list: subsequent pages p50',
      value: ms(median(warm)),
      unit: 'ms',
      note: `500 pages at random offsets of ${total} matches; target p50 < 20`,
    });
    rows.push({ name: 'list: subsequent pages p95', value: ms(percentile(warm, 95)), unit: 'ms' });

    // --- a new filter on the cached sort order (the user edits the where clause) ---
    const refilter: number[] = [];
    for (let k = 0; k < 10; k++)
      refilter.push((await timed(() => e.query.list({ ...QUERY, where: `llm_score >= ${k % 2 ? 3 : 4}` }))).seconds);
    rows.push({
      name: 'list: first page of a changed filter p50',
      value: ms(median(refilter)),
      unit: 'ms',
      note: `10 alternations of "llm_score >= 3/4"; sort order cached, one filter pass over ${nfmt} rows`,
    });

    // --- after a human label (through Engine.invoke, as the UI does): the filter must be re-run ---
    const afterHuman: number[] = [];
    const humanWrite: number[] = [];
    for (let k = 0; k < (o.quick ? 10 : 30); k++) {
      const page = await e.query.list({ ...QUERY, offset: Math.floor(r2() * (total - 50)) });
      humanWrite.push(
        (await timed(() => e.invoke('labels.addHuman', { sampleId: page.rows[0].id, score: 2, annotator: 'bench' })))
          .seconds,
      );
      afterHuman.push((await timed(() => e.query.list(QUERY))).seconds);
    }
    rows.push({
      name: 'list: page after a human label p50',
      value: ms(median(afterHuman)),
      unit: 'ms',
      note: `${afterHuman.length} label+page cycles; human label write p50 ${ms(median(humanWrite)).toFixed(1)} ms (fsync)`,
    });
    rows.push({ name: 'list: page after a human label p95', value: ms(percentile(afterHuman, 95)), unit: 'ms' });

    // --- after an LLM label of the active source: the llm_score order itself is invalidated ---
    const afterLlm: number[] = [];
    for (let k = 0; k < (o.quick ? 5 : 10); k++) {
      const r = Math.floor(r2() * e.store.index.size);
      await e.store.appendLabels([llmLabel(e.store.index.ids[r], 4, new Date().toISOString())]);
      afterLlm.push((await timed(() => e.query.list(QUERY))).seconds);
    }
    rows.push({
      name: 'list: page after an LLM label p50',
      value: ms(median(afterLlm)),
      unit: 'ms',
      note: `${afterLlm.length} cycles; each LLM label drops the cached llm_score order (full re-sort)`,
    });
    rows.push({ name: 'list: page after an LLM label p95', value: ms(percentile(afterLlm, 95)), unit: 'ms' });

    // --- the same pages without a filter (sort only), for comparison ---
    const plain: number[] = [];
    for (let k = 0; k < 200; k++)
      plain.push(
        (
          await timed(() =>
            e.query.list({ sort: 'llm_score', desc: true, offset: Math.floor(r2() * (size - 50)), limit: 50 }),
          )
        ).seconds,
      );
    rows.push({
      name: 'list: unfiltered llm_score pages p50',
      value: ms(median(plain)),
      unit: 'ms',
      note: `200 random pages of ${size}`,
    });

    // --- opening one sample: samples.get = getSample (LanceDB filter on id) + labelsOf (filter on sample_id) ---
    const randomId = () => e.store.index.ids[Math.floor(r2() * e.store.index.size)];
    const gets: number[] = [];
    const getSample: number[] = [];
    for (let k = 0; k < 5; k++) {
      gets.push((await timed(() => e.invoke('samples.get', { id: randomId() }))).seconds);
      getSample.push((await timed(() => e.store.getSample(randomId()))).seconds);
    }
    rows.push({
      name: 'samples.get (one sample + its labels)',
      value: ms(median(gets)),
      unit: 'ms p50',
      note: `5 random ids; max ${ms(Math.max(...gets)).toFixed(0)} ms; no scalar index on samples.id / labels.sample_id`,
    });
    rows.push({
      name: 'store.getSample (text of one sample)',
      value: ms(median(getSample)),
      unit: 'ms p50',
      note: `5 random ids; runLabeling calls it once per sample`,
    });
    const par = await timed(() => Promise.all(Array.from({ length: 32 }, () => e.store.getSample(randomId()))));
    rows.push({
      name: 'store.getSample, 32 concurrent',
      value: 32 / par.seconds,
      unit: 'gets/s',
      note: `upper bound on LLM labeling req/s at ${nfmt} rows`,
    });

    // What-if (bench-only, on this temp copy): BTree scalar indexes on samples.id and labels.sample_id.
    const ix = await timed(async () => {
      await (await e.store.table('samples')).createIndex('id', { config: Index.btree() });
      await (await e.store.table('labels')).createIndex('sample_id', { config: Index.btree() });
    });
    const gets2: number[] = [];
    const getSample2: number[] = [];
    for (let k = 0; k < 5; k++) {
      gets2.push((await timed(() => e.invoke('samples.get', { id: randomId() }))).seconds);
      getSample2.push((await timed(() => e.store.getSample(randomId()))).seconds);
    }
    const par2 = await timed(() => Promise.all(Array.from({ length: 32 }, () => e.store.getSample(randomId()))));
    rows.push({
      name: 'what-if BTree index: samples.get',
      value: ms(median(gets2)),
      unit: 'ms p50',
      note: `after createIndex(id) + createIndex(labels.sample_id) (${ix.seconds.toFixed(1)} s), not done by the engine today`,
    });
    rows.push({
      name: 'what-if BTree index: store.getSample',
      value: ms(median(getSample2)),
      unit: 'ms p50',
      note: `32 concurrent: ${(32 / par2.seconds).toFixed(0)} gets/s`,
    });
    await retryEmptyFlush(() => e.close());
  } finally {
    await tmp.remove();
  }
  return rows;
}
