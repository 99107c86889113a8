/** Job progress for the terminal: a bar on a TTY, JSON lines with `--progress json`, or nothing. */
export type ProgressMode = 'bar' | 'json' | 'none';

export interface ProgressReporter {
  update(phase: string, done: number, total: number, extra?: string): void;
  end(): void;
}

export function createProgress(mode: ProgressMode | undefined, unit: 'bytes' | 'items' = 'items'): ProgressReporter {
  const resolved: ProgressMode = mode ?? (process.stderr.isTTY ? 'bar' : 'none');
  if (resolved === 'none') return { update() {}, end() {} };
  if (resolved === 'json') {
    return {
      update(phase, done, total, extra) {
        process.stderr.write(JSON.stringify({ phase, done, total, ...(extra ? { info: extra } : {}) }) + '\n');
      },
      end() {},
    };
  }
  let last = 0;
  let drawn = false;
  const fmt = (n: number) => (unit === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : n.toLocaleString('en-US'));
  return {
    update(phase, done, total, extra) {
      const now = Date.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 28;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      process.stderr.write(
        `\r${phase} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)}${extra ? '  ' + extra : ''}\x1b[K`,
      );
      drawn = true;
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
