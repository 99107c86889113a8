import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../../electron/engine/engine.js';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import {
  benchTempDir,
  journalRace,
  JsonlWriter,
  median,
  percentile,
  prng,
  realFunctions,
  retryEmptyFlush,
  timed,
  type BenchOpts,
  type BenchRow,
} from './corpus.js';

/**
 * Human label writes through Engine.invoke('labels.addHuman'), N workers each writing back to back
 * (closed loop). A write is acknowledged once the journal fsync'd it; LanceDB receives group
 * commits (<= 500 ms or 1,000 rows), so the table should gain few versions.
 */
async function filesUnder(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!d.isFile()) continue;
    files++;
    bytes += (await stat(join(d.parentPath, d.name))).size;
  }
  return { files, bytes };
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('labels');
  try {
    const { chunks } = await realFunctions(2000);
    const jsonl = join(tmp.dir, 'samples.jsonl');
    const w = new JsonlWriter(jsonl);
    for (const c of chunks) await w.write({ content: c.text, file: c.file, line: c.startLine });
    await w.close();

    // Raw fsync latency of this disk, for context.
    const fh = await open(join(tmp.dir, 'fsync-probe'), 'a');
    const fsyncs: number[] = [];
    for (let k = 0; k < 100; k++)
      fsyncs.push(
        (
          await timed(async () => {
            await fh.write('x'.repeat(200) + '\n');
            await fh.datasync();
          })
        ).seconds,
      );
    await fh.close();
    rows.push({
      name: 'raw append + fdatasync latency p50',
      value: median(fsyncs) * 1000,
      unit: 'ms',
      note: `100 probes in ${tmp.dir.startsWith('/tmp') ? '/tmp' : 'tmpdir'}; p95 ${(percentile(fsyncs, 95) * 1000).toFixed(2)} ms`,
    });

    const levels = o.quick ? [1, 64] : [1, 16, 64, 256];
    for (const c of levels) {
      const dbDir = join(tmp.dir, `db-${c}`);
      const engine = await Engine.open({ dir: dbDir });
      await importPaths(engine.store, [jsonl]);
      await engine.store.compact(['samples']);
      const ids = engine.store.index.ids.slice();
      const labels = await engine.store.table('labels');
      const v0 = await labels.version();
      const seconds = o.quick ? 1 : 3;
      const lat: number[] = [];
      const rnd = prng(c);
      let total = 0;
      let deadline = 0;
      const worker = async () => {
        while (performance.now() < deadline) {
          total++;
          const sampleId = ids[Math.floor(rnd() * ids.length)];
          const t0 = performance.now();
          await engine.invoke('labels.addHuman', { sampleId, score: Math.floor(rnd() * 6), annotator: `w${c}` });
          lat.push((performance.now() - t0) / 1000);
        }
      };
      // Acknowledged-but-not-in-LanceDB records over time: the journal promises group commits every
      // <= 500 ms or 1,000 rows, so this should stay near 1,000.
      let maxPending = 0;
      const sampler = setInterval(() => {
        maxPending = Math.max(maxPending, engine.store.pendingLabels().length);
      }, 5);
      deadline = performance.now() + seconds * 1000;
      const t = await timed(() => Promise.all(Array.from({ length: c }, worker)));
      clearInterval(sampler);
      const pendingAtEnd = engine.store.pendingLabels().length;
      const racesBefore = journalRace.retries;
      const flushS = (await timed(() => retryEmptyFlush(() => engine.store.flush()))).seconds;
      const v1 = await labels.version();
      const disk = await filesUnder(join(dbDir, 'tables'));
      const n = await labels.countRows();
      rows.push({
        name: `label writes, concurrency ${c}`,
        value: total / t.seconds,
        unit: 'durable writes/s',
        note: `${total} labels.addHuman via Engine.invoke in ${t.seconds.toFixed(1)} s; ack = journal fdatasync; target >= 1,000`,
      });
      rows.push({
        name: `label ack latency, concurrency ${c}`,
        value: median(lat) * 1000,
        unit: 'ms p50',
        note: `p95 ${(percentile(lat, 95) * 1000).toFixed(1)} ms, max ${(lat.reduce((a, b) => Math.max(a, b), 0) * 1000).toFixed(0)} ms`,
      });
      rows.push({
        name: `labels table versions, concurrency ${c}`,
        value: v1 - v0,
        unit: 'versions',
        note: `for ${total} labels; max ${maxPending} acknowledged labels not yet in LanceDB during the run, ${pendingAtEnd} at its end (${n} rows in LanceDB after the final flush, ${(flushS * 1000).toFixed(0)} ms); dataset now ${disk.files} files, ${(disk.bytes / 1e6).toFixed(0)} MB${journalRace.retries > racesBefore ? '; final flush hit the journal flush race and was retried' : ''}`,
      });
      await retryEmptyFlush(() => engine.close());
    }
  } finally {
    await tmp.remove();
  }
  return rows;
}
