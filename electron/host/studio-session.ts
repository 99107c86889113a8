import { existsSync } from 'node:fs';
import { CodedError, errorCodeOf } from '../../shared/errors.js';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands, type CommandName } from '../../shared/api.js';
import {
  hostCommands,
  type DatasetInfo,
  type HostCommandName,
  type StudioEventName,
  type StudioEventPayload,
  type StudioInput,
  type StudioOutput,
  type StudioCommandName,
} from '../../shared/contract/app.js';
import { jobView } from '../engine/commands/app-handlers.js';
import { Engine, ValidationError } from '../engine/engine.js';
import type { JobInfo as RunnerJobInfo, JobProgress } from '../engine/jobs/job-runner.js';
import { DEFAULT_ENDPOINT, type SettingsStore } from './settings-store.js';
import type { HostContext } from '../engine/commands/handler-types.js';

/**
 * One studio session: the engine of the open dataset (switched by `dataset.open`), the host's
 * own calls (app state, settings, dialogs), and the push events of whichever engine is open.
 * Electron's IPC binding and the web server are thin adapters over this; neither holds logic.
 */
export interface SessionOptions {
  mode: 'electron' | 'browser';
  settings: SettingsStore;
  /** Dataset to open at start (browser mode always has one; the desktop app reopens the last). */
  dir?: string | null;
  create?: boolean;
  /** Native file dialogs; absent in browser mode. */
  pickPaths?: (purpose: StudioInput<'dialog.pickPaths'>['purpose']) => Promise<string[]>;
  demoSamplesPath?: string | null;
  /** Named to a second writer of the open dataset ("tbs serve", "Textbook Studio app"). */
  holder?: string;
}

export class UnknownCommandError extends Error {
  readonly code = 'not_found' as const;
  constructor(name: string) {
    super(`unknown command ${JSON.stringify(name)}`);
    this.name = 'UnknownCommandError';
  }
}
export class NoDatasetError extends Error {
  readonly code = 'conflict' as const;
  constructor() {
    super('no dataset is open; open or create one first');
    this.name = 'NoDatasetError';
  }
}
export class BusyError extends Error {
  readonly code = 'busy' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BusyError';
  }
}

type Listener = <E extends StudioEventName>(event: E, payload: StudioEventPayload<E>) => void;

/**
 * The commands after which lists and counts may differ (windows refresh on `samples-changed`). Named
 * one by one: a pattern also matched reads (`samples.importErrors`, `labels.export`, `llm.estimate`),
 * and each of those made every window reload Browse and its counts.
 */
const CHANGES_SAMPLES = new Set([
  'samples.import',
  'labels.addHuman',
  'labels.importHuman',
  'labels.retract',
  'llm.run',
  'model.train',
  'model.score',
  'model.activate',
  'demo.run',
]);

export const DEFAULT_DEMO_SAMPLES = fileURLToPath(new URL('../../resources/demo/samples.jsonl', import.meta.url));

export class StudioSession {
  private engine: Engine | null = null;
  private inFlight = new Set<Promise<unknown>>();
  private listeners = new Set<Listener>();
  private detach: (() => void) | null = null;
  private switching: Promise<unknown> = Promise.resolve();
  private url: string | null = null;

  /** Where this session can be reached; written into the writer lock of every dataset it opens. */
  async advertiseUrl(url: string): Promise<void> {
    this.url = url;
    await this.engine?.store.advertiseUrl(url);
  }

  private constructor(private readonly opts: SessionOptions) {}

  static async start(opts: SessionOptions): Promise<StudioSession> {
    const s = new StudioSession(opts);
    if (opts.dir) await s.openDataset(opts.dir, opts.create ?? true);
    return s;
  }

  get currentEngine(): Engine | null {
    return this.engine;
  }

