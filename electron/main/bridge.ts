import type { StudioBridge } from '../../shared/contract/app.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './channels.js';
import type { InvokeReply } from './ipc.js';

/**
 * `window.studio`: exactly `invoke` and `on`, nothing generic (no raw ipcRenderer, no channel
 * names, no file system). Pure so tests can check it; preload.ts hands it to contextBridge.
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createStudioBridge(ipc: IpcRendererLike) {
  const bridge = {
    async invoke(name, input) {
      const reply = (await ipc.invoke(INVOKE_CHANNEL, name, input)) as InvokeReply;
      if (reply.ok) return reply.value as never;
      // contextBridge keeps only an error's message, so code and name ride in front of it;
      // the renderer's transport (renderer/transport/studio-client.ts) splits them off again.
      const err = new Error(`[${reply.error.code}:${reply.error.name}] ${reply.error.message}`);
      err.name = reply.error.name;
      throw err;
    },
    on(event, listener) {
      // The IPC event object (it references the sender) never reaches the page.
      const wrapped = (_e: unknown, name: unknown, payload: unknown) => {
        if (name === event) listener(payload as never);
      };
      ipc.on(EVENT_CHANNEL, wrapped as (event: unknown, ...args: unknown[]) => void);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, wrapped as (event: unknown, ...args: unknown[]) => void);
      };
    },
  } satisfies StudioBridge;
  return bridge;
}
