import type { SampleRow } from '../../../shared/domain.js';
import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { compileWhere } from '../store/row-filter.js';
import { hash53 } from '../label/selection.js';
import { currentVotes, isHumanDisagreement } from './consensus.js';

export interface AssignOptions {
  annotators: string[];
  overlap: number;
  limit?: number;
  where?: string;
}

export interface AssignResult {
  samples: number;
  assigned: Record<string, number>;
  added: number;
}

export class TeamInputError extends CodedError {
  constructor(message: string) {
    super('invalid_input', message, { name: 'TeamInputError' });
  }
}

/** sample id -> annotators, in the order they were assigned. */
export async function readAssignments(store: DatasetStore, annotator?: string): Promise<Map<string, string[]>> {
  const t = await store.table('assignments');
  const out = new Map<string, string[]>();
  const q = t.query().select(['sample_id', 'annotator', 'created_at']);
  const rows = (await q.toArray()) as { sample_id: string; annotator: string; created_at: string }[];
  rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  for (const r of rows) {
    if (annotator && r.annotator !== annotator) continue;
    let l = out.get(r.sample_id);
    if (!l) out.set(r.sample_id, (l = []));
    if (!l.includes(r.annotator)) l.push(r.annotator);
  }
  return out;
}

/**
 * Gives each selected sample to `overlap` distinct annotators.
 *
 * Deterministic and balanced: samples are taken in id order (ones that already have assignments
 * first, so `--limit` keeps selecting them), and each open slot goes to the least-loaded
 * annotator not yet on the sample, ties broken by a hash of (sample, annotator) rather than list
 * order so nobody is systematically first. Existing assignments are never moved or removed: a
 * re-run only tops samples up to `overlap` (also after adding an annotator).
 */
export async function assignSamples(store: DatasetStore, o: AssignOptions): Promise<AssignResult> {
  const annotators = [...new Set(o.annotators.map((a) => a.trim()).filter(Boolean))];
  if (!annotators.length) throw new TeamInputError('--annotators: no annotator names');
  if (o.overlap < 1 || o.overlap > annotators.length)
    throw new TeamInputError(`--overlap ${o.overlap}: must be between 1 and the ${annotators.length} annotators given`);
  const idx = store.index;
  const pred = o.where ? compileWhere(o.where, idx) : null;
  const existing = await readAssignments(store);
  const order = idx.order('id', false);
  const before: number[] = [];
  const fresh: number[] = [];
  for (const r of order) {
    if (pred && !pred(r)) continue;
    (existing.has(idx.ids[r]) ? before : fresh).push(r);
  }
  const selected = [...before, ...fresh].slice(0, o.limit ?? Infinity);
  const load = new Map<string, number>(annotators.map((a) => [a, 0]));
  for (const list of existing.values()) for (const a of list) if (load.has(a)) load.set(a, load.get(a)! + 1);
  const now = new Date().toISOString();
  const rows: { sample_id: string; annotator: string; created_at: string }[] = [];
  const assigned: Record<string, number> = Object.fromEntries(annotators.map((a) => [a, 0]));
  for (const r of selected) {
    const id = idx.ids[r];
    const have = existing.get(id) ?? [];
    const on = new Set(have);
    // Names outside --annotators still count towards the overlap: someone already has the sample.
    let need = o.overlap - have.length;
    const candidates = annotators
      .filter((a) => !on.has(a))
      .sort((a, b) => load.get(a)! - load.get(b)! || hash53(`${id}\0${a}`) - hash53(`${id}\0${b}`));
    while (need > 0) {
      const a = candidates.shift();
      if (!a) break;
      rows.push({ sample_id: id, annotator: a, created_at: now });
      load.set(a, load.get(a)! + 1);
      on.add(a);
      need--;
    }
    for (const a of on) if (a in assigned) assigned[a]++;
  }
  if (rows.length) await (await store.table('assignments')).add(rows);
  return { samples: selected.length, assigned, added: rows.length };
}

/** Samples assigned to `annotator` that they have not labeled yet (no current label of theirs). */
export async function assignedQueue(store: DatasetStore, annotator: string, limit: number): Promise<SampleRow[]> {
  const idx = store.index;
  const mine = await readAssignments(store, annotator);
  const out: SampleRow[] = [];
  for (const id of mine.keys()) {
    const r = idx.row(id);
    if (r === undefined) continue;
    if (currentVotes(idx.humanHistory.get(r) ?? []).some((v) => v.agent === annotator)) continue;
    out.push(idx.rowView(r));
    if (out.length >= limit) break;
  }
  return out;
}

/** Whether `annotator` has a current label on the sample (blind mode lifts once they do). */
export function hasLabeled(store: DatasetStore, sampleId: string, annotator: string): boolean {
  const r = store.index.row(sampleId);
  if (r === undefined) return false;
  return currentVotes(store.index.humanHistory.get(r) ?? []).some((v) => v.agent === annotator);
}

/**
 * The Disagreements queue: human scores differ by >= 2 or split keep/drop, not adjudicated.
 * Needs no model. Widest spread first, then id.
 */
export function disagreementsQueue(store: DatasetStore, limit: number): SampleRow[] {
  const idx = store.index;
  const hits: number[] = [];
  for (const [r, res] of idx.humanResolution) if (isHumanDisagreement(res)) hits.push(r);
  hits.sort(
    (a, b) =>
      (idx.humanResolution.get(b)!.spread ?? 0) - (idx.humanResolution.get(a)!.spread ?? 0) ||
      (idx.ids[a] < idx.ids[b] ? -1 : 1),
  );
  return hits.slice(0, limit).map((r) => idx.rowView(r));
}
