import type { StudioEventName, StudioEventPayload } from '../../shared/contract/app.js';
import { toWireError, type WireError } from '../../shared/errors.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.js';
import { isAppUrl } from './security.js';

/**
 * Binds the session to the invoke and event channels, written against ipcMain-like interfaces
 * so tests can drive it without Electron.
 */
export { EVENT_CHANNEL, INVOKE_CHANNEL };

export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** What crosses the invoke channel: Electron mangles thrown errors, so failures travel as data. */
export type InvokeReply = { ok: true; value: unknown } | { ok: false; error: WireError };

export interface SessionLike {
  invoke(name: string, input: unknown): Promise<unknown>;
  onEvent(listener: <E extends StudioEventName>(event: E, payload: StudioEventPayload<E>) => void): () => void;
}

/**
 * Binds the session to IPC. Calls from any frame that is not the app's own page are refused;
 * names and inputs are validated by the session (the contract's zod schemas), as over HTTP.
 * Returns the function that unbinds both directions.
 */
export function bindStudioIpc(
  ipcMain: IpcMainLike,
  session: SessionLike,
  send: (channel: string, event: string, payload: unknown) => void,
): () => void {
  ipcMain.handle(INVOKE_CHANNEL, async (event, name, input): Promise<InvokeReply> => {
    if (!isAppUrl(event.senderFrame?.url))
      return {
        ok: false,
        error: { code: 'forbidden', name: 'ForbiddenError', message: 'calls are accepted from the studio page only' },
      };
    if (typeof name !== 'string')
      return {
        ok: false,
        error: { code: 'invalid_input', name: 'ValidationError', message: 'command name must be a string' },
      };
    try {
      return { ok: true, value: await session.invoke(name, input) };
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  });
  const off = session.onEvent((event, payload) => send(EVENT_CHANNEL, event, payload));
  return () => {
    ipcMain.removeHandler(INVOKE_CHANNEL);
    off();
  };
}
