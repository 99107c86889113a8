import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { CONSENSUS_RULES } from '../../shared/enums.js';
import { globals, parsePositiveInt, printJson, withEngine } from './common.js';

/** `tbs assign | adjudicate | consensus | guidelines`: team labeling (issue 14). */
export function registerTeamCommands(program: Command): void {
  program
    .command('assign')
    .description('give each selected sample to --overlap distinct annotators (re-runs top up, never reshuffle)')
    .requiredOption('--annotators <list>', 'comma-separated names, e.g. alice,bob,carol')
    .option('--overlap <k>', 'annotators per sample', (v) => parsePositiveInt(v, '--overlap'), 2)
    .option('--limit <n>', 'at most n samples', (v) => parsePositiveInt(v, '--limit'))
    .option('--where <expr>', 'selection filter, e.g. "llm_score >= 2"')
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const annotators = String(o.annotators)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const r = await withEngine(cmd, (e) =>
        e.invoke('team.assign', { annotators, overlap: o.overlap, limit: o.limit, where: o.where }),
      );
      if (g.json) return printJson(r);
      console.log(`${r.samples} samples, ${r.added} new assignments`);
      for (const [a, n] of Object.entries(r.assigned)) console.log(`  ${a.padEnd(16)} ${n}`);
    });

  program
    .command('adjudicate')
    .description("settle a sample's human value with a reviewer's final score (undo: tbs undo LABEL_ID)")
    .argument('<id>', 'sample id')
    .requiredOption('--score <s>', 'final score 0-5', (v) => parsePositiveInt(v, '--score', true))
    .requiredOption('--annotator <name>', 'the reviewer')
    .option('--note <text>', 'why')
    .action(async (id: string, o, cmd: Command) => {
      const g = globals(cmd);
      const rec = await withEngine(cmd, (e) =>
        e.invoke('team.adjudicate', { sampleId: id, score: o.score, annotator: o.annotator, note: o.note ?? null }),
      );
      if (g.json) return printJson(rec);
      const settles = (rec.details.settles as string[] | undefined) ?? [];
      console.log(
        `adjudicated ${id}: score ${rec.score} by ${rec.agent}, settles ${settles.length} labels (${rec.labelId})`,
      );
    });

  program
    .command('undo')
    .description('retract a human label (its record stays in the history)')
    .argument('<label-id>')
    .requiredOption('--annotator <name>', 'who undoes it')
    .action(async (labelId: string, o, cmd: Command) => {
      const g = globals(cmd);
      const rec = await withEngine(cmd, (e) => e.invoke('labels.retract', { labelId, annotator: o.annotator }));
      if (g.json) return printJson(rec);
      console.log(`retracted ${labelId} (${rec.labelId})`);
    });

  program
    .command('consensus')
    .description("show or set how annotators' labels resolve to the human value (adjudication always wins)")
    .argument('[rule]', `one of ${CONSENSUS_RULES.join(', ')}`)
    .option('--blind <on|off>', 'blind mode for assigned samples')
    .action(async (rule: string | undefined, o, cmd: Command) => {
      const g = globals(cmd);
      if (rule !== undefined && !(CONSENSUS_RULES as readonly string[]).includes(rule))
        throw new Error(`unknown consensus rule ${JSON.stringify(rule)}; use ${CONSENSUS_RULES.join(', ')}`);
      if (o.blind !== undefined && o.blind !== 'on' && o.blind !== 'off')
        throw new Error(`--blind expects on or off, got ${JSON.stringify(o.blind)}`);
      const r = await withEngine(cmd, (e) =>
        e.invoke('team.setSettings', {
          consensusRule: rule as (typeof CONSENSUS_RULES)[number] | undefined,
          blindAssignments: o.blind === undefined ? undefined : o.blind === 'on',
        }),
      );
      if (g.json) return printJson(r);
      console.log(
        `consensus ${r.consensusRule} (adjudication wins), keep >= ${r.keepThreshold}, blind assignments ${r.blindAssignments ? 'on' : 'off'}`,
      );
    });

  const guide = program.command('guidelines').description("the dataset's labeling rubric (markdown, versioned)");
  guide
    .command('show')
    .option('--version <n>', 'a past version', (v) => parsePositiveInt(v, '--version'))
    .action(async (o, cmd: Command) => {
      const g = globals(cmd);
      const r = await withEngine(cmd, (e) => e.invoke('guidelines.get', { version: o.version }));
      if (g.json) return printJson(r);
      process.stdout.write(`<!-- version ${r.version} of ${r.versions}, by ${r.author} -->\n${r.body}`);
    });
  guide
    .command('set')
    .description('save a markdown file as the next version')
    .argument('<file>')
    .requiredOption('--author <name>')
    .action(async (file: string, o, cmd: Command) => {
      const g = globals(cmd);
      const body = await readFile(file, 'utf8');
      const r = await withEngine(cmd, (e) => e.invoke('guidelines.save', { body, author: o.author }));
      if (g.json) return printJson(r);
      console.log(`saved guidelines version ${r.version}`);
    });
}
