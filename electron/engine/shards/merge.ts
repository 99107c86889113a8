import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';
import { embeddedIds, embeddingTable } from '../embed/embedding-store.js';
import { ensureVectorIndex } from '../embed/vector-index.js';
import { readShard, type ShardInfo } from './shard-folder.js';
import { parseShardDirName, SHARD_COMMANDS, SHARDS_DIR, type ShardCommand } from './shard-spec.js';
import { foldLabelShard } from './label-shard.js';
import { foldDecontaminateShard } from './decontaminate-shard.js';

/**
 * `tbs merge`: folds finished shard folders into the dataset, keyed so that folding twice (or
 * after a crash mid-fold) adds nothing: samples by id, vectors by (embedder, sample), scores by
 * (model, sample), import errors by the shard's import id, LLM labels by (sample, label key),
 * label attempts by id, contamination runs by run id. A set of shards (same command and N)
 * is folded only when every one of its N shards finished, and in shard order, so an import's
 * rows land in the order a single process would have stored them. Folded folders are removed.
 */
export interface MergeSet {
  command: ShardCommand;
  n: number;
  folded: boolean;
  /** Shards of the set that are missing or have not finished (no done.json). */
  incomplete: number[];
  rows: {
    samples: number;
    vectors: number;
    scores: number;
    importErrors: number;
    labels: number;
    labelAttempts: number;
    /** Samples whose contamination check was folded in. */
    checked: number;
  };
}

export interface MergeSummary {
  sets: MergeSet[];
  ok: boolean;
}

const ADD_BATCH = 20_000;

