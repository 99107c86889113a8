import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBenchmarkSpec } from './benchmarks.js';

/** Content hash of the named benchmarks (files, and folders walked in name order); missing -> marked. */
export async function benchmarkFingerprint(args: readonly string[]): Promise<string[]> {
  const hashPath = async (p: string, h: ReturnType<typeof createHash>): Promise<void> => {
    const st = await stat(p);
    if (!st.isDirectory()) {
      h.update(await readFile(p));
      return;
    }
    for (const e of (await readdir(p)).sort()) {
      h.update(`\u0000${e}\u0000`);
      await hashPath(join(p, e), h);
    }
  };
  return Promise.all(
    args.map(async (a) => {
      const spec = parseBenchmarkSpec(a);
      const h = createHash('sha256').update(spec.name);
      try {
        await hashPath(spec.path, h);
      } catch (e) {
        h.update(`unreadable:${(e as Error).message}`);
      }
      return h.digest('hex');
    }),
  );
}
