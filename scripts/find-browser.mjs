// Finds a Chromium or Chrome for the browser tests (playwright-core drives it; it never downloads
// one). Order: $TBS_BROWSER, then the usual install locations. Shared by scripts/run-tests.mjs
// and tests/support/browser.ts.
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';

export const BROWSER_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/lib/chromium/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/usr/bin/chromium-browser',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export const HOW_TO_GET_A_BROWSER =
  'browser tests need Chromium or Chrome: set TBS_BROWSER=/path/to/chrome, or install one (Debian: apt-get install chromium; macOS: install Google Chrome)';

function executable(p) {
  try {
    accessSync(p, constants.X_OK);
    // Ubuntu's apt "chromium" is a wrapper around a snap that does not run in containers.
    return !realpathSync(p).startsWith('/snap/');
  } catch {
    return false;
  }
}

/** The browser to use, or null. An explicit $TBS_BROWSER that does not exist is an error. */
export function findBrowser(env = process.env) {
  if (env.TBS_BROWSER) {
    if (!executable(env.TBS_BROWSER)) throw new Error(`TBS_BROWSER=${env.TBS_BROWSER} is not an executable browser`);
    return env.TBS_BROWSER;
  }
  return BROWSER_CANDIDATES.find(executable) ?? null;
}

/** True on Debian proper (not Ubuntu, whose apt chromium is a snap stub). */
export function isDebian() {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^ID=debian$/m.test(osRelease);
  } catch {
    return false;
  }
}
