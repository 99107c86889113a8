import { chromium, type Browser } from 'playwright-core';
import { findBrowser, HOW_TO_GET_A_BROWSER } from '../../scripts/find-browser.mjs';

/** Flags for headless Chromium in a container on a closed network (see DESIGN.md, testing). */
export const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches the browser found by scripts/find-browser.mjs; fails at once, in one line, without one. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findBrowser();
  if (!executablePath) throw new Error(HOW_TO_GET_A_BROWSER);
  return chromium.launch({ executablePath, args: BROWSER_ARGS });
}
