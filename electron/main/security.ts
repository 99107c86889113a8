import { contentSecurityPolicy } from '../host/csp.js';
import scheme from './app-scheme.json' with { type: 'json' };

/**
 * The desktop window's security posture, as plain data so Node tests can check it without the
 * Electron binary. main.ts only applies these.
 */

/** The renderer is served from a privileged custom scheme, not file:// (workers and CSP need an origin). */
export const APP_SCHEME = scheme.scheme;
export const APP_HOST = scheme.host;
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Privileges of the app scheme (registered in entry.mjs before `ready`). No CORS bypass, no service workers. */
export const APP_SCHEME_PRIVILEGES = scheme.privileges;

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** BrowserWindow webPreferences: isolated, sandboxed, no Node in the page or its workers. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
  } as const;
}

/** True for URLs of the app itself (the only pages allowed to talk to the engine). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Navigation away from the app is never allowed (links to docs open nowhere; nothing remote loads). */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** window.open / target=_blank: always denied. */
export const windowOpenDecision = () => ({ action: 'deny' as const });

/** Permission requests (camera, notifications, ...): the studio needs none. */
export const allowPermission = (_permission: string) => false;
