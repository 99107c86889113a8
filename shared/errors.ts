/**
 * Errors that cross the contract. Every failure a host reports carries one `code` from this closed
 * vocabulary; ERROR_POLICY is the one table that maps a code to its HTTP status, to the reply on
 * Electron's invoke channel, and to the renderer's retry decision.
 */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'busy',
  'unavailable',
  'unauthorized',
  'forbidden',
  'too_large',
  'cancelled',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorPolicy {
  /** Status of the HTTP reply in browser mode. */
  http: number;
  /**
   * Electron's invoke channel mangles thrown errors, so every failure travels as the same data
   * reply `{ ok: false, error: { code, name, message } }`; `ipc` names that reply's kind.
   */
  ipc: 'error-reply';
  /** Whether the renderer tries the same call again later (true only for transient conditions). */
  retry: boolean;
  /** What the user is told before the message. */
  title: string;
}

export const ERROR_POLICY: Record<ErrorCode, ErrorPolicy> = {
  invalid_input: { http: 400, ipc: 'error-reply', retry: false, title: 'Invalid input' },
  not_found: { http: 404, ipc: 'error-reply', retry: false, title: 'Not found' },
  conflict: { http: 409, ipc: 'error-reply', retry: false, title: 'Conflict' },
  // NOTE: busy (another job holds the dataset, a dataset is being switched) and unavailable (the
  // server or the disk is momentarily unreachable) pass; everything else is permanent.
  busy: { http: 409, ipc: 'error-reply', retry: true, title: 'Busy' },
  unavailable: { http: 503, ipc: 'error-reply', retry: true, title: 'Unavailable' },
  unauthorized: { http: 401, ipc: 'error-reply', retry: false, title: 'Not signed in' },
  forbidden: { http: 403, ipc: 'error-reply', retry: false, title: 'Not allowed' },
  too_large: { http: 413, ipc: 'error-reply', retry: false, title: 'Too large' },
  cancelled: { http: 409, ipc: 'error-reply', retry: false, title: 'Cancelled' },
  // A bug (for example an output that fails its own schema): retrying cannot fix it.
  internal: { http: 500, ipc: 'error-reply', retry: false, title: 'Internal error' },
};

/** What travels on the wire for a failed call (HTTP body `{ error }`, IPC `{ ok: false, error }`). */
export interface WireError {
  code: ErrorCode;
  /** The thrower's class name, kept for logs (ValidationError, WhereSyntaxError, ...). */
  name: string;
  message: string;
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

/** An error with a code; engine and hosts throw this (or a subclass) for every expected failure. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; name?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = options?.name ?? 'CodedError';
  }
}

// Node's system error codes for paths a user named: the input is wrong, not the studio.
const SYSTEM_CODES: Record<string, ErrorCode> = {
  ENOENT: 'not_found',
  ENOTDIR: 'invalid_input',
  EISDIR: 'invalid_input',
  EACCES: 'forbidden',
  EPERM: 'forbidden',
  EEXIST: 'conflict',
  ENOSPC: 'unavailable',
  EBUSY: 'busy',
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ETIMEDOUT: 'unavailable',
};

/** The code of any thrown value: its own `code` when it has one of ours, else a safe mapping. */
export function errorCodeOf(e: unknown): ErrorCode {
  const err = e as { code?: unknown; name?: unknown } | null;
  if (err && isErrorCode(err.code)) return err.code;
  if (err && typeof err.code === 'string' && SYSTEM_CODES[err.code]) return SYSTEM_CODES[err.code];
  if (err && err.name === 'AbortError') return 'cancelled';
  return 'internal';
}

/** The wire form of any thrown value. */
export function toWireError(e: unknown): WireError {
  const err = e as { name?: unknown; message?: unknown } | null;
  return {
    code: errorCodeOf(e),
    name: typeof err?.name === 'string' && err.name ? err.name : 'Error',
    message: typeof err?.message === 'string' ? err.message : String(e),
  };
}
