import { join } from 'node:path';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import { embedDataset } from '../../electron/engine/embed/embedding-store.js';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { createCpuPool } from '../../electron/engine/workers/cpu-pool.js';
import { runTbs } from '../support/cli.js';
// @ts-expect-error: plain JavaScript launcher module, no types
import { ensureBundle } from '../../bin/cli-bundle.mjs';
import { benchTempDir, median, stackRow, timed, writePaddedJsonl, type BenchOpts, type BenchRow } from './corpus.js';

/**
 * Speed-up from 1 to 2 worker threads, measured in one run, runs alternating (1, 2, 1, 2, ...)
 * so a change of machine load hits both: the Stack-layout import (parse + chunk + AST features),
 * hash embedding of the imported rows, and whole `tbs import` processes (start-up included).
 */
export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('workers');
  try {
    const runs = 3;
    const stack = join(tmp.dir, 'stack.jsonl');
    // NOTE: 30 MB like the CLI rows: on 8 MB (682 rows, ~1 s) the hand-off of the last batches and
    // the embedding of 682 vectors were a large part of each run, not the steady state measured.
    const w = await writePaddedJsonl(stack, o.quick ? 2e6 : 30e6, stackRow);
    const cli = join(tmp.dir, 'stack-30mb.jsonl');
    const wc = await writePaddedJsonl(cli, o.quick ? 6e6 : 30e6, stackRow);
    const imp: Record<number, number[]> = { 1: [], 2: [] };
    const emb: Record<number, number[]> = { 1: [], 2: [] };
    const scanned: Record<number, number[]> = { 1: [], 2: [] };
    let samples = 0;
    let k = 0;
    for (let r = 0; r < runs; r++) {
      for (const workers of [1, 2]) {
        const pool = await createCpuPool(workers);
        // Threads load their modules (tsx, tree-sitter) once per command: the CLI rows include
        // that; here a task per thread is run first so the rows compare steady-state throughput.
        await Promise.all(
          Array.from({ length: workers }, () => pool.chunk({ mode: 'function', texts: ['def f():\n  return 1\n'] })),
        );
        const store = await DatasetStore.open(join(tmp.dir, `db-${k++}`), { create: true });
        try {
          const t = await timed(() => importPaths(store, [stack], { pool, hygiene: false }));
          imp[workers].push(t.seconds);
          samples = t.result.imported;
          const e = await timed(() => embedDataset(store, createHashEmbedder({ dims: 512 }), { pool }));
          emb[workers].push(e.seconds);
        } finally {
          await store.close();
        }
        // The same import as `tbs import` runs it by default: with the secret / PII / license scan.
        const scanStore = await DatasetStore.open(join(tmp.dir, `db-${k++}`), { create: true });
        try {
          scanned[workers].push((await timed(() => importPaths(scanStore, [stack], { pool }))).seconds);
        } finally {
          await scanStore.close();
          await pool.close();
        }
        o.log(`run ${r + 1}/${runs}, ${workers} worker(s): import ${imp[workers].at(-1)!.toFixed(1)} s`);
      }
    }
    const mbs = (s: number) => w.bytes / 1e6 / s;
    const row = (name: string, xs: Record<number, number[]>, what: string) => {
      const [a, b] = [median(xs[1]), median(xs[2])];
      rows.push({
        name: `${name}: speed-up 1 -> 2 workers`,
        value: a / b,
        unit: 'x',
        note: `median of ${runs} alternating runs: ${a.toFixed(2)} s with 1 worker (inline), ${b.toFixed(2)} s with 2 (${what}); runs 1: ${xs[1].map((x) => x.toFixed(1)).join(', ')} s, 2: ${xs[2].map((x) => x.toFixed(1)).join(', ')} s`,
      });
    };
    row(
      'Stack-layout import',
      imp,
      `${(w.bytes / 1e6).toFixed(1)} MB JSONL, ${samples} samples, ${mbs(median(imp[1])).toFixed(2)} vs ${mbs(median(imp[2])).toFixed(2)} MB/s; ${w.padded} of ${w.rows} rows are renamed variants`,
    );
    row(
      'Stack-layout import with the hygiene scan (the default)',
      scanned,
      `${(w.bytes / 1e6).toFixed(1)} MB JSONL; text statistics on the pool with the chunks, secrets / PII on the pool at each flush, licenses and fields on the main thread`,
    );
    row('hash embedding of the imported rows', emb, `${samples} samples, 512 dims`);
    // `tbs` as users start it (bin/tbs.mjs, the bundle): built here first, so no run pays for a build.
    if (!(await ensureBundle(process.cwd()))) throw new Error('the CLI bundle could not be built');
    const whole: Record<number, number[]> = { 1: [], 2: [] };
    for (let r = 0; r < runs; r++) {
      for (const workers of [1, 2]) {
        const db = join(tmp.dir, `cli-${k++}`);
        const t = await timed(() =>
          runTbs(['import', '--db', db, '--workers', String(workers), '--no-scan', '--progress', 'none', cli]),
        );
        if (t.result.code !== 0) throw new Error(`tbs import failed: ${t.result.stderr.slice(0, 500)}`);
        whole[workers].push(t.seconds);
      }
    }
    row(
      'whole CLI `tbs import` (bin/tbs.mjs, process start included)',
      whole,
      `${(wc.bytes / 1e6).toFixed(1)} MB Stack-layout JSONL, --no-scan`,
    );
  } finally {
    await tmp.remove();
  }
  return rows;
}
