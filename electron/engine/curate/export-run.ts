import { pushAll } from '../../../shared/arrays.js';
import { importsChartSvg, type ImportBar } from '../../../shared/imports-chart.js';
import { CodedError } from '../../../shared/errors.js';
import { join, resolve } from 'node:path';
import { TOKEN_ENCODING } from '../../../shared/enums.js';
import {
  loadBenchmarks,
  type BenchmarkError,
  type BenchmarkFields,
  type BenchmarkItem,
  type LoadedBenchmark,
} from './benchmarks.js';
import { benchmarkTable, type BenchmarkReportRow } from './contamination-report.js';
import { applyBudget, type BucketReport } from './budget.js';
import { parseExportRule, type ExportCandidate, type ExportRule, type ExportRuleInput } from './candidate.js';
import { renderDatasetCard } from './dataset-card.js';
import {
  decontaminate,
  pooledTextMatches,
  type ContaminatedSample,
  type DecontaminateResult,
} from './decontaminate.js';
import { SYNTAX_MATCH_DEFAULTS } from './syntax-match.js';
import { exactDedup, nearDedupEmbeddings, type RemovedCluster } from './dedup.js';
import { nearDedupEmbeddingsStreaming, type Prehash } from './near-dup-stream.js';
import type { LshOptions } from './cosine-lsh.js';
import { throwIfAborted } from './hashing.js';
import {
  buildHistogram,
  buildManifest,
  readToolVersion,
  type ExportProvenance,
  type FunnelStep,
  type FunnelStepName,
  type ScoreHistogram,
} from './manifest.js';
import { nearDedupMinhash } from './minhash.js';
import type { CpuPool } from '../workers/cpu-pool.js';
import { assertOutDirUsable, commitStagingDir, createStagingDir, discardStagingDir } from './output-dir.js';
import type { RankedCandidate } from './select.js';
import type { Scanner } from '../hygiene/scan-text.js';
import { applyHygiene, type HygieneFacts, type HygieneReport, type HygieneRuleInput } from '../hygiene/export-stage.js';
import { toExportRow, writeShards, writeTextFile, type ExportFormat, type WrittenFile } from './writers.js';
import { parseSubsets, SubsetFunnels, type SubsetReport } from './subsets.js';
import { subsetReports, writeSubsets } from './subset-output.js';
import { readAndSelect } from './export-read.js';

export type ExportPhase = 'read' | 'exact-dup' | 'near-dup' | 'minhash' | 'decontaminate' | 'budget' | 'write';

export interface ExportProgress {
  phase: ExportPhase;
  done: number;
  /** null while reading a stream of unknown length. */
  total: number | null;
}

export interface RunExportOptions {
  candidates: AsyncIterable<ExportCandidate> | Iterable<ExportCandidate>;
  rule: ExportRuleInput;
  outDir: string;
  format: ExportFormat;
  overwrite?: boolean;
  /** The dataset being exported: the output may not be it, inside it, or one of its ancestors. */
  datasetDir?: string | null;
  /** Benchmarks to decontaminate against: `path` or `name=path` (.jsonl[.gz], .json, .parquet, folders). */
  benchmarks?: string[];
  /** Field roles for layouts other than HumanEval / MBPP. */
  benchmarkFields?: BenchmarkFields;
  /** Continue past unreadable / empty / mostly-broken benchmark files, recording them in the manifest. */
  allowBenchmarkErrors?: boolean;
  /**
   * Decontamination from stored flags (the store export): given the survivors of dedup, returns
   * which to drop. Default: check them here against the loaded items.
   */
  decontaminateWith?: (
    items: RankedCandidate[],
    benchmarks: readonly BenchmarkItem[],
  ) => Promise<DecontaminateResult & { overruled?: ContaminatedSample[] }>;
  /**
   * With `decontaminateWith`: survivors of near-dup whose fate is final, handed over while
   * near-dup goes on (only when no MinHash stage follows), so their check on the worker pool
   * overlaps the near-dup pass; `decontaminateWith` is still called with every survivor after.
   */
  decontaminateAhead?: (items: RankedCandidate[], benchmarks: readonly BenchmarkItem[]) => void;
  /** The samples' embedder; needed only when `rule.decontaminate.cosine` is set. */
  embedText?: (texts: string[]) => Promise<Float32Array[]>;
  /** Worker threads for MinHash sketching; inline without. */
  pool?: CpuPool;
  provenance?: ExportProvenance;
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
  /** Compute funnel and histogram only; touches no files (the app's live preview). */
  dryRun?: boolean;
  /** Shard size by uncompressed row bytes; default 256 MB. */
  shardBytes?: number;
  /** Near-dup candidate generation; 'auto' is exhaustive below 5k samples. */
  nearDupCandidates?: { mode?: 'auto' | 'exhaustive' | 'lsh'; exhaustiveBelow?: number; lsh?: LshOptions };
  /** The vectors' LSH pool bits, hashed on the threads while the texts are read (near-dup-stream.ts). */
  nearDupPrehash?: Prehash | null;
  /** Dataset card title. */
  title?: string;
  /** Licenses, drop-flagged, heuristic filters and redaction of the selected samples; see hygiene/export-stage.ts. */
  hygiene?: { rule: HygieneRuleInput; facts: HygieneFacts; scan?: Scanner };
  /** Clock for the manifest's createdAt (tests pin it). */
  now?: () => Date;
  /** The imports chart of the kept samples (module -> samples importing it); drawn into the card as SVG. */
  importsOf?: (ids: string[]) => Promise<ImportBar[]>;
  /**
   * Write these subsets as separate configs (`data/<name>/`), each with its own funnel and card
   * section; samples in none of them are left out. Dedup, decontamination and the budget still
   * run once over the whole export. Absent: one `default` config, exactly as before.
   */
  subsets?: readonly string[];
}

