import { CodedError } from '../../../shared/errors.js';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { DatasetStore } from '../store/dataset-store.js';
import { importPaths } from '../ingest/importer.js';
import { countTokensExactly } from '../ingest/token-count.js';
import { importHumanLabels } from '../label/label-io.js';
import { RESOURCES_DIR } from '../label/templates.js';
import { createHashEmbedder } from '../embed/hash-embedder.js';
import { embedDataset } from '../embed/embedding-store.js';
import { listModels, trainModel, trainingTargets, type ModelRecord } from '../classify/training.js';
import { scoreDataset } from '../classify/scoring.js';
import { exportFromStore } from '../curate/store-export.js';
import { assertOutDirUsable } from '../curate/output-dir.js';
import { createHash } from 'node:crypto';

export const DEMO_SAMPLES = join(RESOURCES_DIR, 'demo', 'samples.jsonl');
const DEMO_SEED = 42;

/** The machine's own Python standard library, if there is one (Debian's first, then pyenv's). */
export function findStdlib(): string | null {
  const roots: string[] = [];
  for (const base of ['/usr/lib', '/usr/local/lib']) {
    try {
      for (const d of readdirSync(base)
        .filter((n) => /^python3\.\d+$/.test(n))
        .sort())
        roots.push(join(base, d));
    } catch {
      /* absent */
    }
  }
  try {
    for (const v of readdirSync('/root/.pyenv/versions')
      .filter((n) => /^3\./.test(n))
      .sort()) {
      const lib = join('/root/.pyenv/versions', v, 'lib');
      for (const d of readdirSync(lib).filter((n) => /^python3\.\d+$/.test(n))) roots.push(join(lib, d));
    }
  } catch {
    /* no pyenv */
  }
  return roots.find((r) => existsSync(join(r, 'os.py'))) ?? null;
}

