#!/usr/bin/env node
// Launcher: runs the CLI in this process from its bundle (cli-bundle.mjs: built from the sources,
// rebuilt when they change), or, when no bundle can be built or loaded, from the TypeScript sources
// through tsx in a child process.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBundle, pinBuild } from './cli-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.LANCEDB_LOG ??= 'error';

async function loadBundle() {
  const bundle = await ensureBundle(root);
  if (!bundle) return null;
  pinBuild(bundle);
  try {
    return await import(pathToFileURL(bundle).href);
  } catch (e) {
    // A file of the bundle missing or unreadable: the sources can still run. Anything else was
    // thrown by the code itself, which the sources would throw again.
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' && !(e instanceof SyntaxError)) {
      process.stderr.write(`error: ${e?.message ?? e}\n`);
      process.exit(1);
    }
    const why = String(e.message).split('\n')[0].slice(0, 300);
    process.stderr.write(`tbs: running from sources (the CLI bundle ${bundle} did not load: ${why})\n`);
    return null;
  }
}

const cli = await loadBundle();
if (cli) await cli.main();
else {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(
    process.execPath,
    ['--import', tsx, join(root, 'electron/cli/tbs.ts'), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  // NOTE: Ctrl-C reaches the child from the terminal itself (same process group): forwarding it
  // too would count as a second Ctrl-C. A SIGTERM or SIGHUP sent to this pid alone is passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    process.stderr.write(`tbs: could not start ${process.execPath}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}
