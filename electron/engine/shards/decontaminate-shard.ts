import type * as lancedb from '@lancedb/lancedb';
import type { Annotation, AnnotationKind, AnnotationRun } from '../../../shared/annotations.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { newRun, writeRunRows, type AnnotationInput, type AnnotationStore } from '../store/annotation-store.js';
import { TABLES } from '../store/table-schemas.js';
import { decontaminateStore, type CheckSummary } from '../curate/contamination-check.js';
import type { LoadedBenchmark } from '../curate/benchmarks.js';
import { startShard, type ShardInfo } from './shard-folder.js';
import { shardOfId, type ShardSpec } from './shard-spec.js';

/**
 * `tbs decontaminate --shard K/N`: checks the samples whose id hashes to K and records the runs in
 * the shard's own LanceDB (`shards/decontaminate-K-of-N/tables/`, the dataset's annotation schemas).
 * `tbs merge` folds each run under its own id, so folding twice adds nothing.
 */

/** The dataset's annotations seen through this shard: its own runs on top, recorded in its folder. */
class ShardAnnotations implements Pick<AnnotationStore, 'checkedBy' | 'recordRun' | 'annotationsOf'> {
  private found = new Map<string, Annotation[]>();
  private checked = new Set<string>();

  constructor(
    private readonly base: AnnotationStore,
    private readonly t: { runs: lancedb.Table; coverage: lancedb.Table; annotations: lancedb.Table },
  ) {}

  checkedBy(sampleId: string, kind: AnnotationKind): AnnotationRun | null {
    return this.base.checkedBy(sampleId, kind);
  }

  annotationsOf(sampleId: string, kind: AnnotationKind): Annotation[] {
    if (kind !== 'contamination' || !this.checked.has(sampleId)) return this.base.annotationsOf(sampleId, kind);
    return this.found.get(sampleId) ?? [];
  }

  async recordRun(
    run: { kind: AnnotationKind; scope: string; params?: Record<string, unknown> },
    checked: Iterable<string>,
    found: AnnotationInput[],
  ): Promise<AnnotationRun> {
    const { rec, samples, anns } = newRun(run, checked, found);
    await writeRunRows(this.t, rec, samples, anns);
    for (const s of samples) {
      this.checked.add(s);
      this.found.delete(s);
    }
    for (const a of anns) this.found.set(a.sampleId, [...(this.found.get(a.sampleId) ?? []), a]);
    return rec;
  }
}

export async function decontaminateShard(
  store: DatasetStore,
  spec: ShardSpec,
  o: Parameters<typeof decontaminateStore>[1],
): Promise<CheckSummary & { benchmarks: LoadedBenchmark[]; shard: string }> {
  const sf = await startShard(store.folder.dir, 'decontaminate', spec, {
    ngram: o.ngram,
    cosine: o.cosine,
    ast: o.ast,
    embedder: o.embedder?.id ?? null,
  });
  try {
    const t = {
      runs: await sf.db.createEmptyTable('annotation_runs', TABLES.annotation_runs),
      coverage: await sf.db.createEmptyTable('annotation_coverage', TABLES.annotation_coverage),
      annotations: await sf.db.createEmptyTable('annotations', TABLES.annotations),
    };
    const only = new Set<string>();
    for (const id of store.index.ids) if (shardOfId(id, spec.n) === spec.k) only.add(id);
    // A cancelled check throws, so done.json is written only after every batch was recorded.
    const r = await decontaminateStore(store, { ...o, only, annotations: new ShardAnnotations(store.annotations, t) });
    await sf.finish({ checked: r.checked, rechecked: r.rechecked, flagged: r.flagged, scope: r.scope });
    return { ...r, shard: sf.dir };
  } finally {
    sf.db.close();
  }
}

/** Merge: every run of the shard, in the order it ran, under its own id. Returns samples covered. */
export async function foldDecontaminateShard(store: DatasetStore, db: lancedb.Connection, _info: ShardInfo) {
  const runs = (await (await db.openTable('annotation_runs')).query().toArray())
    .map((r): AnnotationRun => ({
      runId: r.run_id as string,
      kind: r.kind as AnnotationKind,
      scope: r.scope as string,
      params: JSON.parse(r.params as string) as Record<string, unknown>,
      checked: r.checked as number,
      createdAt: r.created_at as string,
    }))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.runId < b.runId ? -1 : 1));
  const coverage = new Map<string, string[]>();
  for await (const b of (await db.openTable('annotation_coverage')).query().select(['run_id', 'sample_id'])) {
    const rid = b.getChild('run_id')!;
    const sid = b.getChild('sample_id')!;
    for (let i = 0; i < b.numRows; i++) {
      const list = coverage.get(rid.get(i)) ?? [];
      if (!list.length) coverage.set(rid.get(i), list);
      list.push(sid.get(i));
    }
  }
  const anns = new Map<string, Annotation[]>();
  for (const r of await (await db.openTable('annotations')).query().toArray()) {
    const a: Annotation = {
      annotationId: r.annotation_id as string,
      sampleId: r.sample_id as string,
      kind: r.kind as AnnotationKind,
      method: r.method as string,
      subject: r.subject as string,
      evidence: JSON.parse(r.evidence as string) as Record<string, unknown>,
      runId: r.run_id as string,
      createdAt: r.created_at as string,
    } as Annotation;
    anns.set(a.runId, [...(anns.get(a.runId) ?? []), a]);
  }
  let samples = 0;
  for (const run of runs) {
    // Samples removed since the shard ran are left out, as a check run now would.
    const checked = (coverage.get(run.runId) ?? []).filter((id) => store.index.has(id));
    const found = (anns.get(run.runId) ?? []).filter((a) => store.index.has(a.sampleId));
    if (await store.annotations.importRun(run, checked, found)) samples += checked.length;
  }
  return { annotations: samples };
}
