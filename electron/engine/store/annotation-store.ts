import { randomUUID } from 'node:crypto';
import type * as lancedb from '@lancedb/lancedb';
import type {
  Annotation,
  AnnotationDecision,
  AnnotationKind,
  AnnotationRun,
  AnnotationVerdict,
  ContaminationFlag,
} from '../../../shared/annotations.js';
import type { DatasetFolder } from './dataset-folder.js';
import { RunCoverage } from './run-coverage.js';

/** What a detector reports for one sample; ids, run and time are filled in by `recordRun`. */
export type AnnotationInput = Pick<Annotation, 'sampleId' | 'method' | 'subject' | 'evidence'>;
export type DecisionInput = Pick<AnnotationDecision, 'sampleId' | 'kind' | 'subject' | 'verdict' | 'annotator'> & {
  note?: string | null;
};

/** A sample's current state for one kind: its annotations and the latest decision on each subject. */
export interface AnnotationState {
  run: AnnotationRun;
  annotations: Annotation[];
  decisions: Map<string, AnnotationDecision>;
}

const decisionKey = (sampleId: string, kind: string, subject: string) => `${sampleId}\u0000${kind}\u0000${subject}`;
const byTimeThenId = <T extends { createdAt: string }>(a: T, b: T, id: (x: T) => string) =>
  a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : id(a) < id(b) ? -1 : 1;

/**
 * The annotations of a dataset, shared by every detector kind (contamination, secret, pii,
 * license). A run checks a set of samples against a scope (what they were checked against) and
 * records what it found; for each sample and kind the latest run that checked it is current, so
 * a re-check that finds nothing clears earlier findings without deleting them. Decisions are
 * keyed by (sample, kind, subject) and survive re-runs; the latest decision wins.
 *
 * Everything current is held in memory (a flag per checked sample), so list/where filters never
 * touch LanceDB.
 */
export class AnnotationStore {
  /** Every run, and for each sample and kind the run whose findings are current. */
  private readonly cov: RunCoverage;
  /** kind -> sample id -> annotations of its current run. */
  private current = new Map<AnnotationKind, Map<string, Annotation[]>>();
  private decisions = new Map<string, AnnotationDecision>();
  /** Bumped on every change, so query caches know when they are stale. */
  version = 0;
  private decisionRecords = 0;

  private constructor(
    private readonly folder: DatasetFolder,
    rowOf: (id: string) => number | undefined,
  ) {
    this.cov = new RunCoverage(rowOf);
  }

  /**
   * `rowOf` places a sample's coverage in per-row arrays (10^6 samples x 3 scans: 12 MB instead of
   * three 10^6-entry maps); `snapshot` reads and persists those arrays (row-snapshot.ts) under a
   * key that names the index's rows and the runs / coverage tables' versions.
   */
  static async open(
    folder: DatasetFolder,
    opts: {
      rowOf?: (id: string) => number | undefined;
      snapshot?: { dir: string; key: Record<string, unknown>; rows: number; write: boolean };
    } = {},
  ): Promise<AnnotationStore> {
    const s = new AnnotationStore(folder, opts.rowOf ?? (() => undefined));
    await s.load(opts.snapshot);
    return s;
  }

  private async load(snapshot?: { dir: string; key: Record<string, unknown>; rows: number; write: boolean }) {
    const runs: AnnotationRun[] = [];
    for (const r of await (await this.folder.table('annotation_runs')).query().toArray()) {
      runs.push({
        runId: r.run_id as string,
        kind: r.kind as AnnotationKind,
        scope: r.scope as string,
        params: JSON.parse(r.params as string) as Record<string, unknown>,
        checked: r.checked as number,
        createdAt: r.created_at as string,
      });
    }
    runs.sort((a, b) => byTimeThenId(a, b, (x) => x.runId));
    for (const r of runs) this.cov.addRun(r);
    const fromSnapshot = snapshot && (await this.cov.loadSnapshot(snapshot.dir, snapshot.key, snapshot.rows));
    if (!fromSnapshot) {
      await this.cov.loadRows(await this.folder.table('annotation_coverage'));
      if (snapshot?.write) await this.cov.writeSnapshot(snapshot.dir, snapshot.key, snapshot.rows);
    }
    const ann = await this.folder.table('annotations');
    for await (const b of ann.query()) {
      const c = (n: string) => b.getChild(n)!;
      const [aid, sid, kind, method, subject, evidence, rid, at] = [
        'annotation_id',
        'sample_id',
        'kind',
        'method',
        'subject',
        'evidence',
        'run_id',
        'created_at',
      ].map(c);
      for (let i = 0; i < b.numRows; i++) {
        const k = kind.get(i) as AnnotationKind;
        const sample = sid.get(i) as string;
        const runId = rid.get(i) as string;
        if (this.cov.get(k, sample)?.runId !== runId) continue;
        this.push(k, {
          annotationId: aid.get(i),
          sampleId: sample,
          kind: k,
          method: method.get(i),
          subject: subject.get(i),
          evidence: JSON.parse(evidence.get(i) as string) as Record<string, unknown>,
          runId,
          createdAt: at.get(i),
        });
      }
    }
    const dec: AnnotationDecision[] = [];
    for (const r of await (await this.folder.table('annotation_decisions')).query().toArray()) {
      dec.push({
        decisionId: r.decision_id as string,
        sampleId: r.sample_id as string,
        kind: r.kind as AnnotationKind,
        subject: r.subject as string,
        verdict: r.verdict as AnnotationVerdict,
        annotator: r.annotator as string,
        note: (r.note as string | null) ?? null,
        createdAt: r.created_at as string,
      });
    }
    dec.sort((a, b) => byTimeThenId(a, b, (x) => x.decisionId));
    for (const d of dec) this.decisions.set(decisionKey(d.sampleId, d.kind, d.subject), d);
    this.decisionRecords = dec.length;
  }

