import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.js';
import { chunkPython } from '../../electron/engine/ingest/python-parser.js';
import { trainAndEvaluate } from '../../electron/engine/classify/classifier.js';

const STDLIB = '/usr/lib/python3.11';

function listPython(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (name !== '__pycache__') listPython(p, out);
    } else if (name.endsWith('.py') && st.size > 200 && st.size < 150_000) out.push(p);
  }
  return out;
}

/**
 * A proxy for "documented like a textbook", computed from the raw text with rules that share no
 * code with the embedder: a module docstring before any code, and over 6 % comment lines.
 */
function proxyLabel(text: string): number {
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'))?.trim() ?? '';
  const moduleDoc = /^[rRuU]?("""|'''|"|')/.test(first);
  const commentLines = lines.filter((l) => l.trim().startsWith('#')).length;
  return moduleDoc && commentLines / Math.max(1, lines.length) > 0.06 ? 1 : 0;
}

test(
  'a forest on hash embeddings of real stdlib files beats the majority baseline on held-out files',
  { skip: !existsSync(STDLIB) && 'no Python 3.11 stdlib here' },
  async () => {
    const files = listPython(STDLIB)
      .filter((_, i) => i % 3 === 0)
      .slice(0, 220);
    assert.ok(files.length >= 150, `only ${files.length} stdlib files`);
    const embedder = createHashEmbedder();
    const ids: string[] = [];
    const inputs = [];
    const labels: number[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const [chunk] = await chunkPython(text, 'file');
      ids.push(f);
      inputs.push({ text, language: 'python', astCounts: chunk.astCounts });
      labels.push(proxyLabel(text));
    }
    const X = await embedder.embed(inputs);
    const y = Uint8Array.from(labels);
    const positives = labels.reduce((a, b) => a + b, 0);
    assert.ok(
      positives > 0.15 * y.length && positives < 0.85 * y.length,
      `proxy label too one-sided: ${positives}/${y.length}`,
    );

    const r = trainAndEvaluate({
      ids,
      X,
      y,
      algo: 'forest',
      seed: 1,
      testFraction: 0.3,
      thresholdRule: { kind: 'max-f1' },
      hyper: { nTrees: 100 },
    });
    const m = r.metrics;
    assert.ok(m.accuracy > m.baselineAccuracy + 0.1, `accuracy ${m.accuracy} vs baseline ${m.baselineAccuracy}`);
    assert.ok(m.rocAuc > 0.85, `ROC-AUC ${m.rocAuc}`);
    assert.ok(m.f1 > 0.6, `F1 ${m.f1}`);
  },
);
