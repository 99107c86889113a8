import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SettingsStore } from '../host/settings-store.js';
import { ensureRendererBuilt } from '../web/ensure-renderer.js';
import { startWebServer } from '../web/web-server.js';
import { loadUsers } from '../web/users.js';
import { globals, parsePositiveInt } from './common.js';
import { capNativeThreads } from '../engine/workers/native-threads.js';

interface ServeOpts {
  port: number;
  host: string;
  users?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowedHost?: string[];
  build: boolean;
}

/**
 * `tbs serve`: the studio UI in a browser (browser mode). Prints its URL, token included, as the
 * first line on stdout; everything else goes to stderr. The API key comes from the environment.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the studio UI on 127.0.0.1 (prints the URL with its access token first)')
    .option('--port <p>', 'port (default: a free one)', (v) => parsePositiveInt(v, '--port', true), 0)
    .option('--host <addr>', 'address to bind; anything but loopback needs --users', '127.0.0.1')
    .option('--users <file>', 'team server: users with their own token and role (annotator, reviewer, owner)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key')
    .option('--allowed-host <name...>', 'Host header a reverse proxy forwards (e.g. studio.example.org)')
    .option('--no-build', 'do not build the renderer when dist/renderer is missing or stale')
    .action(async (o: ServeOpts, cmd: Command) => {
      const g = globals(cmd);
      if (o.build) {
        const b = await ensureRendererBuilt();
        if (b.built) process.stderr.write(`built the studio UI in ${(b.ms / 1000).toFixed(1)} s\n`);
      }
      const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
      const settings = await SettingsStore.load({ file: join(configHome, 'textbook-studio', 'browser-settings.json') });
      capNativeThreads(settings.workersChosen());
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
      const users = o.users ? await loadUsers(o.users) : undefined;
      const tls = o.tlsCert ? { cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey!) } : undefined;
      const server = await startWebServer({
        dir: g.db,
        port: o.port,
        host: o.host,
        settings,
        users,
        tls,
        allowedHosts: o.allowedHost,
      });
      process.stdout.write(`${server.url}\n`);
      if (users)
        process.stderr.write(
          `team server for ${users.users.length} users: each opens the URL above followed by their own token\n`,
        );
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
