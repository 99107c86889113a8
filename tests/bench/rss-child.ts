// Child process of rss-bench: imports one input into a fresh dataset and prints one JSON line with
// its peak RSS (process.resourceUsage().maxRSS, which the kernel reports in KiB).
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { DatasetStore } from '../../electron/engine/store/dataset-store.js';

process.env.LANCEDB_LOG ??= 'error';
const [input, dbDir, chunk] = process.argv.slice(2);
const t0 = performance.now();
const store = await DatasetStore.open(dbDir, { create: true });
const r =
  input === '-' ? null : await importPaths(store, [input], { chunk: chunk === 'function' ? 'function' : 'file' });
const seconds = (performance.now() - t0) / 1000;
await store.close();
const mem = process.memoryUsage();
process.stdout.write(
  JSON.stringify({
    imported: r?.imported ?? 0,
    errors: r?.errorCount ?? 0,
    seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsed: mem.heapUsed,
    external: mem.external,
  }) + '\n',
);
