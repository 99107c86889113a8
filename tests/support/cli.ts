import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs the real `tbs` CLI as a subprocess, the way users start it (bin/tbs.mjs: the bundle). */
export function runTbs(
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin/tbs.mjs'), ...args], {
      env: { ...process.env, LANCEDB_LOG: 'error', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
