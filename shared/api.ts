import { z } from 'zod';
import { sampleCommands } from './contract/samples.js';
import { labelCommands } from './contract/labels.js';
import { appCommands } from './contract/app.js';
import { pipelineCommands } from './contract/pipeline.js';
import { teamCommands } from './contract/team.js';
import { synthCommands } from './contract/synth.js';

export * from './contract/samples.js';

/**
 * The command contract: every call the UI (or any host) can make, with zod schemas for its
 * argument object and its result. The engine implements it once (electron/engine/commands/);
 * Electron IPC, the web server and the CLI bind it. Types are derived, never retyped.
 * Each feature declares its commands in shared/contract/<feature>.ts; they are merged here.
 */
export const commands = {
  ...sampleCommands,
  ...labelCommands,
  ...appCommands,
  ...pipelineCommands,
  ...teamCommands,
  ...synthCommands,
} as const;

export type CommandName = keyof typeof commands;
export type CommandInput<N extends CommandName> = z.input<(typeof commands)[N]['input']>;
export type CommandOutput<N extends CommandName> = z.infer<(typeof commands)[N]['output']>;
/** What a handler receives: the input after zod defaults were applied. */
export type CommandArgs<N extends CommandName> = z.infer<(typeof commands)[N]['input']>;

/** Push events, typed like the commands. */
export const events = {
  'job-progress': z.object({
    jobId: z.string(),
    kind: z.string(),
    phase: z.string(),
    done: z.number(),
    total: z.number(),
  }),
  'samples-changed': z.object({ reason: z.string() }),
} as const;
export type EventName = keyof typeof events;
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]>;
