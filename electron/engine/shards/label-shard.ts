import { pushAll } from '../../../shared/arrays.js';
import { join } from 'node:path';
import type { LabelRecord } from '../../../shared/domain.js';
import { CodedError } from '../../../shared/errors.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { CostBudget } from '../label/llm-call.js';
import { labeledKeys, runLabeling, type LabelRunOptions, type LabelRunSummary } from '../label/labeler.js';
import { resolveTemplate, saveTemplate, type Template } from '../label/templates.js';
import { AppendLog } from './append-log.js';
import { startShard, type ShardInfo } from './shard-folder.js';
import { shardOfId, type ShardSpec } from './shard-spec.js';

/**
 * `tbs label --shard K/N`: labels the part of the selection whose sample id hashes to K, writing
 * only `shards/label-K-of-N/ledger.jsonl`. The ledger holds every label (fsync'd before it counts
 * as done), every failed attempt, every dollar spent and every reservation still open; a re-run
 * of the shard keeps what was paid for and labels only the rest.
 *
 * Budget and rate limits across shards are SPLIT, not shared: `--max-cost` and `--concurrency`
 * are the whole run's; shard K may spend floor(max-cost / N) (to the nano-dollar) in all its runs
 * together, and keeps floor(c / N) (+1 for the first c mod N shards) requests in flight. A shared
 * ledger would need atomic appends across nodes, which NFS does not give.
 */
type LedgerEntry =
  | { t: 'l'; rec: LabelRecord }
  | { t: 'a'; row: Record<string, unknown> }
  /** Spent (an answered call) */
  | { t: 's'; usd: number }
  /** Reserved before a call (its worst case) and released after it */
  | { t: 'r'; usd: number }
  | { t: 'x'; usd: number };

const LEDGER = 'ledger.jsonl';

export function shareOfConcurrency(total: number, s: ShardSpec): number {
  return Math.floor(total / s.n) + (s.k < total % s.n ? 1 : 0);
}

export function shareOfBudget(maxCost: number, s: ShardSpec): number {
  return Math.floor((maxCost * 1e9) / s.n) / 1e9;
}

/** What earlier runs of this shard paid for: spend plus reservations never released (a killed call may have been paid). */
function ledgerState(entries: LedgerEntry[]): { spent: number; labeled: Set<string> } {
  let spent = 0;
  const labeled = new Set<string>();
  for (const e of entries) {
    if (e.t === 's' || e.t === 'r') spent += e.usd;
    else if (e.t === 'x') spent -= e.usd;
    else if (e.t === 'l') labeled.add(e.rec.sampleId);
  }
  return { spent: Math.max(0, spent), labeled };
}

/** The labeler's budget, with every reservation, release and spend written to the ledger. */
class LedgerBudget {
  private readonly inner: CostBudget;
  constructor(
    maxCost: number | undefined,
    signal: AbortSignal | undefined,
    private readonly log: AppendLog<LedgerEntry>,
  ) {
    this.inner = new CostBudget(maxCost, signal);
  }
  get spent(): number {
    return this.inner.spent;
  }
  set spent(v: number) {
    const d = v - this.inner.spent;
    this.inner.spent = v;
    if (d > 0) this.log.push({ t: 's', usd: d });
  }
  async reserve(worst: number): Promise<boolean> {
    if (!(await this.inner.reserve(worst))) return false;
    // NOTE: durable before the call goes out, so a kill mid-call still counts its worst case.
    if (this.inner.maxCost !== undefined) {
      try {
        await this.log.append([{ t: 'r', usd: worst }]);
      } catch (e) {
        // The caller gets no reservation to release: give it back, or other slots wait for it forever.
        this.inner.release(worst);
        throw e;
      }
    }
    return true;
  }
  release(worst: number): void {
    this.inner.release(worst);
    if (this.inner.maxCost !== undefined) this.log.push({ t: 'x', usd: worst });
  }
}

export interface LabelShardSummary extends LabelRunSummary {
  shard: string;
  resumed: boolean;
  /** This shard's part of --max-cost and --concurrency. */
  budget_usd: number | null;
  concurrency: number;
  /** Spent by earlier runs of this shard (kept, not paid again). */
  earlier_cost_usd: number;
}

