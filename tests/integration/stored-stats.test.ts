import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { textStats } from '../../electron/engine/hygiene/heuristics.ts';
import { applyHygiene } from '../../electron/engine/hygiene/export-stage.ts';
import type { RankedCandidate } from '../../electron/engine/curate/select.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

// An export takes a sample's heuristic statistics from the store instead of computing them again,
// which is only right while the stored values are exactly what `textStats` gives for the stored text.
test('stored heuristic statistics equal textStats of the stored text, and the export stage uses them', async () => {
  const db = join(await tempDir(), 'db');
  const w = await DatasetStore.open(db);
  await importPaths(w, [join(STDLIB, 'json'), join(STDLIB, 'csv.py'), join(STDLIB, 'textwrap.py')], {
    chunk: 'function',
  });
  await w.close();
  const r = await DatasetStore.open(db, { mode: 'read' });
  const ids = r.index.ids.slice();
  assert.ok(ids.length >= 20, `${ids.length} samples`);
  const items: RankedCandidate[] = [];
  for (const id of ids) {
    const s = (await r.getSample(id))!;
    const stored = r.hygiene.statsOf(id);
    assert.ok(stored, `stored statistics for ${id}`);
    assert.deepEqual(stored, textStats(s.text, s.language), id);
    items.push({
      candidate: {
        id,
        text: s.text,
        language: s.language,
        source: s.source,
        path: s.path,
      } as RankedCandidate['candidate'],
      tier: 'llm',
      tierIndex: 0,
      value: 1,
    });
  }
  // The stage decides from the facts' statistics: one sample claimed to have a 5,000-character
  // line is dropped by max-line-length although its text has none.
  const victim = ids[3];
  const facts = {
    spansOf: (id: string) => r.hygiene.spansOf(id) ?? [],
    licensesOf: (id: string) => r.hygiene.licensesOf(id),
    statsOf: (id: string) =>
      id === victim ? { ...r.hygiene.statsOf(id)!, maxLineLength: 5000 } : r.hygiene.statsOf(id),
  };
  const out = await applyHygiene(items, {}, facts);
  const kept = new Set(out.kept.map((k) => k.candidate.id));
  assert.equal(kept.has(victim), false);
  assert.equal(out.report.removed['max-line-length'], 1);
  assert.equal(kept.size, ids.length - 1);
  await r.close();
});
