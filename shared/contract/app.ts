import { z } from 'zod';
import { ImportErrorSchema } from '../domain.js';
import { JOB_STATUSES } from '../enums.js';
import type { CommandName, commands, events } from '../api.js';

/**
 * What the studio UI needs beyond the feature commands: jobs, the import error list (engine
 * commands, implemented in electron/engine/commands/app-handlers.ts), and the host's own calls
 * (app state, settings, native dialogs), which every host implements around its engine
 * (electron/host/studio-session.ts) and which therefore are not part of `commands`.
 */

export const JobInfoSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  startedAt: z.string(),
  status: z.enum(JOB_STATUSES),
  /** Last progress report while running; null before the first one and once finished. */
  progress: z.object({ phase: z.string(), done: z.number(), total: z.number() }).nullable(),
  /** The error a failed job carried (name kept so the UI can tell validation from I/O). */
  error: z.object({ name: z.string(), message: z.string() }).nullable(),
});
export type JobInfo = z.infer<typeof JobInfoSchema>;

export const StoredImportErrorSchema = ImportErrorSchema.extend({ importId: z.string(), createdAt: z.string() });
export type StoredImportError = z.infer<typeof StoredImportErrorSchema>;

/** Engine commands the UI needs (merged into `commands` in shared/api.ts). */
export const appCommands = {
  'jobs.list': { input: z.object({}), output: z.array(JobInfoSchema) },
  'jobs.cancel': {
    input: z.object({ jobId: z.string().min(1) }),
    /** false when the job is unknown or already finished. */
    output: z.object({ cancelled: z.boolean() }),
  },
  'samples.importErrors': {
    input: z.object({
      /** One import's errors; all imports when absent. */
      importId: z.string().optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(200),
    }),
    output: z.object({ total: z.number().int(), errors: z.array(StoredImportErrorSchema) }),
  },
} as const;

export const DatasetInfoSchema = z.object({
  dir: z.string(),
  name: z.string(),
  samples: z.number().int(),
  keepThreshold: z.number().int(),
});
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;

/** Settings as the renderer may see them: never the API key itself. */
export const PublicSettingsSchema = z.object({
  annotator: z.string(),
  /** OpenAI-compatible base URL; empty = the default endpoint. */
  endpoint: z.string(),
  model: z.string(),
  /** Most recently opened dataset folders, newest first. */
  recent: z.array(z.string()),
  hasApiKey: z.boolean(),
  /** false in browser mode: the key comes from the environment only. */
  apiKeyWritable: z.boolean(),
  /** Further endpoints an LLM call may pick by name (`llm.run`'s `endpoint`); never their keys. */
  endpoints: z.array(z.object({ name: z.string(), url: z.string(), hasApiKey: z.boolean() })),
  /** Worker threads for the CPU-heavy steps of jobs started here (default: every core). */
  workers: z.number().int().min(1),
});
export type PublicSettings = z.infer<typeof PublicSettingsSchema>;

/** Calls every host answers itself (they outlive a dataset, or need the host's OS access). */
export const hostCommands = {
  'app.state': {
    input: z.object({}),
    output: z.object({
      mode: z.enum(['electron', 'browser']),
      /** null until a dataset is open (first run of the desktop app). */
      dataset: DatasetInfoSchema.nullable(),
      settings: PublicSettingsSchema,
      /** Names of every command this build answers, so views of features not built yet can say so. */
      commands: z.array(z.string()),
      /** Absolute path of the bundled demo samples (JSONL), when present. */
      demoSamplesPath: z.string().nullable(),
    }),
  },
  'settings.update': {
    input: z.object({
      annotator: z.string().trim().min(1).max(100).optional(),
      endpoint: z.string().max(500).optional(),
      model: z.string().max(200).optional(),
      /** Write-only; '' clears it. Refused in browser mode (environment only). */
      apiKey: z.string().max(500).optional(),
      /** Adds or replaces a named endpoint; a changed URL needs its key again (write-only, '' = none). */
      saveEndpoint: z
        .object({ name: z.string().max(40), url: z.string().max(500), apiKey: z.string().max(500).optional() })
        .optional(),
      removeEndpoint: z.string().max(40).optional(),
      workers: z.number().int().min(1).max(1024).optional(),
    }),
    output: PublicSettingsSchema,
  },
  'dialog.pickPaths': {
    input: z.object({ purpose: z.enum(['import-files', 'import-folder', 'dataset-folder', 'export-folder']) }),
    /** Empty when cancelled; `supported` is false in browser mode (type a path instead). */
    output: z.object({ paths: z.array(z.string()), supported: z.boolean() }),
  },
  'dataset.close': { input: z.object({}), output: z.object({ closed: z.boolean() }) },
} as const;

/** Push events of the hosts, next to the engine's `events`. */
export const appEvents = {
  'job-state': z.object({
    jobId: z.string(),
    kind: z.string(),
    status: z.enum(JOB_STATUSES),
    error: z.object({ name: z.string(), message: z.string() }).nullable(),
  }),
  'dataset-changed': z.object({ dataset: DatasetInfoSchema.nullable() }),
} as const;

export type HostCommandName = keyof typeof hostCommands;
/** Every call a transport can carry: engine commands plus host calls. */
export type StudioCommands = typeof commands & typeof hostCommands;
export type StudioCommandName = CommandName | HostCommandName;
export type StudioInput<N extends StudioCommandName> = z.input<StudioCommands[N]['input']>;
export type StudioOutput<N extends StudioCommandName> = z.infer<StudioCommands[N]['output']>;
export type StudioEvents = typeof events & typeof appEvents;
export type StudioEventName = keyof StudioEvents;
export type StudioEventPayload<E extends StudioEventName> = z.infer<StudioEvents[E]>;

/** `window.studio` in the Electron renderer; the browser transport implements the same shape. */
export interface StudioBridge {
  invoke<N extends StudioCommandName>(name: N, input: StudioInput<N>): Promise<StudioOutput<N>>;
  /** Subscribes to a push event; returns the unsubscribe function. */
  on<E extends StudioEventName>(event: E, listener: (payload: StudioEventPayload<E>) => void): () => void;
}

/** How errors cross a transport: see shared/errors.ts (code, name, message). */
export type { WireError } from '../errors.js';
