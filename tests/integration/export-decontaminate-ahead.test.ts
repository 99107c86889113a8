import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { DEMO_SAMPLES } from '../../electron/engine/pipeline/demo.ts';
import { jsonl, TEAM_ITEMS } from '../support/benchmark-items.ts';
import { tempDir } from '../support/temp.ts';

// With near-dup on and no MinHash stage, an export checks near-dup survivors for contamination
// while near-dup goes on (store-export.ts, decontaminateAhead).
test('the export checks survivors once, shows the decontaminate phase, and a second export of checked survivors writes nothing', async () => {
  const dir = await tempDir();
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  try {
    await engine.invoke('samples.import', { paths: [DEMO_SAMPLES], textField: 'text' });
    await engine.invoke('labels.importHuman', { path: DEMO_SAMPLES, annotator: 'demo-team' });
    await engine.invoke('model.train', { algo: 'logistic', sources: ['human'] });
    const bench = join(dir, 'team.jsonl');
    await writeFile(bench, jsonl(TEAM_ITEMS));
    const phases = new Set<string>();
    engine.jobs.on('job-progress', (p: { phase: string }) => phases.add(p.phase));
    const first = await engine.invoke('export.run', {
      outDir: join(dir, 'out'),
      nearDup: 0.95,
      benchmarks: [bench],
      format: 'jsonl',
    });
    assert.ok(phases.has('near-dup') && phases.has('decontaminate'), [...phases].join(', '));
    const nearDup = first.funnel.find((f) => f.step === 'near-dup')!;
    const store = engine.store;
    const checked = store.index.ids.filter((id) => store.annotations.checkedBy(id, 'contamination')).length;
    assert.equal(checked, nearDup.samples, 'every near-dup survivor checked, and nothing else');

    const tables = ['annotations', 'annotation_runs', 'annotation_coverage'] as const;
    const versions = async () => Promise.all(tables.map(async (t) => (await store.table(t)).version()));
    const before = await versions();
    const preview = await engine.invoke('export.preview', { nearDup: 0.95, benchmarks: [bench] });
    assert.deepEqual(preview.funnel, first.funnel);
    assert.deepEqual(await versions(), before, 'no run recorded, no compaction');
  } finally {
    await engine.close();
  }
});
