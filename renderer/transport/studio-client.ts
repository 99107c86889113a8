import type {
  StudioBridge,
  StudioCommandName,
  StudioEventName,
  StudioEventPayload,
  StudioInput,
  StudioOutput,
} from '../../shared/contract/app.js';
import { ERROR_POLICY, errorCodeOf, isErrorCode, type ErrorCode, type WireError } from '../../shared/errors.js';

/**
 * The one way the renderer reaches the engine: `window.studio` in Electron (the preload bridge),
 * else HTTP + server-sent events against browser mode, with the per-start token.
 */
declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

/** An error from the other side: its code (shared/errors.ts) decides what the UI does with it. */
export class StudioError extends Error {
  constructor(
    readonly code: ErrorCode,
    name: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = name;
  }
}

/** The retry decision comes from the one code table; an error without a code is a bug: not retried. */
export function isRetryable(e: unknown): boolean {
  return ERROR_POLICY[errorCodeOf(e)].retry;
}

const TOKEN_KEY = 'tbs-token';

function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the token out of the address bar, history and screenshots; this tab's storage keeps it.
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function createHttpBridge(): StudioBridge {
  const token = takeToken();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-studio-token'] = token;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let source: EventSource | null = null;
  const ensureSource = () => {
    if (source) return;
    // EventSource cannot send headers: the event stream alone takes the token in its URL.
    source = new EventSource(token ? `api/events?token=${encodeURIComponent(token)}` : 'api/events');
    for (const name of listeners.keys()) attach(name);
  };
  const attached = new Set<string>();
  const attach = (name: string) => {
    if (!source || attached.has(name)) return;
    attached.add(name);
    source.addEventListener(name, (ev) => {
      const data = JSON.parse((ev as MessageEvent<string>).data);
      for (const l of listeners.get(name) ?? []) l(data);
    });
  };
  return {
    async invoke<N extends StudioCommandName>(name: N, input: StudioInput<N>): Promise<StudioOutput<N>> {
      let res: Response;
      try {
        res = await fetch(`api/invoke/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw new StudioError(
          'unavailable',
          'NetworkError',
          `cannot reach the studio server (${(e as Error).message})`,
        );
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: reported below */
      }
      if (!res.ok) {
        const err = (body as { error?: Partial<WireError> } | null)?.error;
        // A reply without our envelope (a proxy, a crash page) is judged by its status alone.
        const code = isErrorCode(err?.code) ? err.code : res.status >= 502 ? 'unavailable' : 'internal';
        throw new StudioError(code, err?.name ?? 'HttpError', err?.message ?? `HTTP ${res.status}`, res.status);
      }
      return body as StudioOutput<N>;
    },
    on<E extends StudioEventName>(event: E, listener: (payload: StudioEventPayload<E>) => void) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener as (p: unknown) => void);
      ensureSource();
      attach(event);
      return () => {
        set!.delete(listener as (p: unknown) => void);
      };
    },
  };
}

/** The Electron bridge, with the error names it carries in front of messages restored. */
function wrapIpcBridge(bridge: StudioBridge): StudioBridge {
  return {
    async invoke(name, input) {
      try {
        return await bridge.invoke(name, input);
      } catch (e) {
        const m = /^\[(\w+):(\w+)\] ([\s\S]*)$/.exec((e as Error)?.message ?? '');
        throw m && isErrorCode(m[1])
          ? new StudioError(m[1], m[2], m[3])
          : new StudioError('internal', 'Error', String((e as Error)?.message ?? e));
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}

export const studio: StudioBridge = window.studio ? wrapIpcBridge(window.studio) : createHttpBridge();

/** Typed shorthand for `studio.invoke`. */
export function call<N extends StudioCommandName>(name: N, input: StudioInput<N>): Promise<StudioOutput<N>> {
  return studio.invoke(name, input);
}
