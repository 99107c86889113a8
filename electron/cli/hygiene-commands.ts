import type { Command } from 'commander';
import { globals, openPool, printJson, withEngine, workersOption } from './common.js';
import { createProgress } from './progress.js';

/** `tbs scan`: secrets, PII and licenses for samples imported without them (resumable). */
export function registerHygieneCommands(program: Command): void {
  program
    .command('scan')
    .description('scan every sample for secrets and PII and record licenses (resumable; imports scan already)')
    .addOption(workersOption())
    .action(async (o: { workers: number }, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(cmd, async (engine, signal) => {
        const { scanDataset } = await import('../engine/hygiene/scan-job.js');
        const bar = createProgress(g.progress);
        await using pool = await openPool(o.workers);
        const s = await scanDataset(engine.store, {
          signal,
          pool: pool.pool,
          onProgress: (p) => bar.update('scan', p.done, p.total),
        });
        bar.end();
        return s;
      });
      if (g.json) printJson(r);
      else {
        const kinds = Object.entries(r.by_kind)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        console.log(
          `${r.cancelled ? 'cancelled: ' : ''}scanned ${r.scanned} samples (${r.skipped} already scanned); flagged ${r.flagged}: ${kinds}`,
        );
      }
      if (r.cancelled) process.exitCode = 130;
    });
}
