import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import type { EmbedInput } from '../../electron/engine/embed/embedder.js';
import { chunkPython } from '../../electron/engine/ingest/python-parser.js';
import { RandomForest } from '../../electron/engine/classify/random-forest.js';
import { LogisticRegression } from '../../electron/engine/classify/logistic-regression.js';
import { trainAndEvaluate } from '../../electron/engine/classify/classifier.js';

/**
 * Embedder and classifier speed on real code: the Python 3.11 standard library, embedded with
 * the hash embedder, labeled by a text proxy for "documented" (the same idea as the unit test).
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const STDLIB = '/usr/lib/python3.11';
const ROWS = 5000;

function listPython(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (name !== '__pycache__') listPython(p, out);
    } else if (name.endsWith('.py')) out.push(p);
  }
  return out;
}

/** A function or class chunk counts as "keep" when it opens with a docstring and has comments. */
function proxyLabel(text: string): number {
  const lines = text.split('\n');
  const comments = lines.filter((l) => l.trim().startsWith('#')).length;
  const docstring = /^\s*(?:@[^\n]*\n\s*)*(?:async\s+)?(?:def|class)\b[^\n]*:\s*\n\s*[rRuU]?("""|''')/.test(text);
  return docstring && comments / lines.length > 0.02 ? 1 : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed<T>(fn: () => T): { result: T; seconds: number } {
  const t0 = performance.now();
  const result = fn();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const embedder = createHashEmbedder({ dims: 512 });
  const texts = listPython(STDLIB).map((f) => readFileSync(f, 'utf8'));
  const corpusBytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);

  // Throughput over whole files; repeat the corpus until ~20 MB went through.
  const passes = Math.max(1, Math.ceil(20e6 / corpusBytes));
  embedder.embedOne({ text: texts[0], language: 'python', astCounts: {} }); // warm up the JIT
  const embedRun = timed(() => {
    for (let p = 0; p < passes; p++)
      for (const text of texts) embedder.embedOne({ text, language: 'python', astCounts: {} });
  });
  rows.push({
    name: 'hash-embed throughput (whole files)',
    value: (passes * corpusBytes) / 1e6 / embedRun.seconds,
    unit: 'MB/s',
    note: `${texts.length} stdlib files x ${passes} passes = ${((passes * corpusBytes) / 1e6).toFixed(1)} MB, one core`,
  });

  // The training matrix: real function/class chunks with tree-sitter node counts, as imported.
  const inputs: EmbedInput[] = [];
  for (const text of texts) {
    for (const c of await chunkPython(text, 'function'))
      inputs.push({ text: c.text, language: 'python', astCounts: c.astCounts });
    if (inputs.length >= ROWS) break;
  }
  inputs.length = Math.min(inputs.length, ROWS);
  const chunkBytes = inputs.reduce((s, c) => s + Buffer.byteLength(c.text), 0);
  const chunkRun = timed(() => inputs.map((c) => embedder.embedOne(c)));
  const X = chunkRun.result;
  rows.push({
    name: 'hash-embed throughput (chunks + astCounts)',
    value: chunkBytes / 1e6 / chunkRun.seconds,
    unit: 'MB/s',
    note: `${X.length} chunks`,
  });
  const y = Uint8Array.from(inputs, (c) => proxyLabel(c.text));
  const positives = y.reduce((a, b) => a + b, 0);
  const shape = `${X.length} x ${embedder.dims}, ${positives} keeps`;

  const forestTimes: number[] = [];
  let forest: RandomForest | null = null;
  for (let k = 0; k < 3; k++) {
    const r = timed(() => RandomForest.fit(X, y, { nTrees: 100, seed: k + 1 }));
    forestTimes.push(r.seconds);
    forest = r.result;
  }
  rows.push({ name: 'forest train, 100 trees', value: median(forestTimes), unit: 's', note: `median of 3; ${shape}` });
  rows.push({
    name: 'forest size',
    value: forest!.nodeCount,
    unit: 'nodes',
    note: `${(JSON.stringify(forest!.toJSON()).length / 1024).toFixed(0)} KB as JSON`,
  });

  const logisticTimes: number[] = [];
  let logistic: LogisticRegression | null = null;
  for (let k = 0; k < 3; k++) {
    const r = timed(() => LogisticRegression.fit(X, y, {}));
    logisticTimes.push(r.seconds);
    logistic = r.result;
  }
  rows.push({
    name: 'logistic train (L-BFGS)',
    value: median(logisticTimes),
    unit: 's',
    note: `median of 3; ${logistic!.iterations} iterations; ${shape}`,
  });

  const predictForest = timed(() => forest!.predictProba(X));
  rows.push({ name: 'forest predict', value: X.length / predictForest.seconds, unit: 'rows/s', note: '100 trees' });
  const predictLogistic = timed(() => logistic!.predictProba(X));
  rows.push({ name: 'logistic predict', value: X.length / predictLogistic.seconds, unit: 'rows/s' });

  const ids = inputs.map((_, i) => `chunk-${String(i).padStart(5, '0')}`);
  for (const algo of ['forest', 'logistic'] as const) {
    const r = timed(() =>
      trainAndEvaluate({ ids, X, y, algo, seed: 1, testFraction: 0.2, thresholdRule: { kind: 'max-f1' } }),
    );
    const m = r.result.metrics;
    const note = `stdlib proxy, ${m.testSize} held out; baseline acc ${m.baselineAccuracy.toFixed(3)}, acc ${m.accuracy.toFixed(3)}, threshold ${r.result.threshold.toFixed(3)} (${r.result.thresholdSource}), ${r.seconds.toFixed(1)} s`;
    rows.push({ name: `${algo} held-out F1`, value: m.f1, unit: 'F1', note });
    rows.push({ name: `${algo} held-out ROC-AUC`, value: m.rocAuc, unit: 'AUC' });
    rows.push({ name: `${algo} held-out PR-AUC`, value: m.prAuc, unit: 'AP' });
  }
  return rows;
}
