import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LabelRecord } from '../../shared/domain.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import { trainModel } from '../../electron/engine/classify/training.js';
import { hash53 } from '../../electron/engine/label/selection.js';
import { defaultWorkers } from '../../electron/engine/workers/cpu-pool.js';
import { DIMS, releaseScaleFixture, scaleFixture, type RealChunk } from './ann-bench.js';
import { median, type BenchRow } from './corpus.js';

const run$ = promisify(execFile);
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'scale-child.ts');

/**
 * Scale of the whole pipeline on the shared scale dataset (ann-bench.ts builds it; 10^5 rows by
 * default, 10^6 with --scale-rows 1000000): 30 % of the rows get (proxy) LLM labels, then each
 * figure is one child process (scale-child.ts) with its own peak RSS: opening (first open scans
 * and persists the index snapshot, the next one reads it) with the first sorted + filtered page,
 * embed + score of every row from zero with the worker pool, and a curated export with near-dup
 * and decontamination against a HumanEval-style file.
 */
type Log = (msg: string) => void;
const defaultLog: Log = (m) => process.stderr.write(`[scale] ${m}\n`);
const TEMPLATE = 'bench-proxy';

/**
 * The proxy "educational value" of a function: 4 with a docstring (5 with comments too), else 1
 * (2 with comments). A real, visible feature, not a judgement: it stands in for LLM labels.
 */
