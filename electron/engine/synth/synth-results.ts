import { join } from 'node:path';
import type { SynthKind } from '../../../shared/enums.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { DurableJournal } from '../store/durable-journal.js';

export interface SynthResultRow {
  result_id: string;
  key: string;
  kind: SynthKind;
  idx: number;
  template_hash: string;
  model: string;
  seed: number;
  status: 'stored' | 'rejected' | 'failed';
  reason: string | null;
  detail: string | null;
  sample_id: string | null;
  text: string | null;
  metadata: string;
  created_at: string;
}

/** The idempotence key of one generation call. */
export function synthKey(templateHash: string, model: string, seed: number, index: number): string {
  return `${templateHash}|${model}|${seed}|${index}`;
}

/**
 * Generation outcomes behind a durable journal (the labels' group-commit WAL): a result is
 * acknowledged once fsync'd, so a crash after a paid call never pays for it again.
 */
export class SynthResults {
  private constructor(
    private readonly store: DatasetStore,
    private readonly journal: DurableJournal<SynthResultRow>,
  ) {}

  static async open(store: DatasetStore): Promise<SynthResults> {
    const table = await store.table('synth_results');
    const journal = new DurableJournal<SynthResultRow>({
      dir: join(store.dir, 'journal'),
      name: 'synth',
      flushTo: async (rows) => {
        await table.add(rows.map((r) => ({ ...r })));
      },
      existingKeys: async (ids) => {
        const have = new Set<string>();
        for (let i = 0; i < ids.length; i += 500) {
          const rows = await table
            .query()
            .where(
              `result_id IN (${ids
                .slice(i, i + 500)
                .map(sqlString)
                .join(',')})`,
            )
            .select(['result_id'])
            .toArray();
          for (const r of rows) have.add(r.result_id as string);
        }
        return have;
      },
      keyOf: (r) => r.result_id,
    });
    await journal.open();
    return new SynthResults(store, journal);
  }

  append(rows: SynthResultRow[]): Promise<void> {
    return this.journal.append(rows);
  }

  /** Every result row matching `where` (LanceDB) plus the journal's unflushed ones matching `keep`. */
  async rows(where: string | null, keep: (r: SynthResultRow) => boolean): Promise<SynthResultRow[]> {
    const table = await this.store.table('synth_results');
    const q = table.query();
    const out = (await (where ? q.where(where) : q).toArray()).map((r) => ({ ...r }) as unknown as SynthResultRow);
    const seen = new Set(out.map((r) => r.result_id));
    for (const p of this.journal.pending()) if (!seen.has(p.result_id) && keep(p)) out.push(p);
    return out;
  }

  /** Settled outcomes (stored or rejected) of one (template, model, seed), by index: never requested again. */
  async settled(templateHash: string, model: string, seed: number): Promise<Map<number, SynthResultRow>> {
    const rows = await this.rows(
      `template_hash = ${sqlString(templateHash)} AND model = ${sqlString(model)} AND seed = ${seed} AND status != 'failed'`,
      (r) => r.template_hash === templateHash && r.model === model && r.seed === seed && r.status !== 'failed',
    );
    return new Map(rows.map((r) => [r.idx, r]));
  }

  async close(): Promise<void> {
    await this.journal.close();
  }
}
