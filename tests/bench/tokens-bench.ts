import { Tiktoken } from 'js-tiktoken/lite';
import o200kRanks from 'js-tiktoken/ranks/o200k_base';
import { encoder } from '../../electron/engine/label/prompt.js';
import { estimateTokens } from '../../electron/engine/ingest/normalize.js';
import { fmtMB, loadCorpus, median, realFunctions, shuffled, timed, type BenchOpts, type BenchRow } from './corpus.js';

/**
 * Exact o200k_base counting speed (tiktoken's WebAssembly build, the encoder the app uses, against
 * js-tiktoken, which it replaced) on real code, and
 * how far the import's estimate (normalize.ts estimateTokens, UTF-8 bytes / a constant) is from the exact count, per file and per
 * function chunk of the standard library.
 */
function errorStats(texts: string[], exact: number[]) {
  let absPct = 0;
  let est = 0;
  let ex = 0;
  let bytes = 0;
  const errs: number[] = [];
  texts.forEach((t, i) => {
    const e = estimateTokens(t);
    const pct = (Math.abs(e - exact[i]) / Math.max(1, exact[i])) * 100;
    absPct += pct;
    errs.push(pct);
    est += e;
    ex += exact[i];
    bytes += Buffer.byteLength(t);
  });
  return {
    mape: absPct / texts.length,
    p90: errs.sort((a, b) => a - b)[Math.floor(errs.length * 0.9)],
    ratio: est / ex,
    bytesPerToken: bytes / ex,
  };
}

export async function run(o: BenchOpts): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const stdlib = loadCorpus().files.filter(
    (f) => /^\/usr\/lib\/python3\.\d+\//.test(f.path) && !f.path.includes('-packages/'),
  );
  const target = o.quick ? 2e6 : 12e6;
  const files = [];
  let bytes = 0;
  for (const f of shuffled(stdlib, 3)) {
    if (bytes >= target) break;
    files.push(f);
    bytes += f.bytes;
  }
  const load = await timed(() => encoder().encode('def f(x):\n    return x\n').length);
  rows.push({
    name: 'o200k_base encoder load (tiktoken, WebAssembly)',
    value: load.seconds * 1000,
    unit: 'ms',
    note: 'first call: rank table load; paid once by every thread that counts',
  });
  const jsLoad = await timed(() => new Tiktoken(o200kRanks));
  const js = jsLoad.result;
  rows.push({
    name: 'o200k_base encoder load (js-tiktoken, for comparison)',
    value: jsLoad.seconds * 1000,
    unit: 'ms',
    note: 'the encoder used before (issue 13, stop 24)',
  });

  const texts = files.map((f) => f.text);
  const runs: number[] = [];
  let exact: number[] = [];
  for (let k = 0; k < (o.quick ? 1 : 2); k++) {
    const r = await timed(() => texts.map((t) => encoder().encode(t).length));
    runs.push(r.seconds);
    exact = r.result;
  }
  const tokens = exact.reduce((a, b) => a + b, 0);
  rows.push({
    name: 'exact token count (full encode), tiktoken o200k_base',
    value: bytes / 1e6 / median(runs),
    unit: 'MB/s',
    note: `median of ${runs.length}; ${files.length} stdlib files (seeded pick), ${fmtMB(bytes)}, ${tokens} tokens, one core`,
  });
  const jsRun = await timed(() => texts.map((t) => js.encode(t, [], []).length));
  const same = jsRun.result.every((n, i) => n === exact[i]);
  rows.push({
    name: 'exact token count (full encode), js-tiktoken o200k_base',
    value: bytes / 1e6 / jsRun.seconds,
    unit: 'MB/s',
    note: `one run, same files; counts ${same ? 'identical to' : 'DIFFERENT from'} tiktoken's`,
  });
  const divisor = 360_000 / estimateTokens('x'.repeat(360_000)); // the estimate's bytes-per-token constant
  const est = await timed(() => texts.reduce((s, t) => s + estimateTokens(t), 0));
  rows.push({
    name: `token estimate (estimateTokens: bytes / ${+divisor.toFixed(2)})`,
    value: bytes / 1e6 / Math.max(est.seconds, 1e-9),
    unit: 'MB/s',
    note: 'estimateTokens, for comparison',
  });

  const fe = errorStats(texts, exact);
  rows.push({
    name: 'estimate error vs exact, per stdlib file',
    value: fe.mape,
    unit: '% MAPE',
    note: `estimate = bytes / ${+divisor.toFixed(2)}; p90 ${fe.p90.toFixed(1)} %; sum(estimate)/sum(exact) = ${fe.ratio.toFixed(3)}; measured ${fe.bytesPerToken.toFixed(2)} bytes/token`,
  });
  const { chunks } = await realFunctions(o.quick ? 500 : 3000);
  const ct = chunks.map((c) => c.text);
  const ce = errorStats(
    ct,
    ct.map((t) => encoder().encode(t).length),
  );
  rows.push({
    name: 'estimate error vs exact, per function chunk',
    value: ce.mape,
    unit: '% MAPE',
    note: `${ct.length} real top-level functions/classes (all corpus dirs); p90 ${ce.p90.toFixed(1)} %; sum ratio ${ce.ratio.toFixed(3)}; ${ce.bytesPerToken.toFixed(2)} bytes/token`,
  });
  return rows;
}
