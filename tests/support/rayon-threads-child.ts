// Builds a small ANN index after `capNativeThreads(argv[2])` and prints the process's native
// threads by name (Linux /proc): Rayon's pool threads inherit the name of the tokio thread that
// first used the pool, so they are counted under "tokio-rt-worker" (see native-threads.test.ts).
import * as lancedb from '@lancedb/lancedb';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capNativeThreads } from '../../electron/engine/workers/native-threads.ts';
import { ensureVectorIndex } from '../../electron/engine/embed/vector-index.ts';

capNativeThreads(Number(process.argv[2]));
const dir = mkdtempSync(join(tmpdir(), 'tbs-rayon-'));
try {
  const db = await lancedb.connect(dir);
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    sample_id: `s${i}`,
    vector: Array.from({ length: 64 }, (_, j) => Math.sin(i * 7 + j * (i % 13))),
  }));
  const table = await db.createTable('e', rows);
  const r = await ensureVectorIndex(table, { dims: 64, minRows: 1000 });
  const threads: Record<string, number> = {};
  for (const t of readdirSync('/proc/self/task')) {
    const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
    threads[name] = (threads[name] ?? 0) + 1;
  }
  console.log(JSON.stringify({ action: r.action, rayon: process.env.RAYON_NUM_THREADS, threads }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