export interface DemoOptions {
  outDir: string;
  stdlib?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

export interface DemoSummary {
  demoSamples: number;
  stdlibPath: string | null;
  stdlibSamples: number;
  stdlibKept: number;
  stdlibKeptTokens: number;
  model: Pick<ModelRecord, 'modelId' | 'algo' | 'threshold' | 'metrics' | 'baselines'> & { reused: boolean };
  export: {
    outDir: string;
    skipped: boolean;
    funnel: { step: string; samples: number; tokens: number }[];
    files: number;
  };
  seconds: number;
}

/**
 * The whole phi-1 pipeline on the embedded defaults, offline: import the bundled labeled demo set
 * (+ the local stdlib as unlabeled real code), embed, train a forest on the demo labels, score
 * everything, export. Every step is incremental, so a second run changes nothing.
 */
/** Marks a dataset the demo made, so a second run may add to it again. */
export const DEMO_MARKER = 'demo-dataset.json';

/**
 * The demo adds samples, labels and a model and activates it: it runs only on an empty dataset
 * (which it then marks) or on one it made before, never on a user's dataset.
 */
async function claimDemoDataset(store: DatasetStore): Promise<void> {
  const marker = join(store.dir, DEMO_MARKER);
  // Even with the marker (copied, planted, or left from an earlier demo run), every sample must be
  // one the demo imports: the bundled set or the local stdlib.
  const stdlib = findStdlib();
  let foreign = 0;
  for (let r = 0; r < store.index.size; r++) {
    const src = store.index.source[r];
    if (!src.startsWith(DEMO_SAMPLES) && !(stdlib && src.startsWith(stdlib))) foreign++;
  }
  const made = existsSync(marker);
  if (foreign > 0 || (!made && store.index.size > 0))
    throw new CodedError(
      'conflict',
      `${store.dir} holds ${foreign || store.index.size} samples that the demo did not import, and the demo would add its own samples, labels and model to them: ` +
        'run it on its own dataset (tbs demo uses ./demo-db unless --db is given)',
      { name: 'NotADemoDatasetError' },
    );
  if (made) return;
  await writeFile(marker, JSON.stringify({ createdBy: 'tbs demo', createdAt: new Date().toISOString() }) + '\n', {
    flag: 'wx',
  }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
}

export async function runDemo(store: DatasetStore, o: DemoOptions): Promise<DemoSummary> {
  const t0 = Date.now();
  // The demo replaces its output only when it is empty or a previous export; check before any work.
  await assertOutDirUsable(o.outDir, true, store.dir);
  await claimDemoDataset(store);
  const step = (phase: string) => (p: { done: number; total: number }) => o.onProgress?.({ phase, ...p });
  await importPaths(store, [DEMO_SAMPLES], {
    textField: 'text',
    signal: o.signal,
    onProgress: (p) => step('import demo')({ done: p.doneBytes, total: p.totalBytes }),
  });
  const labels = await importHumanLabels(store, DEMO_SAMPLES, { annotator: 'demo-team' });
  if (labels.errors.length) throw new Error(`demo labels: ${labels.errors[0].message} (line ${labels.errors[0].line})`);
  const stdlibPath = o.stdlib === false ? null : findStdlib();
  if (stdlibPath)
    await importPaths(store, [stdlibPath], {
      chunk: 'function',
      signal: o.signal,
      onProgress: (p) => step('import stdlib')({ done: p.doneBytes, total: p.totalBytes }),
    });
  if (o.signal?.aborted) throw new CodedError('cancelled', 'cancelled');
  await store.compact(['samples', 'import_errors', 'sample_imports']);
  await countTokensExactly(store, { signal: o.signal, onProgress: step('count tokens') });
  const embedder = createHashEmbedder({ dims: 512 });
  await embedDataset(store, embedder, {
    signal: o.signal,
    spec: { kind: 'hash', dims: 512 },
    onProgress: step('embed'),
  });
  // Retrain only when the labels changed: same label snapshot + settings -> reuse the model.
  const t = trainingTargets(store, ['human', 'llm'], store.config.keepThreshold);
  const snapshot = createHash('sha256')
    .update(t.ids.map((id, i) => `${id}:${t.y[i]}`).join('\n'))
    .digest('hex');
  let model = (await listModels(store)).find(
    (m) =>
      m.labelSnapshot.sha256 === snapshot &&
      m.algo === 'forest' &&
      m.embedderId === embedder.id &&
      m.seed === DEMO_SEED &&
      !m.shuffledLabels,
  );
  const reused = Boolean(model);
  if (!model) {
    o.onProgress?.({ phase: 'train', done: 0, total: 1 });
    model = await trainModel(store, embedder, {
      algo: 'forest',
      seed: DEMO_SEED,
      hyper: { nTrees: 100, seed: DEMO_SEED },
    });
    o.onProgress?.({ phase: 'train', done: 1, total: 1 });
  }
  await store.reloadClassifierScores();
  await scoreDataset(store, embedder, model.modelId, {
    signal: o.signal,
    onProgress: (p) => step(p.phase === 'embed' ? 'embed' : 'score')(p),
  });
  const ex = await exportFromStore(store, {
    outDir: o.outDir,
    format: 'parquet',
    overwrite: true,
    skipIfUnchanged: true,
    signal: o.signal,
    rule: { minScore: store.config.keepThreshold, nearDup: 0.95 },
    onProgress: (p) => o.onProgress?.({ phase: `export ${p.phase}`, done: p.done, total: p.total ?? p.done }),
  });
  // What the curated set keeps of the machine's own code.
  let stdlibKept = 0;
  let stdlibKeptTokens = 0;
  if (stdlibPath) {
    for (const f of readdirSync(join(o.outDir, 'data')).filter((n) => n.endsWith('.parquet'))) {
      const rows = await parquetReadObjects({
        file: await asyncBufferFromFile(join(o.outDir, 'data', f)),
        columns: ['source', 'tokens'],
      });
      for (const r of rows as { source: string; tokens: number }[])
        if (r.source.startsWith(stdlibPath)) {
          stdlibKept++;
          stdlibKeptTokens += Number(r.tokens);
        }
    }
  }
  let demoSamples = 0;
  let stdlibSamples = 0;
  for (let r = 0; r < store.index.size; r++) {
    if (stdlibPath && store.index.source[r].startsWith(stdlibPath)) stdlibSamples++;
    else if (store.index.source[r].startsWith(DEMO_SAMPLES)) demoSamples++;
  }
  const manifest = ex.skipped
    ? (JSON.parse(await (await import('node:fs/promises')).readFile(join(o.outDir, 'manifest.json'), 'utf8')) as {
        funnel: DemoSummary['export']['funnel'];
        files: unknown[];
      })
    : null;
  return {
    demoSamples,
    stdlibPath,
    stdlibSamples,
    stdlibKept,
    stdlibKeptTokens,
    model: {
      modelId: model.modelId,
      algo: model.algo,
      threshold: model.threshold,
      metrics: model.metrics,
      baselines: model.baselines,
      reused,
    },
    export: {
      outDir: o.outDir,
      skipped: Boolean(ex.skipped),
      funnel: (manifest?.funnel ?? ex.funnel).map((f) => ({ step: f.step, samples: f.samples, tokens: f.tokens })),
      files: manifest ? manifest.files.length : ex.files.length,
    },
    seconds: (Date.now() - t0) / 1000,
  };
}
