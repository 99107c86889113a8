/**
 * The Content-Security-Policy of the studio UI, the same in Electron and in browser mode:
 * scripts only from the app itself, no eval, no remote anything. Monaco needs inline styles
 * (it injects its theme at runtime) and loads its workers from the app's own files, or from blob:
 * URLs on older setups.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
