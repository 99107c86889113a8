import { llmSourceOf } from '../../../shared/agent.js';
import { CodedError } from '../../../shared/errors.js';
import * as lancedb from '@lancedb/lancedb';
import { join } from 'node:path';
import type { LabelRecord, Sample } from '../../../shared/domain.js';
import { AnnotationStore } from './annotation-store.js';
import { HygieneIndex } from '../hygiene/hygiene-index.js';
import { loadFields } from '../hygiene/hygiene-store.js';
import { openHeuristics } from '../hygiene/heuristic-values.js';
import { openDatasetFolder, type DatasetConfig, type DatasetFolder } from './dataset-folder.js';
import { DurableJournal } from './durable-journal.js';
import { readIndexSnapshot, scanIndexTables, writeIndexSnapshot, type SnapshotVersions } from './index-snapshot.js';
import { loadClassifierScores } from './classifier-scores.js';
import { LlmLabels } from './llm-labels.js';
import { ReadOnlyDatasetError } from './table-guard.js';
import { WriterLock } from './writer-lock.js';
import { SampleIndex } from './sample-index.js';
import type { TableName } from './table-schemas.js';
import { ensureScalarIndex } from './table-helpers.js';
import type { LabelCore } from './label-cores.js';
import { createLabelJournal, loadLabels } from './label-loading.js';
import { findLabelRecord, labelRecordsOf, retractLabel } from './label-history.js';
import { readSample, sampleIdsWithText } from './sample-reads.js';

export { sqlString } from './table-helpers.js';

/**
 * The dataset: a folder of LanceDB tables plus the in-memory index of current values and the
 * label journal. Every host (CLI, Electron, web server, tests) goes through this.
 */
export class DatasetStore {
  readonly index = new SampleIndex();
  /** Detector findings (contamination, secrets, PII, licenses) and decisions on them. */
  annotations!: AnnotationStore;
  /** Secret / PII flags, licenses and declared metadata fields, as list rows and `--where` read them. */
  hygiene!: HygieneIndex;
  private labelJournal!: DurableJournal<LabelRecord>;
  /** Active LLM source per label, `templateId@model`; see `activeLlmSource`. */
  /** Every LLM source's latest label per row (its columns become the index's llm_score). */
  private llm = new LlmLabels();
  replayedOnOpen = 0;

  private lock: WriterLock | null = null;
  /** Read-only opens: acknowledged labels read from the holder's journal, not yet in LanceDB. */
  private readonlyPending: LabelRecord[] = [];

  private constructor(readonly folder: DatasetFolder) {}

  /**
   * Opens a dataset. `mode: 'write'` (the default) takes the folder's writer lock and fails with
   * a DatasetBusyError naming the holder when another live process has it. `mode: 'read'` takes
   * no lock and never writes, deletes or replays anything; it sees every label a writer has
   * acknowledged by reading its journal. Sharded workers that write only their own files open
   * the dataset with `mode: 'read'`.
   */
  static async open(
    dir: string,
    opts: { create?: boolean; mode?: 'write' | 'read'; holder?: string } = {},
  ): Promise<DatasetStore> {
    const readOnly = opts.mode === 'read';
    const folder = await openDatasetFolder(dir, { create: opts.create, readOnly });
    const store = new DatasetStore(folder);
    if (!readOnly) store.lock = await WriterLock.acquire(folder.dir, { holder: opts.holder });
    try {
      await store.load();
    } catch (e) {
      // A failed load must not leave the journal's segment handle open, nor remove any segment:
      // if the replay itself failed, the segments it had not replayed are still needed.
      if (!readOnly) await store.labelJournal?.abandon().catch(() => undefined);
      await store.lock?.release();
      folder.db.close();
      throw e;
    }
    return store;
  }

  get readOnly(): boolean {
    return this.folder.readOnly;
  }

  /** Tells a second writer where this process can be reached. */
  async advertiseUrl(url: string): Promise<void> {
    await this.lock?.setUrl(url);
  }

  /** Runs `fn` alone among calls with the same key (whole imports, requestId checks). */
  exclusive<R>(key: string, fn: () => Promise<R>): Promise<R> {
    return this.folder.mutex.run(key, fn);
  }

  private assertWritable(what: string) {
    if (this.readOnly) throw new ReadOnlyDatasetError(`cannot ${what}: dataset ${this.dir} is open read-only`);
  }

  get dir() {
    return this.folder.dir;
  }
  get config(): DatasetConfig {
    return this.folder.config;
  }
  table(name: TableName): Promise<lancedb.Table> {
    return this.folder.table(name);
  }