export interface ExportResult {
  rule: ExportRule;
  funnel: FunnelStep[];
  /** Score histogram of the exported samples, per deciding tier. */
  histogram: ScoreHistogram;
  /** Why samples were dropped before dedup: filter and selection reasons with counts. */
  dropReasons: Record<string, number>;
  clusters: RemovedCluster[];
  contaminated: ContaminatedSample[];
  benchmarkErrors: BenchmarkError[];
  /** Per benchmark: items, samples flagged by method, removed, overruled. */
  benchmarkReport: BenchmarkReportRow[];
  budgetBuckets: BucketReport[];
  warnings: string[];
  hygiene?: HygieneReport | null;
  /** Per subset (only when subsets were asked for): funnel, rows, tokens, files. */
  subsets?: SubsetReport[];
  /** Data files, README, reports (not the manifest itself); empty on a dry run. */
  files: WrittenFile[];
  manifestPath: string | null;
  outDir: string | null;
}

function funnelStep(
  step: FunnelStepName,
  items: readonly RankedCandidate[] | { samples: number; tokens: number },
  prev: FunnelStep | null,
): FunnelStep {
  const { samples, tokens } = Array.isArray(items)
    ? { samples: items.length, tokens: items.reduce((a: number, r: RankedCandidate) => a + r.candidate.tokens, 0) }
    : (items as { samples: number; tokens: number });
  return {
    step,
    samples,
    tokens,
    removed: prev ? prev.samples - samples : 0,
    removedTokens: prev ? prev.tokens - tokens : 0,
  };
}

/**
 * The whole export: select -> exact dedup -> near dedup -> decontaminate -> budget -> write.
 * Output goes to a staging sibling folder that is renamed into place only when complete.
 */
