// First step of `npm start`: make sure the Electron binary is there. The project's .npmrc keeps
// install scripts off (so `npm ci` works offline), which leaves node_modules/electron without its
// binary until this fetches it with electron's own installer. If that cannot work, say so in one
// paragraph and exit non-zero instead of printing a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const dir = dirname(require.resolve('electron/package.json'));
const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;

function binaryPresent() {
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return false;
  return existsSync(join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim()));
}

if (!binaryPresent()) {
  process.stderr.write(`Electron ${version} binary missing: fetching it (node_modules/electron/install.js) ...\n`);
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0 || !binaryPresent()) {
    const why = (r.stderr?.toString() ?? '').split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN/.test(l));
    process.stderr.write(
      `\nThe desktop app needs the Electron ${version} binary, which is not installed and could not be ` +
        `downloaded${why ? ` (${why.trim()})` : ''}. Electron fetches it from GitHub (or $ELECTRON_MIRROR); ` +
        `on a machine that reaches it, run \`node node_modules/electron/install.js\` once and then \`npm start\` ` +
        `again. Meanwhile the same studio runs in your browser: \`npm run web -- --db ./my-db\` prints its URL.\n\n`,
    );
    process.exit(1);
  }
}
