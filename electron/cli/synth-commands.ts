import type { Command } from 'commander';
import { createProgress } from './progress.js';
import { globals, parsePositiveInt, printJson, withEngine } from './common.js';
import { countImports, ensureImports } from '../engine/stats/imports-stat.js';

/** `tbs imports` (the phi-1 imports chart as data) and `tbs synth` (synthetic textbooks and exercises). */
export function registerSynthCommands(program: Command): void {
  program
    .command('imports')
    .description('how many samples import each top-level module (from the syntax tree), most first')
    .option('--where <expr>', 'only samples matching, e.g. "source = \'synthetic:exercises\'"')
    .option('--source <text>', 'only samples whose source contains this text')
    .option(
      '--min-count <n>',
      'leave out modules imported by fewer samples',
      (v) => parsePositiveInt(v, '--min-count', true),
      10,
    )
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const rows = await withEngine(cmd, async (engine, signal) => {
        const bar = createProgress(g.progress, 'items');
        const { byId, computed } = await ensureImports(engine.store, {
          signal,
          onProgress: (d, t) =>
            bar.update('imports', d, t, 'computing imports of samples imported before this statistic'),
        });
        bar.end();
        if (computed) await engine.store.compact(['sample_imports']);
        if (signal.aborted) throw new Error('cancelled before every sample had its imports; run again to continue');
        const ids: string[] = [];
        for await (const r of engine.query.iterate({ where: o.where, source: o.source })) ids.push(r.id);
        return countImports(byId, ids, o.minCount);
      });
      if (g.json) return printJson(rows);
      if (!rows.length) console.log(`no module is imported by ${o.minCount} or more samples`);
      const width = Math.max(6, ...rows.map((r) => r.module.length));
      for (const r of rows) console.log(`${r.module.padEnd(width)}  ${r.count.toLocaleString('en-US')}`);
    });
}
