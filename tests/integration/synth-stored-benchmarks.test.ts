import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { runSynth } from '../../electron/engine/synth/generator.ts';
import type { SynthOptions } from '../../electron/engine/synth/synth-options.ts';
import { FAKE_BENCHMARK_ROW } from '../support/openai-generation.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.ts';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const servers: FakeOpenAI[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test('synth without --decontaminate checks against the benchmarks stored by tbs decontaminate (even after the file moved)', async () => {
  const dir = await tempDir();
  const bench = join(dir, 'fakeeval.jsonl');
  await writeFile(bench, JSON.stringify(FAKE_BENCHMARK_ROW) + '\n');
  const [withStored, without] = [join(dir, 'a'), join(dir, 'b')];
  for (const db of [withStored, without]) await (await Engine.open({ dir: db })).close();
  const d = await runTbs(['decontaminate', '--db', withStored, '--benchmarks', bench, '--json']);
  assert.equal(d.code, 0, d.stderr);
  // The stored items are used, not the path: the file is gone by the time synth runs.
  await rename(bench, join(dir, 'moved.jsonl'));

  const server = await startFakeOpenAI();
  servers.push(server);
  const topics = join(dir, 'topics.txt');
  // Every answer copies the benchmark's function: the first is contaminated, the rest repeat it.
  await writeFile(topics, 'variant:contaminated practice\n');
  const o: SynthOptions = {
    kind: 'exercises',
    count: 3,
    topics,
    model: 'gpt-4o-mini',
    baseURL: server.url,
    apiKey: 'k',
    concurrency: 1,
    workers: 1,
  };
  const runOn = async (db: string, extra: Partial<SynthOptions> = {}) => {
    const engine = await Engine.open({ dir: db });
    try {
      return await runSynth(engine.store, { ...o, ...extra });
    } finally {
      await engine.close();
    }
  };
  const a = await runOn(withStored);
  assert.deepEqual(a.benchmarks, { from: 'stored', names: ['fakeeval'], items: 1 });
  assert.equal(a.rejected.contaminated, 1, JSON.stringify(a.rejections));
  assert.match(a.rejections.find((r) => r.reason === 'contaminated')!.detail, /fakeeval\.jsonl FakeEval\/0/);
  assert.equal(a.generated, 0);
  // The same answers on a dataset without stored benchmarks: nothing to check against, one is stored.
  const b = await runOn(without);
  assert.equal(b.benchmarks, null);
  assert.equal(b.rejected.contaminated, 0);
  assert.equal(b.generated, 1);
  // --decontaminate given wins over the stored set (another seed: new keys, new calls).
  const other = join(dir, 'other.jsonl');
  await writeFile(
    other,
    JSON.stringify({
      task_id: 'Other/0',
      prompt: 'def unrelated(x):\n    """Return x."""\n',
      canonical_solution: '    return x\n',
      test: '',
    }) + '\n',
  );
  const c = await runOn(withStored, { seed: 1, decontaminate: [other] });
  assert.deepEqual(c.benchmarks, { from: 'option', names: [other], items: 1 });
  assert.equal(c.rejected.contaminated, 0);
  assert.equal(c.generated, 1);
});
