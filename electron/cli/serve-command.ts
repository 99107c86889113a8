import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SettingsStore } from '../host/settings-store.js';
import { ensureRendererBuilt } from '../web/ensure-renderer.js';
import { startWebServer } from '../web/web-server.js';
import { globals, parsePositiveInt } from './common.js';

/**
 * `tbs serve`: the studio UI in a browser (browser mode). Prints its URL, token included, as the
 * first line on stdout; everything else goes to stderr. The API key comes from the environment.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the studio UI on 127.0.0.1 (prints the URL with its access token first)')
    .option('--port <p>', 'port (default: a free one)', (v) => parsePositiveInt(v, '--port', true), 0)
    .option('--no-build', 'do not build the renderer when dist/renderer is missing or stale')
    .action(async (o: { port: number; build: boolean }, cmd: Command) => {
      const g = globals(cmd);
      if (o.build) {
        const b = await ensureRendererBuilt();
        if (b.built) process.stderr.write(`built the studio UI in ${(b.ms / 1000).toFixed(1)} s\n`);
      }
      const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
      const settings = await SettingsStore.load({ file: join(configHome, 'textbook-studio', 'browser-settings.json') });
      const server = await startWebServer({ dir: g.db, port: o.port, host: '127.0.0.1', settings });
      process.stdout.write(`${server.url}\n`);
      process.stderr.write(`serving ${server.session.datasetInfo()?.dir} — open the URL above; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      process.stderr.write('stopping\n');
      await server.close();
    });
}