  /** Changes whenever a run or a decision is recorded (part of export fingerprints). */
  fingerprint(): string {
    return `${this.cov.runs.size}:${this.decisionRecords}`;
  }

  private currentOf(kind: AnnotationKind) {
    let m = this.current.get(kind);
    if (!m) this.current.set(kind, (m = new Map()));
    return m;
  }
  private push(kind: AnnotationKind, a: Annotation) {
    const m = this.currentOf(kind);
    const list = m.get(a.sampleId);
    if (list) list.push(a);
    else m.set(a.sampleId, [a]);
  }

  /**
   * Records one check run: every sample in `checked` (plus any sample an annotation names) now
   * has this run's findings as its current ones for `kind`. Rows are written annotations first,
   * coverage next and the run row last, so a crash mid-way leaves nothing that counts.
   */
  async recordRun(
    run: { kind: AnnotationKind; scope: string; params?: Record<string, unknown> },
    checked: Iterable<string>,
    found: AnnotationInput[],
  ): Promise<AnnotationRun> {
    const { rec, samples, anns } = newRun(run, checked, found);
    await this.writeRun(rec, samples, anns, true);
    return rec;
  }

  /**
   * Folds a run recorded elsewhere (a decontaminate shard) under its own ids. Rows an interrupted
   * earlier fold of this same run left are replaced; a run already here is skipped (false).
   */
  async importRun(rec: AnnotationRun, checked: Iterable<string>, anns: Annotation[]): Promise<boolean> {
    if (this.cov.runs.has(rec.runId)) return false;
    // NOTE: only rows carrying this run's id, which only this run's fold writes.
    const pred = `run_id = '${rec.runId.replace(/'/g, "''")}'`;
    await (await this.folder.table('annotations')).delete(pred);
    await (await this.folder.table('annotation_coverage')).delete(pred);
    const samples = new Set(checked);
    for (const a of anns) samples.add(a.sampleId);
    await this.writeRun({ ...rec, checked: samples.size }, samples, anns, false);
    return true;
  }

  private async writeRun(rec: AnnotationRun, samples: Set<string>, anns: Annotation[], latest: boolean) {
    const runId = rec.runId;
    await writeRunRows(
      {
        annotations: await this.folder.table('annotations'),
        coverage: await this.folder.table('annotation_coverage'),
        runs: await this.folder.table('annotation_runs'),
      },
      rec,
      samples,
      anns,
    );
    this.cov.addRun(rec);
    const cur = this.currentOf(rec.kind);
    const mine = new Set<string>();
    for (const s of samples) {
      const prev = this.cov.get(rec.kind, s);
      // An imported run is current only where no later run checked the sample (as a reload decides).
      if (!latest && prev !== undefined && byTimeThenId(prev, rec, (x) => x.runId) > 0) continue;
      mine.add(s);
      this.cov.set(rec.kind, s, runId);
      cur.delete(s);
    }
    for (const a of anns) if (mine.has(a.sampleId)) this.push(rec.kind, a);
    this.version++;
  }

  /** Appends human decisions on annotations (confirm / overrule); the annotations stay as found. */
  async appendDecisions(inputs: DecisionInput[]): Promise<AnnotationDecision[]> {
    const createdAt = new Date().toISOString();
    const out: AnnotationDecision[] = inputs.map((d) => ({
      decisionId: randomUUID(),
      sampleId: d.sampleId,
      kind: d.kind,
      subject: d.subject,
      verdict: d.verdict,
      annotator: d.annotator,
      note: d.note ?? null,
      createdAt,
    }));
    if (!out.length) return out;
    await (
      await this.folder.table('annotation_decisions')
    ).add(
      out.map((d) => ({
        decision_id: d.decisionId,
        sample_id: d.sampleId,
        kind: d.kind,
        subject: d.subject,
        verdict: d.verdict,
        annotator: d.annotator,
        note: d.note,
        created_at: d.createdAt,
      })),
    );
    for (const d of out) this.decisions.set(decisionKey(d.sampleId, d.kind, d.subject), d);
    this.decisionRecords += out.length;
    this.version++;
    return out;
  }

