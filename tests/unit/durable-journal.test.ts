import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { DurableJournal } from '../../electron/engine/store/durable-journal.ts';
import { tempDir } from '../support/temp.ts';

function journal(dir: string, sink: string[][], opts: { intervalMs?: number; maxRows?: number } = {}) {
  return new DurableJournal<{ id: string }>({
    dir,
    name: 't',
    intervalMs: opts.intervalMs ?? 50,
    maxRows: opts.maxRows ?? 100,
    flushTo: async (recs) => {
      if (!recs.length) throw new Error('empty batch');
      sink.push(recs.map((r) => r.id));
      await new Promise((r) => setTimeout(r, 5));
    },
    existingKeys: async (keys) => new Set(sink.flat().filter((k) => keys.includes(k))),
    keyOf: (r) => r.id,
  });
}

test('concurrent flushes never race or send an empty batch', async () => {
  const sink: string[][] = [];
  const j = journal(await tempDir(), sink);
  await j.open();
  await j.append([{ id: 'a' }]);
  const results = await Promise.allSettled([j.flush(), j.flush(), j.flush()]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(sink, [['a']]);
  await j.close();
});

test('records reach the table in repeated flushes while writers never pause', async () => {
  const sink: string[][] = [];
  const dir = await tempDir();
  const j = journal(dir, sink, { intervalMs: 30, maxRows: 50 });
  await j.open();
  let n = 0;
  // The writers append without a pause until three flushes have landed; a journal that flushed
  // only once writers went quiet (or at close) would keep them going until the generous deadline.
  const deadline = Date.now() + 20_000;
  let flushesSeenWhileWriting = 0;
  const writers = Array.from({ length: 16 }, async () => {
    while ((flushesSeenWhileWriting = sink.length) < 3 && Date.now() < deadline) {
      await j.append([{ id: String(n++) }]);
    }
  });
  await Promise.all(writers);
  assert.ok(flushesSeenWhileWriting >= 3, `${flushesSeenWhileWriting} flushes while writes were still arriving`);
  await j.close();
  const all = sink.flat();
  assert.equal(all.length, n);
  assert.equal(new Set(all).size, n, 'each record written once');
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.jsonl')),
    [],
    'no segment left after a clean close',
  );
});

test('a replay that fails leaves every segment for the next open: abandon() removes nothing', async () => {
  const dir = await tempDir();
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  // A crash left two segments of acknowledged records (a flush of 3 failed after 4 was opened).
  await writeFile(join(dir, 't-3.jsonl'), JSON.stringify({ id: 'a' }) + '\n');
  await writeFile(join(dir, 't-4.jsonl'), JSON.stringify({ id: 'b' }) + '\n');
  const sink: string[][] = [];
  let fail = true;
  const failing = new DurableJournal<{ id: string }>({
    dir,
    name: 't',
    flushTo: async (recs) => {
      if (fail) throw new Error('disk full');
      sink.push(recs.map((r) => r.id));
    },
    existingKeys: async () => new Set(),
    keyOf: (r) => r.id,
  });
  await assert.rejects(failing.open(), /disk full/);
  await failing.abandon();
  assert.deepEqual((await readdir(dir)).sort(), ['t-3.jsonl', 't-4.jsonl']);
  fail = false;
  const again = journal(dir, sink);
  const replayed = await again.open();
  assert.deepEqual(
    replayed.map((r) => r.id),
    ['a', 'b'],
  );
  await again.close();
});