export async function labelShard(store: DatasetStore, spec: ShardSpec, o: LabelRunOptions): Promise<LabelShardSummary> {
  const total = o.concurrency ?? 8;
  const concurrency = shareOfConcurrency(total, spec);
  if (concurrency < 1)
    throw new CodedError(
      'invalid_input',
      `--concurrency ${total} cannot be split over ${spec.n} shards (each needs at least 1 request in flight): raise --concurrency to ${spec.n} or more`,
    );
  const { template, hash } = await resolveTemplate(store, o.template);
  const sf = await startShard(
    store.folder.dir,
    'label',
    spec,
    {
      model: o.model,
      templateHash: hash,
      template,
      run: {
        temperature: o.temperature ?? 0,
        maxTokens: o.maxTokens ?? 300,
        seed: o.seed ?? 0,
        maxInputTokens: o.maxInputTokens ?? 1024,
      },
    },
    { resume: true },
  );
  sf.db.close();
  const path = join(sf.dir, LEDGER);
  const before = ledgerState(await AppendLog.read<LedgerEntry>(path));
  const share = o.maxCost === undefined ? null : shareOfBudget(o.maxCost, spec);
  const log = await AppendLog.open<LedgerEntry>(path);
  let s: LabelRunSummary;
  try {
    s = await runLabeling(store, {
      ...o,
      concurrency,
      maxCost: share === null ? undefined : Math.max(0, share - before.spent),
      include: (id) => shardOfId(id, spec.n) === spec.k && !before.labeled.has(id),
      budget: new LedgerBudget(share === null ? undefined : Math.max(0, share - before.spent), o.signal, log),
      sink: {
        appendLabels: (recs) => log.append(recs.map((rec) => ({ t: 'l' as const, rec }))),
        addAttempts: (rows) => log.append(rows.map((row) => ({ t: 'a' as const, row }))),
      },
    });
  } finally {
    await log.close();
  }
  const out: LabelShardSummary = {
    ...s,
    skipped: s.skipped + before.labeled.size,
    shard: sf.dir,
    resumed: sf.resumed,
    budget_usd: share,
    concurrency,
    earlier_cost_usd: before.spent,
  };
  if (s.stoppedBy !== 'cancelled')
    await sf.finish({
      labeled: s.labeled + before.labeled.size,
      failed: s.failed,
      stoppedBy: s.stoppedBy,
      cost_usd: s.cost_usd + before.spent,
      budget_usd: share,
    });
  return out;
}

/** Merge: the shard's labels (one per sample and label key, never twice) and failed attempts. */
export async function foldLabelShard(
  store: DatasetStore,
  dir: string,
  info: ShardInfo,
): Promise<{ labels: number; attempts: number }> {
  const entries = await AppendLog.read<LedgerEntry>(join(dir, LEDGER));
  await saveTemplate(store, info.params.template as Template);
  const have = new Map<string, Set<string>>();
  const batch: LabelRecord[] = [];
  let labels = 0;
  const flush = async () => {
    if (!batch.length) return;
    await store.appendLabels(batch.splice(0));
  };
  for (const e of entries) {
    if (e.t !== 'l') continue;
    const r = e.rec;
    // A sample removed since the shard ran has nothing to attach to.
    if (!store.index.has(r.sampleId)) continue;
    const ph = String((r.details as { paramsHash?: string }).paramsHash);
    const key = `${r.agent}\u0000${ph}`;
    let done = have.get(key);
    if (!done) have.set(key, (done = await labeledKeys(store, r.agent, ph)));
    // NOTE: also what makes folding twice (or after a crash mid-fold) add nothing.
    if (done.has(r.sampleId)) continue;
    done.add(r.sampleId);
    batch.push(r);
    labels++;
    if (batch.length >= 1000) await flush();
  }
  await flush();
  const rows = entries.flatMap((e) => (e.t === 'a' ? [e.row] : []));
  const table = await store.table('label_attempts');
  const fresh: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const got = await table
      .query()
      .where(`attempt_id IN (${chunk.map((r) => sqlString(String(r.attempt_id))).join(',')})`)
      .select(['attempt_id'])
      .toArray();
    const known = new Set(got.map((g) => g.attempt_id as string));
    pushAll(
      fresh,
      chunk.filter((r) => !known.has(String(r.attempt_id))),
    );
  }
  if (fresh.length) await table.add(fresh);
  return { labels, attempts: fresh.length };
}