export function proxyScore(text: string): number {
  const doc = /^\s*(?:@[^\n]*\n\s*)*(?:async\s+)?(?:def|class)\b[^\n]*:\s*\n\s*[rRuUbB]?("""|''')/.test(text);
  const comments = /^\s*#/m.test(text);
  return doc ? (comments ? 5 : 4) : comments ? 2 : 1;
}

/** Splits a real documented function into a HumanEval-style item (prompt = signature + docstring). */
export function humanEvalItem(c: RealChunk, i: number): Record<string, string> | null {
  const m =
    /^((?:[ \t]*@[^\n]*\n)*[ \t]*(?:async\s+)?def\s+(\w+)[^\n]*:\s*\n\s*[rRuU]?("""|''')[\s\S]*?\3[^\n]*\n)([\s\S]+)$/.exec(
      c.text,
    );
  if (!m || m[4].trim().length < 40) return null;
  return {
    task_id: `StdlibEval/${i}`,
    prompt: m[1],
    canonical_solution: m[4],
    entry_point: m[2],
    test: `def check(candidate):\n    assert callable(candidate)\n`,
  };
}

const now = () => performance.now();
const secs = (t0: number) => (performance.now() - t0) / 1000;

async function child(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run$(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    maxBuffer: 1 << 20,
    env: { ...process.env, LANCEDB_LOG: 'error' },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

export async function run(opts: { rows: number; log?: Log }): Promise<BenchRow[]> {
  const log = opts.log ?? defaultLog;
  const rows: BenchRow[] = [];
  const embedder = createHashEmbedder({ dims: DIMS });
  const fx = await scaleFixture(opts.rows, log);
  const n = fx.n;
  const nTxt = n === 1_000_000 ? '10^6' : n === 100_000 ? '10^5' : n.toLocaleString('en-US');
  const rss = (r: Record<string, unknown>) => `peak RSS ${Math.round(r.maxRssMiB as number)} MiB`;
  const tmp = await mkdtemp(join(tmpdir(), 'tbs-bench-scale-out-'));
  try {
    // 1. Proxy LLM labels on 30 % of the rows (seeded pick), and one model to score with.
    const store = await DatasetStore.open(fx.dbDir);
    let modelId = '';
    let labeled = 0;
    try {
      const want = 0.3;
      const recs: LabelRecord[] = [];
      const at = Date.now();
      const samples = await store.table('samples');
      for await (const b of samples.query().select(['id', 'text'])) {
        const id = b.getChild('id')!;
        const text = b.getChild('text')!;
        for (let i = 0; i < b.numRows; i++) {
          const sid = id.get(i) as string;
          if (hash53(sid, 5) / 2 ** 53 >= want) continue;
          const score = proxyScore(text.get(i) as string);
          recs.push({
            labelId: randomUUID(),
            sampleId: sid,
            kind: 'llm',
            score,
            keep: score >= 3,
            rationale: 'proxy: docstring presence',
            agent: `proxy-docstring|${TEMPLATE}|0`,
            origin: null,
            note: null,
            retracts: null,
            details: { proxy: 'docstring' },
            createdAt: new Date(at + recs.length).toISOString(),
          });
        }
      }
      for (let i = 0; i < recs.length; i += 50_000) await store.appendLabels(recs.slice(i, i + 50_000));
      await store.flush();
      await store.compact(['labels']);
      labeled = recs.length;
      const t0 = now();
      const m = await trainModel(store, embedder, { algo: 'logistic', sources: ['llm'], seed: 1 });
      modelId = m.modelId;
      log(`${labeled} proxy labels; logistic trained in ${secs(t0).toFixed(0)} s (F1 ${m.metrics.f1.toFixed(3)})`);
    } finally {
      await store.close();
    }
    rows.push({
      name: `embedDataset ${nTxt} while building (one thread, no pool)`,
      value: fx.embed.embedded / (fx.embedSeconds - (fx.embed.vectorIndex?.seconds ?? 0)),
      unit: 'samples/s',
      note: `${fx.real} real function chunks + ${fx.padded} identifier-renamed variants; + ANN index ${fx.embed.vectorIndex?.action} in ${(fx.embed.vectorIndex?.seconds ?? 0).toFixed(0)} s`,
    });

    // 2. Opening: the first open after the writes scans and persists the snapshot; the next ones read it.
    const scan = await child(['open', fx.dbDir]);
    const snaps = [await child(['open', fx.dbDir]), await child(['open', fx.dbDir])];
    const best = snaps.sort((a, b) => (a.openSeconds as number) - (b.openSeconds as number))[0];
    const labelsNote = `${n.toLocaleString('en-US')} samples, ${labeled.toLocaleString('en-US')} LLM labels`;
    rows.push({
      name: `open ${nTxt} + labels, index snapshot`,
      value: best.openSeconds as number,
      unit: 's',
      note: `best of 2 opens (${snaps.map((s) => (s.openSeconds as number).toFixed(2)).join(', ')} s); ${labelsNote}; ${rss(best)}; target 10^6 <= 1.5 s`,
    });
    rows.push({
      name: `open ${nTxt} + labels, no valid snapshot (scan + persist)`,
      value: scan.openSeconds as number,
      unit: 's',
      note: `the first open after a write to samples; ${rss(scan)}`,
    });
    rows.push({
      name: `first sorted + filtered page after open, ${nTxt}`,
      value: best.firstPageMs as number,
      unit: 'ms',
      note: `llm_score desc, "llm_score >= 3", no-human, 50 rows of ${best.matches} matches; after the scan-open ${(scan.firstPageMs as number).toFixed(0)} ms; target 10^6 <= 300 ms`,
    });

    // 2b. The hygiene scan `tbs import` runs as it imports (the fixture is written without it), then
    // opening again: every sample now has scan coverage (secrets, PII, licenses), as imported data does.
    const sc = await child(['scan', fx.dbDir, String(defaultWorkers())]);
    rows.push({
      name: `hygiene scan ${nTxt} (tbs scan, ${defaultWorkers()} workers)`,
      value: sc.seconds as number,
      unit: 's',
      note: `${sc.scanned} scanned, ${sc.flagged} flagged; secrets / PII and statistics on the pool, licenses and fields on the main thread meanwhile, a batch recorded while the next is read; ${rss(sc)}`,
    });
    await child(['open', fx.dbDir]);
    const covered = [await child(['open', fx.dbDir]), await child(['open', fx.dbDir])];
    const bestCovered = covered.sort((a, b) => (a.openSeconds as number) - (b.openSeconds as number))[0];
    rows.push({
      name: `open ${nTxt} + labels + scan coverage, index snapshot`,
      value: bestCovered.openSeconds as number,
      unit: 's',
      note: `best of 2 opens (${covered.map((s) => (s.openSeconds as number).toFixed(2)).join(', ')} s); as a dataset \`tbs import\` made (3 coverage rows per sample); first page ${(bestCovered.firstPageMs as number).toFixed(0)} ms; ${rss(bestCovered)}`,
    });

    // 3. Embed + score every row from zero, with the worker pool (as `tbs score --workers N`).
    const workers = defaultWorkers();
    const es = await child(['embed-score', fx.dbDir, modelId, String(workers)]);
    rows.push({
      name: `embed + score ${nTxt} from zero (hash ${DIMS}, ${workers} workers)`,
      value: es.seconds as number,
      unit: 's',
      note: `${es.embedded} embedded, ${es.scored} scored, ${((es.scored as number) / (es.seconds as number)).toFixed(0)} samples/s (~${(fx.bytes / 1e6 / (es.seconds as number)).toFixed(1)} MB/s of ${(fx.bytes / n / 1000).toFixed(1)} KB rows); ${rss(es)}; target 10^6 <= 300 s`,
    });
    // The 1 -> N worker speed-up of the same step, on the same rows (a whole process each, as
    // `tbs score --workers 1|N` runs): alternating pairs, so a change of machine load hits both.
    // NOTE: skipped above 2x10^5 rows, where each 1-worker run would add minutes.
    if (workers > 1 && n <= 2e5) {
      const all: Record<number, Record<string, unknown>[]> = { 1: [], [workers]: [es] };
      for (const w of [1, workers, 1]) all[w].push(await child(['embed-score', fx.dbDir, modelId, String(w)]));
      const med = (w: number, k: string) => median(all[w].map((r) => r[k] as number));
      const list = (w: number, k: string) => all[w].map((r) => (r[k] as number).toFixed(1)).join(', ');
      const [a, b] = [med(1, 'seconds'), med(workers, 'seconds')];
      const [ea, eb] = [med(1, 'embedSeconds'), med(workers, 'embedSeconds')];
      const [ia, ib] = [med(1, 'indexSeconds'), med(workers, 'indexSeconds')];
      rows.push({
        name: `embed + score ${nTxt}: speed-up 1 -> ${workers} workers`,
        value: a / b,
        unit: 'x',
        note: `median of ${all[1].length}: ${a.toFixed(1)} s with 1 worker (inline), ${b.toFixed(1)} s with ${workers}; runs 1: ${list(1, 'seconds')} s, ${workers}: ${list(workers, 'seconds')} s; of which the ANN index build ${ia.toFixed(1)} / ${ib.toFixed(1)} s (LanceDB's, on \`--workers\` native threads); target >= 1.7x`,
      });
      rows.push({
        name: `embed + score ${nTxt}: speed-up 1 -> ${workers} workers of the embedding pass alone`,
        value: ea / eb,
        unit: 'x',
        note: `the part \`--workers\` runs on the pool (read, hash-embed, write vectors), same runs: ${ea.toFixed(1)} s -> ${eb.toFixed(1)} s (1: ${list(1, 'embedSeconds')}; ${workers}: ${list(workers, 'embedSeconds')}); the rest is the index build and ~1 s of scoring`,
      });
    }

    // 4. Export with near-dup (cosine 0.95) and 13-gram decontamination against 164 items.
    const items = fx.chunks.map((c, i) => humanEvalItem(c, i)).filter((x): x is Record<string, string> => x !== null);
    const bench = items.filter((_, i) => i % Math.max(1, Math.floor(items.length / 164)) === 0).slice(0, 164);
    const benchFile = join(tmp, 'stdlib-eval.jsonl');
    writeFileSync(benchFile, bench.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const ex = await child(['export', fx.dbDir, benchFile, join(tmp, 'export')]);
    rows.push({
      name: `export ${nTxt} (parquet, near-dup 0.95, decontaminate ${bench.length} items, ${ex.workers} workers)`,
      value: ex.seconds as number,
      unit: 's',
      note: `${(n / (ex.seconds as number)).toFixed(0)} samples/s; funnel ${ex.funnel}; ${ex.nearDupClusters} near-dup clusters, ${ex.contaminated} contaminated; phases ${ex.phases}; ${rss(ex)}; target 10^6 <= 120 s`,
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
    releaseScaleFixture('scale');
  }
  return rows;
}