  private async load() {
    this.index.consensus = { rule: this.config.consensusRule, keepThreshold: this.config.keepThreshold };
    // NOTE: a reader reads the writer's journal BEFORE opening any table: a segment that is gone
    // by then was flushed to LanceDB first, so the tables opened next hold its records.
    const journaled = this.readOnly
      ? await DurableJournal.readAcknowledged<LabelRecord>(join(this.dir, 'journal'), 'labels')
      : [];
    const samples = await this.table('samples');
    const counts = await this.table('token_counts');
    const versions = { samples: await samples.version(), token_counts: await counts.version() };
    const snap = await readIndexSnapshot(this.dir, versions);
    if (snap) this.index.loadColumns(snap);
    else await this.scanIndex(samples, counts, versions);
    const labels = await this.table('labels');
    this.labelJournal = createLabelJournal(this.dir, labels);
    // Replayed journal records were acknowledged before a crash: the journal writes the missing
    // ones to the table (before it is read below), and they are labels like any other.
    if (!this.readOnly) this.replayedOnOpen = (await this.labelJournal.open()).length;
    await loadLabels(this, labels, journaled, {
      llm: this.llm,
      readonlyPending: this.readonlyPending,
      applyLabel: (r) => this.applyLabel(r),
    });
    this.recomputeLlm();
    await this.reloadClassifierScores({ snapshot: true });
    this.annotations = await AnnotationStore.open(this.folder, {
      rowOf: (id) => this.index.row(id),
      snapshot: {
        dir: this.dir,
        key: await this.rowSnapshotKey(['annotation_runs', 'annotation_coverage']),
        rows: this.index.size,
        write: !this.readOnly,
      },
    });
    this.index.contaminationOf = (id) => this.annotations.contaminationFlag(id);
    this.hygiene = new HygieneIndex(this.annotations, (id) => this.index.row(id));
    await loadFields(this, this.hygiene);
    await openHeuristics(this, this.hygiene.heuristics);
  }

  /** The index's base columns from LanceDB (no valid snapshot); a writer persists them for the next open. */
  private async scanIndex(samples: lancedb.Table, counts: lancedb.Table, versions: SnapshotVersions) {
    await scanIndexTables(this.index, samples, counts);
    if (!this.readOnly) await writeIndexSnapshot(this.dir, versions, this.index);
  }

  /** Model whose probabilities are "the" classifier_score: configured, else the newest. */
  activeModelId: string | null = null;

  /** Loads the active model's probabilities into the index (after training or a model switch). */
  async reloadClassifierScores(opts: { snapshot?: boolean } = {}): Promise<void> {
    const models = await this.table('models');
    let id = this.config.activeModel;
    if (!id) {
      let newest = '';
      for (const r of await models.query().select(['model_id', 'created_at', 'record']).toArray()) {
        // NOTE: sanity-check models trained on shuffled labels never become active by default.
        if ((JSON.parse(r.record as string) as { shuffledLabels?: boolean }).shuffledLabels) continue;
        if ((r.created_at as string) > newest) {
          newest = r.created_at as string;
          id = r.model_id as string;
        }
      }
    }
    this.activeModelId = id ?? null;
    this.index.clearClassifier();
    if (id) await loadClassifierScores(this, id, opts.snapshot ?? false);
  }

  /**
   * What a per-row snapshot (row-snapshot.ts) of this open is valid for: the index's row
   * numbering and the versions of the tables it summarizes, plus anything else it depends on.
   */
  async rowSnapshotKey(tables: TableName[], extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const versions: Record<string, number> = {};
    for (const t of tables) versions[t] = await (await this.table(t)).version();
    return { origin: this.index.origin, n: this.index.size, versions, ...extra };
  }

  /** `templateId@model` of an LLM label. */
  static llmSourceOf(r: Pick<LabelRecord, 'agent'>): string {
    return llmSourceOf(r.agent);
  }

  private sourceOfAgent = new Map<string, string>();

  private applyLabel(r: LabelCore) {
    this.labelsVersion++;
    const row = this.index.row(r.sampleId);
    if (row === undefined) return;
    if (r.kind === 'human') {
      this.index.applyHuman(row, r);
      return;
    }
    // NOTE: a handful of distinct agents across every label: parsed once each.
    let src = this.sourceOfAgent.get(r.agent);
    if (src === undefined) this.sourceOfAgent.set(r.agent, (src = DatasetStore.llmSourceOf(r)));
    this.llm.set(src, row, r.score, r.keep, r.createdAt);
  }

