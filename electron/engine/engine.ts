import { randomUUID } from 'node:crypto';
import { commands, type CommandInput, type CommandName, type CommandOutput } from '../../shared/api.js';
import { TOKEN_ENCODING } from '../../shared/enums.js';
import type { LabelRecord, Stats } from '../../shared/domain.js';
import { importPaths } from './ingest/importer.js';
import { JobRunner } from './jobs/job-runner.js';
import { DatasetStore } from './store/dataset-store.js';
import { SampleQuery } from './store/sample-query.js';

export interface EngineConfig { dir: string; create?: boolean }

export class ValidationError extends Error {
  constructor(command: string, issues: { path: PropertyKey[]; message: string }[]) {
    super(`${command}: ${issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

/**
 * The composition root every host uses: one dataset store, its query layer and a job runner,
 * and the implementation of each command of shared/api.ts.
 */
export class Engine {
  readonly jobs = new JobRunner();
  readonly query: SampleQuery;

  private constructor(readonly store: DatasetStore) { this.query = new SampleQuery(store); }

  static async open(cfg: EngineConfig): Promise<Engine> {
    return new Engine(await DatasetStore.open(cfg.dir, { create: cfg.create }));
  }

  /** Validates input and output against the contract; hosts call this, never the methods directly. */
  async invoke<N extends CommandName>(name: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
    const spec = commands[name];
    if (!spec) throw new ValidationError(String(name), [{ path: [], message: 'unknown command' }]);
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) throw new ValidationError(name, parsed.error.issues);
    const handler = (this.handlers as Record<string, (i: unknown) => Promise<unknown>>)[name];
    return spec.output.parse(await handler(parsed.data)) as CommandOutput<N>;
  }

  private handlers: { [N in CommandName]: (input: CommandOutput<N> extends never ? never : any) => Promise<CommandOutput<N>> } = {
    'dataset.open': async () => ({ dir: this.store.dir, name: this.store.config.name, samples: this.store.index.size, keepThreshold: this.store.config.keepThreshold }),
    'dataset.stats': async () => this.stats(),
    'samples.import': async (i) => {
      const job = this.jobs.start('import', (ctx) => importPaths(this.store, i.paths, {
        ...i, signal: ctx.signal, onProgress: (p) => ctx.progress('import', p.doneBytes, p.totalBytes),
      }));
      const r = await job.result;
      await this.store.compact(['samples', 'import_errors']);
      return { jobId: job.jobId, imported: r.imported, duplicates: r.duplicates, errorCount: r.errorCount, errors: r.errors.slice(0, 1000), cancelled: r.cancelled };
    },
    'samples.list': async (i) => this.query.list(i),
    'samples.get': async (i) => {
      const sample = await this.store.getSample(i.id);
      if (!sample) throw new Error(`no sample with id ${i.id}`);
      return { sample, labels: await this.store.labelsOf(i.id), row: this.store.index.rowView(this.store.index.row(i.id)!) };
    },
    'labels.addHuman': async (i) => {
      const rec: LabelRecord = {
        labelId: randomUUID(), sampleId: i.sampleId, kind: 'human', score: i.score, keep: i.score >= this.store.config.keepThreshold,
        rationale: null, agent: i.annotator, origin: i.origin, note: i.note, retracts: null, details: {}, createdAt: new Date().toISOString(),
      };
      await this.store.appendLabels([rec]);
      return rec;
    },
    'labels.retract': async (i) => {
      const labels = await this.store.appendRetraction(i.labelId, i.annotator);
      return labels;
    },
  };

  async stats(): Promise<Stats> {
    const idx = this.store.index;
    let tokens = 0; let exact = 0; let llm = 0; let human = 0; let cls = 0;
    const languages: Record<string, number> = {};
    for (let r = 0; r < idx.size; r++) {
      tokens += idx.tokens[r]; exact += idx.tokensExact[r];
      if (idx.llmKeep[r] !== -1) llm++;
      if (idx.humanKeep[r] !== -1) human++;
      if (!Number.isNaN(idx.cls[r])) cls++;
      languages[idx.language[r]] = (languages[idx.language[r]] ?? 0) + 1;
    }
    const importErrors = await (await this.store.table('import_errors')).countRows();
    return { samples: idx.size, tokens, tokensExact: exact, encoding: TOKEN_ENCODING, labels: { llm, human, classifier: cls }, languages, importErrors };
  }

  async close() { await this.store.close(); }
}
