#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `tbs` works from a checkout and via npm link.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'electron/cli/tbs.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { LANCEDB_LOG: 'error', ...process.env },
});
process.exit(r.status ?? 1);
