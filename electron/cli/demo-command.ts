import { Command } from 'commander';
import { runDemo } from '../engine/pipeline/demo.js';
import { globals, printJson, withEngine } from './common.js';
import { createProgress } from './progress.js';

/** `tbs demo`: the whole pipeline on the bundled demo set and the local stdlib, offline. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('import the labeled demo set (+ the local Python stdlib), embed, train, score and export, offline')
    .option('--out <dir>', 'export folder', './demo-export')
    .option('--no-stdlib', 'skip the local Python standard library')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      if (!cmd.parent?.getOptionValueSource('db') || cmd.parent.getOptionValueSource('db') === 'default') {
        if (!process.env.TBS_DB) cmd.parent?.setOptionValue('db', './demo-db');
      }
      const s = await withEngine(
        cmd,
        async (engine, signal) => {
          let bar = createProgress(g.progress);
          let phase = '';
          const r = await runDemo(engine.store, {
            outDir: o.out,
            stdlib: o.stdlib,
            signal,
            onProgress: (p) => {
              if (p.phase !== phase) {
                bar.end();
                bar = createProgress(g.progress);
                phase = p.phase;
              }
              bar.update(p.phase.padEnd(14), p.done, p.total);
            },
          });
          bar.end();
          return r;
        },
        { create: true },
      );
      if (g.json) return printJson(s);
      const n = (x: number) => x.toLocaleString('en-US');
      const m = s.model.metrics;
      console.log(
        `\nclassifier ${s.model.modelId}${s.model.reused ? ' (unchanged labels: reused)' : ''}: held-out F1 ${m.f1.toFixed(3)}, precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)}, ROC-AUC ${m.rocAuc.toFixed(3)}`,
      );
      console.log(
        `  vs baselines: majority-class accuracy ${s.model.baselines.majorityAccuracy.toFixed(3)} (model ${m.accuracy.toFixed(3)}), always-keep F1 ${s.model.baselines.alwaysKeepF1.toFixed(3)}, length-only F1 ${s.model.baselines.lengthOnlyF1.toFixed(3)}`,
      );
      console.log('\nexport funnel            samples      tokens');
      for (const f of s.export.funnel)
        console.log(`  ${f.step.padEnd(20)} ${n(f.samples).padStart(8)} ${n(f.tokens).padStart(11)}`);
      if (s.stdlibPath)
        console.log(
          `\nof ${n(s.stdlibSamples)} stdlib functions and classes (${s.stdlibPath}), ${n(s.stdlibKept)} are kept, ${n(s.stdlibKeptTokens)} tokens`,
        );
      console.log(
        `${s.export.skipped ? 'export unchanged (same inputs): ' : 'wrote '}${s.export.outDir} in ${s.seconds.toFixed(1)} s`,
      );
      console.log(`\nnext: npm run tbs -- serve --db ${globals(cmd).db}   (or npm run web -- --db ${globals(cmd).db})`);
    });
}
