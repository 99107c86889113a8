import { join } from 'node:path';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';
import { runSynth } from '../../electron/engine/synth/generator.js';
import { childServer } from './llm-bench.js';
import { benchTempDir, retryEmptyFlush, timed, type BenchOpts, type BenchRow } from './corpus.js';

/**
 * Generation throughput: runSynth (real `openai` client, real HTTP) against the fake server in
 * its own process answering after 200 ms with seeded exercises (including invalid code and
 * repeats, so every gate works). Ideal = concurrency / 0.2 s, as for labeling.
 *
 * NOTE: a 64-call run (another seed) warms the process first, as the labeling bench's process is
 * warm from its corpus work: the o200k table, tree-sitter's wasm and secretlint's rules load once
 * per process (~2-5 s on a busy 2-core machine) and would otherwise dominate a 300-call run.
 */
export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('synth');
  try {
    const count = o.quick ? 300 : 1000;
    for (const concurrency of o.quick ? [32] : [32, 64]) {
      const server = await childServer();
      const store = await DatasetStore.open(join(tmp.dir, `db-${concurrency}`), { create: true });
      try {
        const common = { kind: 'exercises', model: 'gpt-4o-mini', baseURL: server.url, apiKey: 'bench' } as const;
        await runSynth(store, { ...common, count: 64, seed: 1000, concurrency });
        await server.stats();
        const t = await timed(() => runSynth(store, { ...common, count, concurrency }));
        const s = t.result;
        const st = await server.stats();
        const ideal = concurrency / 0.2;
        const rps = s.calls / t.seconds;
        const steady = (st.calls - 1) / ((st.last - st.first) / 1000 + 0.2);
        const rejected = Object.entries(s.rejected)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        rows.push({
          name: `Synthetic exercises, 200 ms, concurrency ${concurrency}`,
          value: rps,
          unit: 'req/s',
          note: `${s.generated} stored, rejected ${rejected}, ${s.failed} failed; ${st.calls} calls in ${t.seconds.toFixed(1)} s (gates: tree-sitter parse, exact + MinHash near-dup); max in flight ${st.inFlightMax}; ideal ${ideal}; after a 64-call warm-up run`,
        });
        rows.push({
          name: `Synthetic exercises ratio to ideal, concurrency ${concurrency}`,
          value: rps / ideal,
          unit: 'x',
          note: `steady state (first to last request) ${steady.toFixed(0)} req/s = ${(steady / ideal).toFixed(2)} of ideal`,
        });
      } finally {
        await retryEmptyFlush(() => store.close());
        await server.close();
      }
    }
  } finally {
    await tmp.remove();
  }
  return rows;
}
