import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupCommit } from '../../electron/engine/store/group-commit.ts';
import { DurableJournal } from '../../electron/engine/store/durable-journal.ts';
import { tempDir } from '../support/temp.ts';

test('while entries keep coming, commits start at most once per window and carry every entry once', async () => {
  const starts: number[] = [];
  const committed: number[] = [];
  const gc = new GroupCommit<number>(async (group) => {
    starts.push(performance.now());
    committed.push(...group);
    await new Promise((r) => setTimeout(r, 1));
  }, 10);
  let n = 0;
  const stopAt = performance.now() + 300;
  // 32 writers that each wait for their commit, as the labeler's slots do.
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < stopAt) await gc.add([n++]);
    }),
  );
  await gc.idle();
  assert.deepEqual(
    [...committed].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  for (let i = 1; i < starts.length; i++)
    assert.ok(starts[i] - starts[i - 1] >= 10, `commits ${i - 1} and ${i} are ${starts[i] - starts[i - 1]} ms apart`);
  assert.ok(n >= 4 * starts.length, `${n} entries in ${starts.length} commits: grouped`);
});

test('an entry after a quiet spell commits at once; a failed commit fails only its own group', async () => {
  let calls = 0;
  let failNext = false;
  const gc = new GroupCommit<string>(async () => {
    calls++;
    if (failNext) {
      failNext = false;
      throw new Error('disk full');
    }
  }, 50);
  const first = gc.add(['a']);
  assert.equal(calls, 1, 'committed in the same turn as the add: nothing to wait for');
  await first;
  failNext = true;
  await new Promise((r) => setTimeout(r, 60));
  const bad = gc.add(['b']);
  assert.equal(calls, 2);
  await assert.rejects(bad, /disk full/);
  await gc.add(['c']);
  assert.equal(calls, 3);
  assert.equal(await gc.add([]), undefined);
  assert.equal(calls, 3, 'nothing to commit, no commit');
});

test('a journal record that cannot be serialized fails its own append, not the records committed with it', async () => {
  const sink: unknown[] = [];
  const j = new DurableJournal<{ id: string; n?: unknown }>({
    dir: await tempDir(),
    name: 't',
    flushTo: async (recs) => void sink.push(...recs),
    existingKeys: async () => new Set(),
    keyOf: (r) => r.id,
  });
  await j.open();
  const results = await Promise.allSettled([
    j.append([{ id: 'a' }]),
    j.append([{ id: 'b', n: 1n }]),
    j.append([{ id: 'c' }]),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  await j.close();
  assert.deepEqual(
    sink.map((r) => (r as { id: string }).id),
    ['a', 'c'],
  );
});