  /** The run whose findings are current for this sample and kind, or null if never checked. */
  checkedBy(sampleId: string, kind: AnnotationKind): AnnotationRun | null {
    return this.cov.get(kind, sampleId) ?? null;
  }

  /** Current annotations of a sample for a kind (empty if unchecked or nothing found). */
  annotationsOf(sampleId: string, kind: AnnotationKind): Annotation[] {
    return this.current.get(kind)?.get(sampleId) ?? [];
  }

  decisionOf(sampleId: string, kind: AnnotationKind, subject: string): AnnotationDecision | null {
    return this.decisions.get(decisionKey(sampleId, kind, subject)) ?? null;
  }

  state(sampleId: string, kind: AnnotationKind): AnnotationState | null {
    const run = this.checkedBy(sampleId, kind);
    if (!run) return null;
    const annotations = this.annotationsOf(sampleId, kind);
    const decisions = new Map<string, AnnotationDecision>();
    for (const a of annotations) {
      const d = this.decisionOf(sampleId, kind, a.subject);
      if (d) decisions.set(a.subject, d);
    }
    return { run, annotations, decisions };
  }

  /** Current annotations no person has overruled: the ones that act (e.g. remove a sample). */
  activeOf(sampleId: string, kind: AnnotationKind): Annotation[] {
    return this.annotationsOf(sampleId, kind).filter(
      (a) => this.decisionOf(sampleId, kind, a.subject)?.verdict !== 'overrule',
    );
  }

  /** Sample ids with at least one current annotation of `kind` (overruled ones included). */
  annotatedSamples(kind: AnnotationKind): IterableIterator<string> {
    return (this.current.get(kind) ?? new Map<string, Annotation[]>()).keys();
  }

  /** The list-row view of a sample's contamination (see ContaminationFlag). */
  contaminationFlag(sampleId: string): ContaminationFlag | null {
    const all = this.annotationsOf(sampleId, 'contamination');
    if (!all.length) return null;
    const active = all.filter((a) => this.decisionOf(sampleId, 'contamination', a.subject)?.verdict !== 'overrule');
    const pick = active[0] ?? all[0];
    const verdict = this.decisionOf(sampleId, 'contamination', pick.subject)?.verdict;
    return {
      benchmark: String(pick.evidence.benchmark ?? pick.subject.split('/')[0]),
      item: String(pick.evidence.item ?? pick.subject),
      method: pick.method as ContaminationFlag['method'],
      status: !active.length ? 'overruled' : verdict === 'confirm' ? 'confirmed' : 'flagged',
    };
  }

  runsOf(kind: AnnotationKind): AnnotationRun[] {
    return [...this.cov.runs.values()].filter((r) => r.kind === kind);
  }
}

/** Shorthand for hosts: the verdict a person gives, with who and why. */
export function decision(
  sampleId: string,
  kind: AnnotationKind,
  subject: string,
  verdict: AnnotationVerdict,
  annotator: string,
  note?: string,
): DecisionInput {
  return { sampleId, kind, subject, verdict, annotator, note: note ?? null };
}

/** A new check run with its ids: the run record, every sample it covers, its annotations. */
export function newRun(
  run: { kind: AnnotationKind; scope: string; params?: Record<string, unknown> },
  checked: Iterable<string>,
  found: AnnotationInput[],
): { rec: AnnotationRun; samples: Set<string>; anns: Annotation[] } {
  const createdAt = new Date().toISOString();
  const runId = randomUUID();
  const samples = new Set(checked);
  for (const f of found) samples.add(f.sampleId);
  const anns: Annotation[] = found.map((f) => ({ ...f, annotationId: randomUUID(), kind: run.kind, runId, createdAt }));
  const rec: AnnotationRun = {
    runId,
    kind: run.kind,
    scope: run.scope,
    params: run.params ?? {},
    checked: samples.size,
    createdAt,
  };
  return { rec, samples, anns };
}

/**
 * Writes a run's rows: annotations first, coverage next, the run row last, so a crash mid-way
 * leaves nothing that counts (the dataset's tables or a shard's own).
 */
export async function writeRunRows(
  t: { annotations: lancedb.Table; coverage: lancedb.Table; runs: lancedb.Table },
  rec: AnnotationRun,
  samples: Set<string>,
  anns: Annotation[],
): Promise<void> {
  if (anns.length)
    await t.annotations.add(
      anns.map((a) => ({
        annotation_id: a.annotationId,
        sample_id: a.sampleId,
        kind: a.kind,
        method: a.method,
        subject: a.subject,
        evidence: JSON.stringify(a.evidence),
        run_id: a.runId,
        created_at: a.createdAt,
      })),
    );
  if (samples.size) await t.coverage.add([...samples].map((s) => ({ run_id: rec.runId, sample_id: s })));
  await t.runs.add([
    {
      run_id: rec.runId,
      kind: rec.kind,
      scope: rec.scope,
      params: JSON.stringify(rec.params),
      checked: rec.checked,
      created_at: rec.createdAt,
    },
  ]);
}
