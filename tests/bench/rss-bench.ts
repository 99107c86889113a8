import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchTempDir,
  fmtMB,
  mb,
  stackRow,
  textRow,
  writePaddedJsonl,
  type BenchOpts,
  type BenchRow,
} from './corpus.js';

/**
 * Peak RSS of an import, measured in a child process (so the bench runner's own heap does not
 * count): an empty open, a 250 MB and a 1 GB JSONL, and a smaller pair in The Stack's layout
 * (parsed with tree-sitter, whose WASM heap is another place memory could grow).
 */
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'rss-child.ts');

interface ChildResult {
  imported: number;
  errors: number;
  seconds: number;
  maxRssBytes: number;
  heapUsed: number;
}

function child(input: string, dbDir: string, nodeFlags: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', CHILD, input, dbDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANCEDB_LOG: 'error' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`rss child exited ${code}: ${err}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tmp = await benchTempDir('rss');
  const MiB = (b: number) => b / (1 << 20);
  try {
    const big = o.quick ? 200e6 : 1e9;
    const small = o.quick ? 50e6 : 250e6;
    o.log(`writing ${fmtMB(big)} + ${fmtMB(small)} text-only JSONL`);
    const w = await writePaddedJsonl(join(tmp.dir, 'big.jsonl'), big, textRow, {
      path: join(tmp.dir, 'small.jsonl'),
      bytes: small,
    });
    const padNote = w.padded
      ? `${w.real} real unique files + ${w.padded} seeded identifier-renamed variants of them (padding)`
      : `${w.real} real files, no padding`;

    const base = await child('-', join(tmp.dir, 'db-empty'));
    rows.push({
      name: 'peak RSS: open empty dataset',
      value: MiB(base.maxRssBytes),
      unit: 'MiB',
      note: 'child process floor (node + tsx + LanceDB)',
    });
    o.log('import small JSONL in a child');
    const s = await child(join(tmp.dir, 'small.jsonl'), join(tmp.dir, 'db-small'));
    o.log('import big JSONL in a child');
    const b = await child(join(tmp.dir, 'big.jsonl'), join(tmp.dir, 'db-big'));
    rows.push({
      name: `peak RSS: ${fmtMB(w.sideBytes)} JSONL import`,
      value: MiB(s.maxRssBytes),
      unit: 'MiB',
      note: `${s.imported} samples in ${s.seconds.toFixed(0)} s (${(mb(w.sideBytes) / s.seconds).toFixed(1)} MB/s); real files only`,
    });
    rows.push({
      name: `peak RSS: ${fmtMB(w.bytes)} JSONL import`,
      value: MiB(b.maxRssBytes),
      unit: 'MiB',
      note: `${b.imported} samples in ${b.seconds.toFixed(0)} s (${(mb(w.bytes) / b.seconds).toFixed(1)} MB/s); JS heap at end ${MiB(b.heapUsed).toFixed(0)} MiB; ${padNote}`,
    });
    o.log('import big JSONL in a child with a 256 MB old-space cap');
    const capped = await child(join(tmp.dir, 'big.jsonl'), join(tmp.dir, 'db-big-capped'), [
      '--max-old-space-size=256',
    ]).catch((e: Error) => e);
    rows.push(
      capped instanceof Error
        ? {
            name: `peak RSS: ${fmtMB(w.bytes)} import, V8 old space capped at 256 MB`,
            value: NaN,
            unit: 'MiB',
            note: `FAILED: ${capped.message.slice(-300)}`,
          }
        : {
            name: `peak RSS: ${fmtMB(w.bytes)} import, V8 old space capped at 256 MB`,
            value: MiB(capped.maxRssBytes),
            unit: 'MiB',
            note: `completes: live memory stays bounded; without a cap V8 lets the heap grow before collecting (${capped.imported} samples in ${capped.seconds.toFixed(0)} s)`,
          },
    );
    const growth = MiB(b.maxRssBytes - s.maxRssBytes) / MiB(w.bytes - w.sideBytes);
    rows.push({
      name: 'RSS growth per extra MiB of input',
      value: growth,
      unit: 'MiB/MiB',
      note: `(RSS@big - RSS@small) / (big - small); ~0 = independent of input size; RSS of the index (ids, sources) grows with samples, not bytes`,
    });

    if (!o.quick) {
      const ss = 25e6;
      const sb = 100e6;
      o.log(`writing ${fmtMB(sb)} + ${fmtMB(ss)} Stack-layout JSONL`);
      const ws = await writePaddedJsonl(join(tmp.dir, 'stack-big.jsonl'), sb, stackRow, {
        path: join(tmp.dir, 'stack-small.jsonl'),
        bytes: ss,
      });
      const s2 = await child(join(tmp.dir, 'stack-small.jsonl'), join(tmp.dir, 'db-stack-small'));
      o.log('import big Stack-layout JSONL in a child');
      const b2 = await child(join(tmp.dir, 'stack-big.jsonl'), join(tmp.dir, 'db-stack-big'));
      rows.push({
        name: `peak RSS: ${fmtMB(ws.sideBytes)} Stack-layout import (parsed)`,
        value: MiB(s2.maxRssBytes),
        unit: 'MiB',
        note: `${s2.imported} samples in ${s2.seconds.toFixed(0)} s; real files`,
      });
      rows.push({
        name: `peak RSS: ${fmtMB(ws.bytes)} Stack-layout import (parsed)`,
        value: MiB(b2.maxRssBytes),
        unit: 'MiB',
        note: `${b2.imported} samples in ${b2.seconds.toFixed(0)} s; ${ws.padded ? `${ws.padded} padded variants` : 'real files'}`,
      });
    }
  } finally {
    await tmp.remove();
  }
  return rows;
}