export async function runExport(opts: RunExportOptions): Promise<ExportResult> {
  const rule = parseExportRule(opts.rule);
  const progress = (phase: ExportPhase) => (done: number, total: number) => opts.onProgress?.({ phase, done, total });
  if (!opts.dryRun) await assertOutDirUsable(opts.outDir, opts.overwrite ?? false, opts.datasetDir);

  const benchmarkFiles = opts.benchmarks ?? [];
  let benchmarkItems: BenchmarkItem[] = [];
  let benchmarkErrors: BenchmarkError[] = [];
  let loaded: LoadedBenchmark[] = [];
  if (benchmarkFiles.length > 0) {
    ({
      items: benchmarkItems,
      errors: benchmarkErrors,
      benchmarks: loaded,
    } = await loadBenchmarks(benchmarkFiles, {
      fields: opts.benchmarkFields,
      allowErrors: opts.allowBenchmarkErrors,
    }));
    if (rule.decontaminate.cosine !== null && !opts.embedText && !opts.decontaminateWith) {
      throw new CodedError('invalid_input', 'decontaminate.cosine is set but no embedder (embedText) was provided');
    }
  }

  const subsetNames = opts.subsets ? parseSubsets(opts.subsets) : null;
  const read = await readAndSelect(opts, rule, subsetNames);
  const warnings = [...read.warnings];
  if (benchmarkErrors.length > 0) warnings.push(`${benchmarkErrors.length} benchmark lines or files could not be used`);
  const funnel: FunnelStep[] = [];
  const sub = subsetNames ? new SubsetFunnels(subsetNames) : null;
  const push = (name: FunnelStepName, items: RankedCandidate[] | { samples: number; tokens: number }) => {
    funnel.push(funnelStep(name, items, funnel[funnel.length - 1] ?? null));
    if (sub && Array.isArray(items)) sub.push(name, items);
  };
  push('input', read.input);
  sub?.push('input', read.subsetInput);
  push('filtered', read.filtered);
  sub?.push('filtered', read.subsetFiltered);
  push('selected', read.selected);
  let selected = read.selected;
  let hygiene: HygieneReport | null = null;
  if (opts.hygiene) {
    const h = await applyHygiene(selected, opts.hygiene.rule, opts.hygiene.facts, opts.signal, opts.hygiene.scan);
    for (const s of h.steps) push(s.step, s.kept);
    selected = h.kept;
    hygiene = h.report;
  }

  const exact = exactDedup(selected, { signal: opts.signal, onProgress: progress('exact-dup') });
  push('exact-dup', exact.kept);
  const clusters: RemovedCluster[] = [...exact.clusters];

  let afterNear = exact.kept;
  let nearDupMode: 'exhaustive' | 'lsh' | null = null;
  if (rule.nearDup !== null) {
    const nearOpts = {
      threshold: rule.nearDup,
      candidates: opts.nearDupCandidates?.mode,
      exhaustiveBelow: opts.nearDupCandidates?.exhaustiveBelow,
      lsh: opts.nearDupCandidates?.lsh,
      signal: opts.signal,
      onProgress: progress('near-dup'),
    };
    const ahead =
      opts.decontaminateWith && rule.minhash === null && benchmarkItems.length ? opts.decontaminateAhead : undefined;
    // The LSH work goes to the worker threads when there are some (the same proposals and decisions).
    const pool = opts.pool;
    const threads =
      pool && pool.workers > 1
        ? {
            shares: pool.workers,
            hash: pool.lshHash,
            sortTables: pool.lshTables,
            candidates: pool.lshCandidates,
            prehash: opts.nearDupPrehash,
          }
        : undefined;
    const near =
      ahead || threads
        ? await nearDedupEmbeddingsStreaming(afterNear, {
            ...nearOpts,
            threads,
            onFinal: ahead ? (kept) => ahead(kept, benchmarkItems) : () => {},
          })
        : nearDedupEmbeddings(afterNear, nearOpts);
    nearDupMode = near.mode;
    if (near.withoutEmbedding > 0)
      warnings.push(`${near.withoutEmbedding} samples had no embedding and skipped near-dup`);
    pushAll(clusters, near.clusters);
    afterNear = near.kept;
  }
  if (rule.minhash !== null) {
    const m = rule.minhash;
    const pool = opts.pool;
    const lexical = await nearDedupMinhash(afterNear, m, {
      signal: opts.signal,
      onProgress: progress('minhash'),
      sketch: pool
        ? (texts, bands, rows) => pool.minhash({ texts, ngram: m.ngram, numPerm: m.numPerm, bands, rows })
        : undefined,
    });
    pushAll(clusters, lexical.clusters);
    afterNear = lexical.kept;
  }
  push('near-dup', afterNear);

  const decon = opts.decontaminateWith
    ? await opts.decontaminateWith(afterNear, benchmarkItems)
    : await decontaminate(afterNear, benchmarkItems, {
        ngram: rule.decontaminate.ngram,
        cosine: rule.decontaminate.cosine,
        ast: rule.decontaminate.ast ? SYNTAX_MATCH_DEFAULTS : null,
        textMatchesOf: pooledTextMatches(opts.pool, benchmarkItems, {
          ngram: rule.decontaminate.ngram,
          ast: rule.decontaminate.ast ? SYNTAX_MATCH_DEFAULTS : null,
        }),
        embedText: opts.embedText,
        signal: opts.signal,
        onProgress: progress('decontaminate'),
      });
  const benchmarkReport = benchmarkTable(loaded, decon.dropped, decon.overruled ?? []);
  push('decontaminated', decon.kept);

  throwIfAborted(opts.signal);
  opts.onProgress?.({ phase: 'budget', done: 0, total: decon.kept.length });
  const budget = applyBudget(decon.kept, rule.budgetTokens, rule.stratifyBy);
  push('budget', budget.kept);
  const histogram = buildHistogram(budget.kept);
  const subsets = sub ? subsetReports(sub) : undefined;
  for (const s of subsets ?? []) warnings.push(...s.warnings);

  const result: ExportResult = {
    rule,
    funnel,
    histogram,
    dropReasons: read.dropReasons,
    clusters,
    contaminated: decon.dropped,
    benchmarkErrors,
    benchmarkReport,
    budgetBuckets: budget.buckets,
    warnings,
    hygiene,
    ...(subsets ? { subsets } : {}),
    files: [],
    manifestPath: null,
    outDir: null,
  };
  if (opts.dryRun) return result;

  const staging = await createStagingDir(opts.outDir);
  let files: WrittenFile[] = [];
  try {
    const toolVersion = opts.provenance?.toolVersion ?? readToolVersion();
    const shardOpts = {
      dir: staging,
      format: opts.format,
      shardBytes: opts.shardBytes,
      createdBy: `textbook-studio ${toolVersion}`,
      signal: opts.signal,
      onProgress: progress('write'),
      parquetOn:
        opts.pool && opts.pool.workers > 1 ? { run: opts.pool.parquet, parallel: opts.pool.workers } : undefined,
    };
    const subsetOut = subsets ? await writeSubsets(staging, subsets, budget.kept, shardOpts, opts.importsOf) : null;
    files = subsetOut ? subsetOut.files : await writeShards(budget.kept.map(toExportRow), shardOpts);
    const clusterLines = clusters.map((c) => `${JSON.stringify(c)}\n`).join('');
    files.push(await writeTextFile(staging, 'reports/removed-clusters.jsonl', clusterLines));
    const imports = opts.importsOf ? await opts.importsOf(budget.kept.map((k) => k.candidate.id)) : null;
    if (imports)
      files.push(
        await writeTextFile(
          staging,
          'imports.svg',
          importsChartSvg(imports, { title: 'Imports in the curated set (modules imported by >= 10 samples)' }),
        ),
      );
    const card = renderDatasetCard({
      title: opts.title ?? 'Curated code (Textbook Studio export)',
      format: opts.format,
      split: 'train',
      rule,
      funnel,
      benchmarkReport,
      dataFiles: files.filter((f) => f.rows !== null),
      toolVersion,
      tokenEncoding: TOKEN_ENCODING,
      imports,
      ...(subsetOut ? { subsets: subsetOut.card } : {}),
    });
    files.push(await writeTextFile(staging, 'README.md', card));
    const manifest = buildManifest({
      rule,
      format: opts.format,
      provenance: { ...opts.provenance, toolVersion },
      funnel,
      dropReasons: read.dropReasons,
      histogram,
      clusters,
      nearDupMode,
      benchmarks: {
        files: benchmarkFiles,
        items: benchmarkItems.length,
        itemsTooShort: decon.itemsTooShort,
        errors: benchmarkErrors,
        table: benchmarkReport,
      },
      contaminated: decon.dropped,
      budgetBuckets: budget.buckets,
      files,
      warnings,
      hygiene,
      createdAt: (opts.now ?? (() => new Date()))(),
    });
    await writeTextFile(
      staging,
      'manifest.json',
      `${JSON.stringify({ ...manifest, ...(imports ? { imports } : {}), ...(subsetOut ? { subsets: subsetOut.manifest } : {}) }, null, 2)}\n`,
    );
    // Last chance to cancel: after this the export is in place and complete.
    throwIfAborted(opts.signal);
    await commitStagingDir(staging, opts.outDir, opts.overwrite ?? false, opts.datasetDir);
  } catch (err) {
    await discardStagingDir(staging);
    throw err;
  }
  const outDir = resolve(opts.outDir);
  return { ...result, files, manifestPath: join(outDir, 'manifest.json'), outDir };
}