  /** Subscribes to every push event; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit<E extends StudioEventName>(event: E, payload: StudioEventPayload<E>) {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        /* a broken listener must not break the engine's job */
      }
    }
  }

  static isKnown(name: string): name is StudioCommandName {
    return Object.hasOwn(commands, name) || Object.hasOwn(hostCommands, name);
  }

  /** Validates and runs one call, from any transport. */
  async invoke<N extends StudioCommandName>(name: N, input: StudioInput<N>): Promise<StudioOutput<N>>;
  async invoke(name: string, input: unknown): Promise<unknown>;
  async invoke(name: string, input: unknown): Promise<unknown> {
    if (!StudioSession.isKnown(name)) throw new UnknownCommandError(name);
    if (Object.hasOwn(hostCommands, name)) return this.invokeHost(name as HostCommandName, input);
    if (name === 'dataset.open') {
      const parsed = commands['dataset.open'].input.safeParse(input ?? {});
      if (!parsed.success) throw new ValidationError(name, parsed.error.issues);
      await this.openDataset(parsed.data.dir, parsed.data.create);
    }
    const host: HostContext = name === 'llm.run' ? { llmEndpoint: this.llmEndpointFor(input) } : {};
    await this.switching;
    const engine = this.engine;
    if (!engine) throw new NoDatasetError();
    const p = engine.invoke(name as CommandName, input as never, host);
    this.inFlight.add(p);
    let changed = CHANGES_SAMPLES.has(name);
    try {
      return await p;
    } catch (e) {
      // NOTE: a failure may still have changed data (an import or a labeling run can fail after
      // storing part of its work); input refused before any work did not.
      if (['invalid_input', 'not_found'].includes(errorCodeOf(e))) changed = false;
      throw e;
    } finally {
      this.inFlight.delete(p);
      if (changed) this.emit('samples-changed', { reason: name });
    }
  }

  /**
   * The endpoint an LLM call uses, with its own key: one configured in settings, picked by name
   * (or by its exact URL, for older callers), never a URL the client supplies. The key is sent
   * wherever the client points, so a renderer (or anyone holding the token) could otherwise
   * exfiltrate it.
   */
  private llmEndpointFor(input: unknown): { baseURL?: string; apiKey?: string } {
    const { endpoint, baseURL } = (input ?? {}) as { endpoint?: unknown; baseURL?: unknown };
    const settings = this.opts.settings;
    const norm = (u: string) => u.trim().replace(/\/+$/, '');
    const names = [DEFAULT_ENDPOINT, ...settings.publicView().endpoints.map((e) => e.name)];
    let chosen = settings.resolveEndpoint(typeof endpoint === 'string' ? endpoint : null);
    if (endpoint !== undefined && endpoint !== '' && (typeof endpoint !== 'string' || !chosen))
      throw new CodedError(
        'not_found',
        `no LLM endpoint named ${JSON.stringify(endpoint)} (configured: ${names.join(', ')})`,
        {
          name: 'UnknownEndpointError',
        },
      );
    if (typeof baseURL === 'string' && baseURL !== '') {
      if (!endpoint)
        chosen = names.map((n) => settings.resolveEndpoint(n)!).find((e) => norm(e.url) === norm(baseURL)) ?? null;
      if (!chosen || norm(chosen.url) !== norm(baseURL))
        throw new CodedError(
          'forbidden',
          `llm.run may only use an endpoint configured in settings (${names.join(', ')}), not ${JSON.stringify(baseURL)}`,
          { name: 'EndpointNotConfiguredError' },
        );
    } else if (baseURL !== undefined && baseURL !== null && baseURL !== '')
      throw new CodedError('forbidden', 'llm.run: baseURL must be a configured endpoint URL', {
        name: 'EndpointNotConfiguredError',
      });
    const ep = chosen ?? settings.resolveEndpoint()!;
    // The default endpoint without a stored key falls back to the environment's (OPENAI_API_KEY);
    // a named endpoint never borrows it: without its own key it gets a placeholder (local servers).
    if (ep.name === DEFAULT_ENDPOINT) return { baseURL: ep.url || undefined, apiKey: ep.apiKey ?? undefined };
    return { baseURL: ep.url, apiKey: ep.apiKey ?? 'not-needed' };
  }

  private async invokeHost(name: HostCommandName, input: unknown): Promise<unknown> {
    const spec = hostCommands[name];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) throw new ValidationError(name, parsed.error.issues);
    const out = await this.runHost(name, parsed.data as never);
    return spec.output.parse(out);
  }

  private async runHost<N extends HostCommandName>(name: N, input: StudioInput<N>): Promise<unknown> {
    switch (name) {
      case 'app.state': {
        const demo = this.opts.demoSamplesPath === undefined ? DEFAULT_DEMO_SAMPLES : this.opts.demoSamplesPath;
        return {
          mode: this.opts.mode,
          dataset: this.datasetInfo(),
          settings: this.opts.settings.publicView(),
          commands: [...Object.keys(commands), ...Object.keys(hostCommands)],
          demoSamplesPath: demo && existsSync(demo) ? demo : null,
        };
      }
      case 'settings.update':
        return this.opts.settings.update(input as StudioInput<'settings.update'>);
      case 'dialog.pickPaths': {
        if (!this.opts.pickPaths) return { paths: [], supported: false };
        return {
          paths: await this.opts.pickPaths((input as StudioInput<'dialog.pickPaths'>).purpose),
          supported: true,
        };
      }
      case 'dataset.close': {
        const had = this.engine !== null;
        await this.closeEngine();
        if (had) this.emit('dataset-changed', { dataset: null });
        return { closed: had };
      }
    }
    throw new UnknownCommandError(name);
  }

  datasetInfo(): DatasetInfo | null {
    const e = this.engine;
    if (!e) return null;
    return {
      dir: e.store.dir,
      name: e.store.config.name,
      samples: e.store.index.size,
      keepThreshold: e.store.config.keepThreshold,
    };
  }

  /** Opens (or creates) a dataset folder and makes it current; the old one closes only once the new one opened. */
  async openDataset(dirArg: string, create: boolean): Promise<void> {
    const dir = resolve(dirArg);
    if (this.engine && this.engine.store.dir === dir) {
      await this.opts.settings.addRecent(dir);
      return;
    }
    const run = async () => {
      const running =
        this.engine?.jobs.list().filter((j) => j.state.status === 'running' || j.state.status === 'queued') ?? [];
      if (running.length)
        throw new BusyError(
          `a ${running[0].kind} job is running in ${this.engine!.store.config.name}; cancel it or wait before switching datasets`,
        );
      const next = await Engine.open({
        dir,
        create,
        // Read per job: a changed Workers setting applies to the next job.
        workers: () => this.opts.settings.publicView().workers,
        holder: this.opts.holder ?? (this.opts.mode === 'browser' ? 'tbs serve' : 'Textbook Studio app'),
      });
      await this.closeEngine();
      if (this.url) await next.store.advertiseUrl(this.url).catch(() => undefined);
      this.attach(next);
      this.prewarm(next);
      await this.opts.settings.addRecent(dir);
      this.emit('dataset-changed', { dataset: this.datasetInfo() });
    };
    const p = this.switching.catch(() => {}).then(run);
    this.switching = p.catch(() => {});
    await p;
  }

  /**
   * The first list in a given order sorts the whole index (about 1.5 s at 10^6 samples); do the
   * default one (by id: Browse, the review queues, the counts) now, while the user opens the UI.
   */
  private prewarm(engine: Engine) {
    if (engine.store.index.size < 50_000) return;
    // After the host printed its URL / loaded its window; the sort itself is synchronous.
    setTimeout(() => {
      if (this.engine === engine) void engine.query.list({ limit: 1 }).catch(() => {});
    }, 250);
  }

  private attach(engine: Engine) {
    this.engine = engine;
    const onProgress = (p: JobProgress) =>
      this.emit('job-progress', { jobId: p.jobId, kind: p.kind, phase: p.phase, done: p.done, total: p.total });
    const onState = (j: RunnerJobInfo) => {
      const v = jobView(j);
      this.emit('job-state', { jobId: v.jobId, kind: v.kind, status: v.status, error: v.error });
    };
    engine.jobs.on('job-progress', onProgress);
    engine.jobs.on('job-state', onState);
    this.detach = () => {
      engine.jobs.off('job-progress', onProgress);
      engine.jobs.off('job-state', onState);
    };
  }

  private async closeEngine() {
    const e = this.engine;
    if (!e) return;
    this.engine = null;
    this.detach?.();
    this.detach = null;
    for (const j of e.jobs.list()) e.jobs.cancel(j.jobId);
    await Promise.allSettled([...this.inFlight]);
    await e.close();
  }

  async close(): Promise<void> {
    await this.switching;
    await this.closeEngine();
    this.listeners.clear();
  }
}
