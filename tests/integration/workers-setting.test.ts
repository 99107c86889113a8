import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SettingsStore } from '../../electron/host/settings-store.ts';
import { StudioSession } from '../../electron/host/studio-session.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

test('the Workers setting defaults to every core, persists, is refused when not a positive integer, and sizes app jobs', async () => {
  const dir = await tempDir();
  const file = join(dir, 'settings.json');
  const settings = await SettingsStore.load({ file, env: {} });
  assert.equal(settings.publicView().workers, availableParallelism());
  const session = await StudioSession.start({ mode: 'browser', settings, dir: join(dir, 'db'), create: true });
  try {
    const updated = (await session.invoke('settings.update', { workers: 3 })) as { workers: number };
    assert.equal(updated.workers, 3);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).workers, 3, 'persisted with the other settings');
    assert.equal((await SettingsStore.load({ file, env: {} })).publicView().workers, 3, 'read back on the next start');
    await assert.rejects(session.invoke('settings.update', { workers: 0 }), /workers/);
    await assert.rejects(session.invoke('settings.update', { workers: 1.5 }), /workers/);
    // Jobs read the setting when they start: the engine's pool size follows it.
    const engine = session.currentEngine!;
    assert.equal(engine.workers(), 3);
    await session.invoke('settings.update', { workers: 2 });
    assert.equal(engine.workers(), 2);
    // Watch the pool the import job really gets.
    const seen: number[] = [];
    const withPool = engine.withPool.bind(engine);
    engine.withPool = (fn) =>
      withPool((pool) => {
        seen.push(pool.workers);
        return fn(pool);
      });
    const r = (await session.invoke('samples.import', { paths: [join(STDLIB, 'json')], chunk: 'function' })) as {
      imported: number;
    };
    assert.deepEqual(seen, [2]);
    assert.ok(r.imported > 0);
  } finally {
    await session.close();
  }
});