  /** The LLM source whose labels are "the" llm_score: configured, else the most recently used. */
  activeLlmSource(): string | null {
    if (this.config.activeLlmSource) return this.config.activeLlmSource;
    let best: string | null = null;
    let at = '';
    for (const [src, s] of this.llm.sources)
      if (s.lastUsed > at) {
        at = s.lastUsed;
        best = src;
      }
    return best;
  }

  llmSources(): { source: string; samples: number; lastUsed: string }[] {
    return [...this.llm.sources].map(([source, s]) => ({ source, samples: s.count, lastUsed: s.lastUsed }));
  }

  private recomputeLlm() {
    const src = this.activeLlmSource();
    const s = src ? this.llm.sources.get(src) : undefined;
    if (s) this.index.loadLlm(s.score, s.keep);
    else this.index.clearLlm();
  }

  /** Sets how the human value is resolved (persisted in config.json) and re-resolves the index. */
  async setConsensusRule(rule: DatasetConfig['consensusRule']): Promise<void> {
    await this.folder.saveConfig({ ...this.config, consensusRule: rule });
    this.index.setConsensus({ rule, keepThreshold: this.config.keepThreshold });
    this.labelsVersion++;
  }

  /** Counts label records applied since open (part of export fingerprints). */
  labelsVersion = 0;

  /** Appends label records; resolves once they are durable (journal fsync'd), then updates the index. */
  async appendLabels(records: LabelRecord[]): Promise<void> {
    this.assertWritable('add labels');
    for (const r of records) {
      if (!this.index.has(r.sampleId))
        throw new CodedError('not_found', `label ${r.labelId}: unknown sample id ${r.sampleId}`);
    }
    await this.labelJournal.append(records);
    const activeBefore = this.activeLlmSource();
    for (const r of records) this.applyLabel(r);
    const activeAfter = this.activeLlmSource();
    if (activeAfter !== activeBefore) this.recomputeLlm();
    else
      for (const r of records) {
        if (r.kind === 'llm' && DatasetStore.llmSourceOf(r) === activeAfter)
          this.index.setLlm(this.index.row(r.sampleId)!, r.score, r.keep);
      }
  }

  /** One label record by id, from LanceDB or the unflushed journal. */
  findLabel(labelId: string): Promise<LabelRecord | null> {
    return findLabelRecord(this, labelId);
  }

  /** Undo: appends a record retracting a human label (the original stays in history). */
  appendRetraction(labelId: string, annotator: string): Promise<LabelRecord> {
    return retractLabel(this, labelId, annotator);
  }

  /** Every label record of a sample, oldest first, including ones not yet flushed to LanceDB. */
  labelsOf(sampleId: string): Promise<LabelRecord[]> {
    return labelRecordsOf(this, sampleId);
  }

  getSample(id: string): Promise<Sample | null> {
    return readSample(this, id);
  }

  /** Ids of samples whose text contains `needle` (case-insensitive), via LanceDB's scan. */
  idsWithText(needle: string): Promise<Set<string>> {
    return sampleIdsWithText(this, needle);
  }

  /** Acknowledged labels not yet in LanceDB. */
  pendingLabels(): readonly LabelRecord[] {
    return this.readOnly ? this.readonlyPending : this.labelJournal.pending();
  }

  async flush() {
    if (!this.readOnly) await this.labelJournal.flush();
  }

  /** Compacts tables after a job (LanceDB leaves one fragment per write). */
  /**
   * The tables a scan, an import or a decontamination check append to batch by batch (a run per
   * 2,000 samples): opening reads them whole, and at 10^5 samples a scan left ~260 fragments in
   * each. NOTE: compacting did not measurably shorten that open on a loaded machine (both ~8 s at
   * 10^5 after a scan, against ~1.6 s before it): the coverage rows themselves are the cost.
   */
  static readonly HYGIENE_TABLES: TableName[] = [
    'annotations',
    'annotation_coverage',
    'annotation_runs',
    'sample_heuristics',
    'sample_fields',
  ];

  async compact(names: TableName[] = ['samples', 'labels', 'token_counts', 'import_errors']) {
    this.assertWritable('compact');
    for (const n of names) {
      const t = await this.table(n);
      await ensureScalarIndex(t, n);
      await t.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
    }
  }

  async close() {
    try {
      if (!this.readOnly) await this.labelJournal.close();
    } finally {
      this.folder.db.close();
      await this.lock?.release();
    }
  }
}
