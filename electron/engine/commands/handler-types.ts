import type { CommandArgs, CommandName, CommandOutput } from '../../../shared/api.js';
import type { Engine } from '../engine.js';

/** A feature's slice of the command implementations. */
export type Handlers<N extends CommandName> = { [K in N]: (input: CommandArgs<K>) => Promise<CommandOutput<K>> };
export type HandlerFactory<N extends CommandName> = (engine: Engine) => Handlers<N>;
