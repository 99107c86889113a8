#!/usr/bin/env node
// Launcher: runs the CLI from its bundle (cli-bundle.mjs: built from the sources, rebuilt when
// they change), or, when no bundle can be built, from the TypeScript sources through tsx.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBundle } from './cli-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.LANCEDB_LOG ??= 'error';
const bundle = await ensureBundle(root);
if (bundle) {
  const cli = await import(pathToFileURL(bundle).href);
  await cli.main();
} else {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const r = spawnSync(
    process.execPath,
    ['--import', tsx, join(root, 'electron/cli/tbs.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? 1);
}
