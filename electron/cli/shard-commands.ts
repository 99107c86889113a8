import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { Engine } from '../engine/engine.js';
import { mergeShards } from '../engine/shards/merge.js';
import { SHARD_COMMANDS, type ShardCommand } from '../engine/shards/shard-spec.js';
import { arrayScript, follow, mergeScript, submit, type SlurmPlan } from '../engine/shards/slurm.js';
import { globals, parsePositiveInt, printJson, withEngine } from './common.js';

/** `tbs merge` and `tbs slurm`: sharded runs on a cluster, folded into the dataset. */

/** Positional paths plus those listed in --files-from (one per line, blank lines skipped). */
export async function inputList(args: string[], filesFrom?: string): Promise<string[]> {
  const out = [...args];
  if (filesFrom) {
    let text: string;
    try {
      text = await readFile(filesFrom, 'utf8');
    } catch (e) {
      throw new CommanderError(2, 'tbs.usage', `--files-from ${filesFrom}: ${(e as Error).message}`);
    }
    for (const line of text.split('\n')) if (line.trim()) out.push(line.trim());
  }
  if (!out.length) throw new CommanderError(2, 'tbs.usage', 'import needs paths or --files-from LIST');
  return out;
}

/** How a compute node starts this same tbs: this node binary and the checkout's launcher (bin/tbs.mjs). */
function tbsLauncher(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/tbs.mjs', import.meta.url))];
}

export function registerShardCommands(program: Command): void {
  program
    .command('merge')
    .description('fold finished shard folders (shards/<command>-<k>-of-<n>/) into the dataset; idempotent')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(cmd, (engine) => mergeShards(engine.store));
      if (g.json) printJson(r);
      else {
        if (!r.sets.length) console.log('no shard folders to merge');
        for (const s of r.sets)
          console.log(
            s.folded
              ? `${s.command} x${s.n}: folded ${s.rows.samples} samples, ${s.rows.vectors} vectors, ${s.rows.scores} scores, ${s.rows.importErrors} import errors, ${s.rows.labels} labels, ${s.rows.labelAttempts} failed label attempts, ${s.rows.checked} contamination checks`
              : `${s.command} x${s.n}: NOT folded, shards ${s.incomplete.join(', ')} missing or unfinished (re-run them)`,
          );
      }
      if (!r.ok) process.exitCode = 1;
    });

  program
    .command('slurm')
    .description(
      'run import|embed|score|label|decontaminate as a Slurm job array of --shard K/N tasks plus a dependent merge job',
    )
    .addOption(
      new Option('--shards <n>', 'array size').argParser((v) => parsePositiveInt(v, '--shards')).makeOptionMandatory(),
    )
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'time limit per task, e.g. 1:00:00')
    .option('--cpus-per-task <c>', 'CPUs per task (also its --workers)', (v) => parsePositiveInt(v, '--cpus-per-task'))
    .option('--indices <list>', 'only these array indices, e.g. 2,5 (re-running failed shards)')
    .option('--wait', 'follow the jobs; exit non-zero if any shard or the merge failed')
    .option('--print', 'print the sbatch scripts, submit nothing')
    .argument('<command>', `one of ${SHARD_COMMANDS.join(', ')}`)
    .argument('[args...]', "the command's own arguments, after --")
    .action(async (command: string, args: string[], o, cmd: Command) => {
      const g = globals(cmd);
      if (!(SHARD_COMMANDS as readonly string[]).includes(command))
        throw new CommanderError(
          2,
          'tbs.usage',
          `tbs slurm: ${command} cannot be sharded (${SHARD_COMMANDS.join(', ')})`,
        );
      const indices = o.indices
        ? String(o.indices)
            .split(',')
            .map((x) => parsePositiveInt(x.trim(), '--indices', true))
        : undefined;
      for (const k of indices ?? [])
        if (k >= o.shards) throw new CommanderError(2, 'tbs.usage', `--indices ${k} is not below --shards ${o.shards}`);
      const plan: SlurmPlan = {
        command: command as ShardCommand,
        db: resolve(g.db),
        shards: o.shards,
        args,
        partition: o.partition,
        time: o.time,
        cpusPerTask: o.cpusPerTask,
        indices,
        tbs: tbsLauncher(),
        cwd: process.cwd(),
      };
      if (o.print) {
        process.stdout.write(arrayScript(plan) + '\n' + mergeScript(plan));
        return;
      }
      // Shards open the dataset read-only, so it must exist (an import may be its first step).
      const engine = await Engine.open({ dir: plan.db, create: command === 'import' });
      await engine.close();
      const sub = await submit(plan);
      const say = (line: string) => process.stderr.write(line + '\n');
      say(
        `submitted job array ${sub.job_id} (${indices?.length ?? plan.shards} tasks) and merge job ${sub.merge_job_id}`,
      );
      if (!o.wait) {
        if (g.json) printJson({ job_id: sub.job_id, merge_job_id: sub.merge_job_id, shards: plan.shards, command });
        return;
      }
      const r = await follow(plan, sub, say);
      if (g.json) printJson(r);
      else
        console.log(
          r.failed_shards.length
            ? `${r.failed_shards.length} of ${plan.shards} shards failed: ${r.failed_shards.join(', ')}`
            : `all ${plan.shards} shards done; merge ${r.merged ? 'done' : 'FAILED'} (${r.seconds.toFixed(1)} s)`,
        );
      if (r.failed_shards.length || !r.merged) process.exitCode = 1;
    });
}
