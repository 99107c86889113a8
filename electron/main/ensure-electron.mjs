// `npm start` pre-step: fetch the Electron binary when it is missing. npm 11 skips install
// scripts here, and CI installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1, so `npm ci` alone may leave
// node_modules/electron without its binary. Offline, this fails with Electron's own message.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dir = dirname(require.resolve('electron/package.json'));
if (!existsSync(join(dir, 'path.txt'))) {
  process.stderr.write('Electron binary missing: running node_modules/electron/install.js\n');
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  execFileSync(process.execPath, [join(dir, 'install.js')], { stdio: 'inherit', env });
}
