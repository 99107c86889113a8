import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the renderer (vite) when dist/renderer is missing or older than its sources, so
 * `tbs serve` and the e2e tests work from a clean checkout. Vite's own output goes to stderr
 * (warnings only): stdout stays reserved for the URL line.
 */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['renderer', 'shared', 'vite.config.ts', 'package-lock.json'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const n of readdirSync(p)) if (n !== 'node_modules') max = Math.max(max, newestMtime(join(p, n)));
  return max;
}

export function rendererBuildIsStale(root = REPO_ROOT): boolean {
  const index = join(root, 'dist', 'renderer', 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(root, s)) > built);
}

export async function ensureRendererBuilt(
  opts: { root?: string; force?: boolean } = {},
): Promise<{ built: boolean; ms: number }> {
  const root = opts.root ?? REPO_ROOT;
  if (!opts.force && !rendererBuildIsStale(root)) return { built: false, ms: 0 };
  const t0 = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return { built: true, ms: Date.now() - t0 };
}
