import type * as lancedb from '@lancedb/lancedb';
import type { AnnotationKind, AnnotationRun } from '../../../shared/annotations.js';
import { stringCells } from './arrow-strings.js';
import { readRowSnapshot, writeRowSnapshot } from './row-snapshot.js';

/**
 * The runs of a dataset's annotations and, for each sample and kind, the latest run that checked
 * it (whose findings are current). Coverage lives in per-row arrays of the sample index (10^6
 * samples x 3 scans: 12 MB instead of three 10^6-entry maps) that a snapshot (row-snapshot.ts)
 * persists; a sample the index does not hold keeps its run in a small map.
 */
export class RunCoverage {
  readonly runs = new Map<string, AnnotationRun>();
  /** Runs in the order they became known (by time at load); coverage holds ordinal + 1. */
  private runList: AnnotationRun[] = [];
  private ordinal = new Map<string, number>();
  /** kind -> per sample-index row: ordinal + 1 of the latest run that checked it (0: never). */
  private coverage = new Map<AnnotationKind, Int32Array>();
  /** kind -> sample id -> run id, for samples the index does not hold. */
  private other = new Map<AnnotationKind, Map<string, string>>();

  constructor(private readonly rowOf: (id: string) => number | undefined) {}

  addRun(r: AnnotationRun) {
    this.runs.set(r.runId, r);
    this.ordinal.set(r.runId, this.runList.length);
    this.runList.push(r);
  }

  get(kind: AnnotationKind, sampleId: string): AnnotationRun | undefined {
    const r = this.rowOf(sampleId);
    if (r === undefined) {
      const id = this.other.get(kind)?.get(sampleId);
      return id === undefined ? undefined : this.runs.get(id);
    }
    const col = this.coverage.get(kind);
    const v = col && r < col.length ? col[r] : 0;
    return v ? this.runList[v - 1] : undefined;
  }

  set(kind: AnnotationKind, sampleId: string, runId: string) {
    const r = this.rowOf(sampleId);
    if (r === undefined) {
      let m = this.other.get(kind);
      if (!m) this.other.set(kind, (m = new Map()));
      m.set(sampleId, runId);
      return;
    }
    let col = this.coverage.get(kind);
    if (!col || r >= col.length) {
      const next = new Int32Array(Math.max(1024, r + 1, 2 * (col?.length ?? 0)));
      if (col) next.set(col);
      this.coverage.set(kind, (col = next));
    }
    col[r] = this.ordinal.get(runId)! + 1;
  }

  /** Every coverage row: for each sample and kind, the latest run (by time) that checked it. */
  async loadRows(cov: lancedb.Table) {
    for await (const b of cov.query().select(['run_id', 'sample_id'])) {
      const rid = stringCells(b.getChild('run_id')!);
      const sid = stringCells(b.getChild('sample_id')!);
      for (let i = 0; i < b.numRows; i++) {
        const run = this.runs.get(rid(i) as string);
        // NOTE: coverage of a run without its run row is a write that never finished: ignored.
        if (!run) continue;
        const sample = sid(i) as string;
        const prev = this.get(run.kind, sample);
        if (prev === undefined || this.ordinal.get(prev.runId)! < this.ordinal.get(run.runId)!)
          this.set(run.kind, sample, run.runId);
      }
    }
  }

  async writeSnapshot(dir: string, key: Record<string, unknown>, rows: number) {
    const columns: Record<string, Int32Array> = {};
    for (const [kind, col] of this.coverage) {
      const out = new Int32Array(rows);
      out.set(col.subarray(0, Math.min(rows, col.length)));
      columns[kind] = out;
    }
    const other: [string, string, string][] = [];
    for (const [kind, m] of this.other) for (const [s, r] of m) other.push([kind, s, r]);
    await writeRowSnapshot(dir, 'coverage', key, columns, { runIds: this.runList.map((r) => r.runId), other });
  }

  /** False (nothing loaded) unless the snapshot fits these rows and names only known runs. */
  async loadSnapshot(dir: string, key: Record<string, unknown>, rows: number): Promise<boolean> {
    const snap = await readRowSnapshot(dir, 'coverage', key);
    if (!snap) return false;
    const extra = snap.extra as { runIds?: unknown; other?: unknown } | null;
    if (!extra || !Array.isArray(extra.runIds) || !Array.isArray(extra.other)) return false;
    // Snapshot ordinal + 1 -> ours + 1 (the same list, unless runs sort differently now).
    const map = new Int32Array(extra.runIds.length + 1);
    let identity = extra.runIds.length === this.runList.length;
    for (let k = 0; k < extra.runIds.length; k++) {
      const o = this.ordinal.get(String(extra.runIds[k]));
      if (o === undefined) return false;
      map[k + 1] = o + 1;
      if (o !== k) identity = false;
    }
    const cols = new Map<AnnotationKind, Int32Array>();
    for (const [kind, col] of Object.entries(snap.columns)) {
      if (!(col instanceof Int32Array) || col.length !== rows) return false;
      if (!identity)
        for (let r = 0; r < rows; r++) {
          const v = col[r];
          if (v < 0 || v >= map.length) return false;
          col[r] = map[v];
        }
      cols.set(kind as AnnotationKind, col);
    }
    const other = new Map<AnnotationKind, Map<string, string>>();
    for (const o of extra.other as unknown[]) {
      if (!Array.isArray(o) || o.length !== 3 || !this.runs.has(String(o[2]))) return false;
      const kind = String(o[0]) as AnnotationKind;
      let m = other.get(kind);
      if (!m) other.set(kind, (m = new Map()));
      m.set(String(o[1]), String(o[2]));
    }
    this.coverage = cols;
    this.other = other;
    return true;
  }
}