export async function mergeShards(store: DatasetStore): Promise<MergeSummary> {
  const root = join(store.folder.dir, SHARDS_DIR);
  const groups = new Map<string, { command: ShardCommand; n: number; ks: Map<number, string> }>();
  if (existsSync(root))
    for (const name of (await readdir(root)).sort()) {
      const p = parseShardDirName(name);
      if (!p) continue;
      const key = `${p.command}/${p.n}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { command: p.command, n: p.n, ks: new Map() }));
      g.ks.set(p.k, join(root, name));
    }
  const sets: MergeSet[] = [];
  // Imports first: later embed/score sets may cover samples an import set brings in.
  const order = (c: ShardCommand) => SHARD_COMMANDS.indexOf(c);
  for (const g of [...groups.values()].sort((a, b) => order(a.command) - order(b.command) || a.n - b.n)) {
    const set: MergeSet = {
      command: g.command,
      n: g.n,
      folded: false,
      incomplete: [],
      rows: { samples: 0, vectors: 0, scores: 0, importErrors: 0, labels: 0, labelAttempts: 0, checked: 0 },
    };
    sets.push(set);
    const shards: { dir: string; info: ShardInfo }[] = [];
    for (let k = 0; k < g.n; k++) {
      const dir = g.ks.get(k);
      const s = dir ? await readShard(dir) : null;
      if (!dir || !s?.info || !s.done) set.incomplete.push(k);
      else shards.push({ dir, info: s.info });
    }
    if (set.incomplete.length) continue;
    for (const s of shards) await foldShard(store, s.dir, s.info, set);
    await finishSet(store, g.command, shards);
    for (const s of shards) await rm(s.dir, { recursive: true, force: true });
    set.folded = true;
  }
  return { sets, ok: sets.every((s) => s.folded) };
}

async function foldShard(store: DatasetStore, dir: string, info: ShardInfo, set: MergeSet): Promise<void> {
  if (info.command === 'label') {
    const r = await foldLabelShard(store, dir, info);
    set.rows.labels += r.labels;
    set.rows.labelAttempts += r.attempts;
    return;
  }
  const db = await lancedb.connect(join(dir, 'tables'));
  try {
    if (info.command === 'decontaminate')
      set.rows.checked += (await foldDecontaminateShard(store, db, info)).annotations;
    const names = new Set(await db.tableNames());
    if (info.command === 'import') {
      set.rows.samples += await foldSamples(store, await db.openTable('samples'));
      set.rows.importErrors += await foldImportErrors(store, await db.openTable('import_errors'));
    }
    if ((info.command === 'embed' || info.command === 'score') && names.has('vectors')) {
      const p = info.params as { embedderId: string; dims: number; embedderSpec?: Record<string, unknown> };
      const target = await embeddingTable(store, { id: p.embedderId, dims: p.dims }, p.embedderSpec ?? {});
      set.rows.vectors += await foldKeyed(await db.openTable('vectors'), target, await embeddedIds(target), (r) =>
        String(r.sample_id),
      );
    }
    if (info.command === 'score') {
      const modelId = String(info.params.modelId);
      const scores = await store.table('scores');
      const have = new Set<string>();
      for await (const b of scores
        .query()
        .where(`model_id = ${sqlString(modelId)}`)
        .select(['sample_id'])) {
        const c = b.getChild('sample_id')!;
        for (let i = 0; i < b.numRows; i++) have.add(c.get(i));
      }
      set.rows.scores += await foldKeyed(await db.openTable('scores'), scores, have, (r) => String(r.sample_id));
    }
  } finally {
    db.close();
  }
}

/** Appends `from`'s rows whose key is not in `have`, in `from`'s order; returns how many. */
async function foldKeyed(
  from: lancedb.Table,
  to: lancedb.Table,
  have: Pick<Set<string>, 'has' | 'add'>,
  key: (r: Record<string, unknown>) => string,
  onAdded?: (rows: Record<string, unknown>[]) => void,
): Promise<number> {
  let pending: Record<string, unknown>[] = [];
  let added = 0;
  const flush = async () => {
    if (!pending.length) return;
    await to.add(pending);
    onAdded?.(pending);
    added += pending.length;
    pending = [];
  };
  for await (const b of from.query()) {
    for (const row of b.toArray()) {
      const r = row.toJSON() as Record<string, unknown>;
      const k = key(r);
      if (have.has(k)) continue;
      have.add(k);
      if (r.vector && typeof r.vector === 'object') r.vector = Array.from(r.vector as ArrayLike<number>);
      pending.push(r);
      if (pending.length >= ADD_BATCH) await flush();
    }
  }
  await flush();
  return added;
}

async function foldSamples(store: DatasetStore, from: lancedb.Table): Promise<number> {
  const to = await store.table('samples');
  const seen = new Set<string>();
  const have = { has: (id: string) => store.index.has(id) || seen.has(id), add: (id: string) => seen.add(id) };
  return foldKeyed(
    from,
    to,
    have,
    (r) => String(r.id),
    (rows) => {
      for (const r of rows)
        store.index.add({
          id: String(r.id),
          source: String(r.source),
          path: (r.path as string | null) ?? null,
          language: String(r.language),
          tokens: Number(r.tokens),
          tokensExact: false,
        });
    },
  );
}

async function foldImportErrors(store: DatasetStore, from: lancedb.Table): Promise<number> {
  const to = await store.table('import_errors');
  const ids = new Set<string>();
  for await (const b of from.query().select(['import_id'])) {
    const c = b.getChild('import_id')!;
    for (let i = 0; i < b.numRows; i++) ids.add(c.get(i));
  }
  // A shard run has one import id: if the dataset already holds rows of it, this shard was folded.
  for (const id of ids) if ((await to.countRows(`import_id = ${sqlString(id)}`)) > 0) return 0;
  let n = 0;
  for await (const b of from.query()) {
    const rows = b.toArray().map((r) => r.toJSON());
    if (rows.length) await to.add(rows);
    n += rows.length;
  }
  return n;
}

async function finishSet(store: DatasetStore, command: ShardCommand, shards: { info: ShardInfo }[]): Promise<void> {
  if (command === 'import') return store.compact(['samples', 'import_errors']);
  if (command === 'label') {
    await store.flush();
    return store.compact(['labels', 'label_attempts', 'templates']);
  }
  if (command === 'decontaminate') return store.compact(['annotations', 'annotation_coverage', 'annotation_runs']);
  const p = shards[0]?.info.params as { embedderId: string; dims: number } | undefined;
  if (p) {
    const t = await embeddingTable(store, { id: p.embedderId, dims: p.dims });
    await t.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
    try {
      await ensureVectorIndex(t, { dims: p.dims });
    } catch {
      /* search works without the ANN index; `tbs embed` reports a failed build */
    }
  }
  if (command === 'score') {
    await store.compact(['scores']);
    await store.reloadClassifierScores();
  }
}
