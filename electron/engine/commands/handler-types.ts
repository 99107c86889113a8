import type { CommandArgs, CommandName, CommandOutput } from '../../../shared/api.js';
import type { Engine } from '../engine.js';

/**
 * What the host adds to a call that the caller may not choose: the LLM endpoint it resolved from
 * settings, with that endpoint's own key (never part of a command's input, so never from a client).
 */
export interface HostContext {
  llmEndpoint?: { baseURL?: string; apiKey?: string };
}

/** A feature's slice of the command implementations. */
export type Handlers<N extends CommandName> = {
  [K in N]: (input: CommandArgs<K>, host?: HostContext) => Promise<CommandOutput<K>>;
};
export type HandlerFactory<N extends CommandName> = (engine: Engine) => Handlers<N>;
