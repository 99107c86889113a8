import type { HostContext } from './commands/handler-types.js';
import { normalizeLanguage } from './ingest/languages.js';
import { commands, type CommandInput, type CommandName, type CommandOutput } from '../../shared/api.js';
import { TOKEN_ENCODING } from '../../shared/enums.js';
import { CodedError } from '../../shared/errors.js';
import type { Stats } from '../../shared/domain.js';
import { labelHandlers } from './commands/label-handlers.js';
import { appHandlers } from './commands/app-handlers.js';
import { pipelineHandlers } from './commands/pipeline-handlers.js';
import { sampleHandlers } from './commands/sample-handlers.js';
import { contaminationHandlers } from './commands/contamination-handlers.js';
import { teamHandlers } from './commands/team-handlers.js';
import { synthHandlers } from './commands/synth-handlers.js';
import { JobRunner } from './jobs/job-runner.js';
import { DatasetStore } from './store/dataset-store.js';
import { SampleQuery } from './store/sample-query.js';
import { createCpuPool, defaultWorkers, type CpuPool } from './workers/cpu-pool.js';

export interface EngineConfig {
  dir: string;
  create?: boolean;
  /** 'write' (default) takes the dataset's writer lock; 'read' takes none and writes nothing. */
  mode?: 'write' | 'read';
  /** Named to a second writer that is refused: "tbs serve", "Textbook Studio app". */
  holder?: string;
  /** Worker threads for the CPU-heavy steps of jobs (the app's Workers setting, read per job). */
  workers?: () => number;
}

export class ValidationError extends Error {
  readonly code = 'invalid_input' as const;
  constructor(command: string, issues: { path: PropertyKey[]; message: string }[]) {
    super(`${command}: ${issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

/**
 * The composition root every host uses: one dataset store, its query layer, a job runner, and
 * the implementation of every command of shared/api.ts (one handler file per feature).
 */
export class Engine {
  readonly jobs = new JobRunner();
  readonly query: SampleQuery;
  private readonly handlers: Record<string, (input: unknown, host?: HostContext) => Promise<unknown>>;

  /** Worker threads a job's pool gets (read when the job starts, so a settings change applies to the next job). */
  readonly workers: () => number;

  private constructor(
    readonly store: DatasetStore,
    workers?: () => number,
  ) {
    this.workers = workers ?? defaultWorkers;
    this.query = new SampleQuery(store);
    this.handlers = {
      ...sampleHandlers(this),
      ...labelHandlers(this),
      ...appHandlers(this),
      ...pipelineHandlers(this),
      ...contaminationHandlers(this),
      ...teamHandlers(this),
      ...synthHandlers(this),
    } as Record<string, (input: unknown, host?: HostContext) => Promise<unknown>>;
    const missing = Object.keys(commands).filter((n) => !this.handlers[n]);
    if (missing.length) throw new Error(`commands without a handler: ${missing.join(', ')}`);
  }

  static async open(cfg: EngineConfig): Promise<Engine> {
    return new Engine(
      await DatasetStore.open(cfg.dir, { create: cfg.create, mode: cfg.mode, holder: cfg.holder }),
      cfg.workers,
    );
  }

  /** Runs `fn` with a CPU pool of `workers()` threads, closed when it settles. */
  async withPool<T>(fn: (pool: CpuPool) => Promise<T>): Promise<T> {
    const pool = await createCpuPool(this.workers());
    try {
      return await fn(pool);
    } finally {
      await pool.close();
    }
  }

  /** Validates input and output against the contract; hosts call this, never the handlers directly. */
  async invoke<N extends CommandName>(name: N, input: CommandInput<N>, host?: HostContext): Promise<CommandOutput<N>> {
    const spec = commands[name];
    if (!spec) throw new ValidationError(String(name), [{ path: [], message: 'unknown command' }]);
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) throw new ValidationError(name, parsed.error.issues);
    const out = spec.output.safeParse(await this.handlers[name](parsed.data, host));
    // NOTE: an output that fails its own schema is a bug in the engine, never the caller's fault.
    if (!out.success)
      throw new CodedError('internal', `${name}: output failed its schema: ${out.error.message}`, {
        name: 'OutputError',
      });
    return out.data as CommandOutput<N>;
  }

  /** What the dataset holds; with `language`, only that language's samples are counted. */
  async stats(opts: { language?: string } = {}): Promise<Stats> {
    const idx = this.store.index;
    const only = opts.language ? normalizeLanguage(opts.language) : null;
    const byLanguage: Stats['byLanguage'] = {};
    let samples = 0;
    let tokens = 0;
    let exact = 0;
    let llm = 0;
    let human = 0;
    let cls = 0;
    const languages: Record<string, number> = {};
    for (let r = 0; r < idx.size; r++) {
      const lang = idx.language[r];
      if (only !== null && lang !== only) continue;
      samples++;
      const per = (byLanguage[lang] ??= { samples: 0, tokens: 0 });
      per.samples++;
      per.tokens += idx.tokens[r];
      tokens += idx.tokens[r];
      exact += idx.tokensExact[r];
      if (idx.llmKeep[r] !== -1) llm++;
      if (idx.humanKeep[r] !== -1) human++;
      if (!Number.isNaN(idx.cls[r])) cls++;
      languages[idx.language[r]] = (languages[idx.language[r]] ?? 0) + 1;
    }
    const importErrors = await (await this.store.table('import_errors')).countRows();
    return {
      samples,
      tokens,
      tokensExact: exact,
      encoding: TOKEN_ENCODING,
      labels: { llm, human, classifier: cls },
      languages,
      byLanguage,
      ...(only !== null ? { language: only } : {}),
      importErrors,
    };
  }

  async close() {
    await this.store.close();
  }
}
