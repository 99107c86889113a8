// The local embedder on a real (tiny, random-weight) BERT-style ONNX model written at test time by
// tests/support/onnx-builder.ts: loaded from a folder by @huggingface/transformers with ONNX
// Runtime, offline, with every fetch trapped so any network access fails the test.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { env } from '@huggingface/transformers';
import type { EmbedInput } from '../../electron/engine/embed/embedder.js';
import { createEmbedder } from '../../electron/engine/embed/index.js';
import { createLocalEmbedder, type LocalEmbedder } from '../../electron/engine/embed/local-embedder.js';
import { writeTinyBertModel, type TinyModel } from '../support/onnx-builder.ts';
import { tempDir } from '../support/temp.ts';

const fetched: string[] = [];
const realFetch = globalThis.fetch;
const realEnvFetch = env.fetch;
const trap = async (url: string | URL | Request) => {
  fetched.push(String(url instanceof Request ? url.url : url));
  throw new Error(`network is unreachable in this test: ${String(url)}`);
};
// NOTE: made at module level: `after` registered by tempDir inside a hook or test cleans up when
// that hook or test ends, and the model must outlive every test here.
const modelRoot = await tempDir('tbs-local-model-');
let tiny: TinyModel;
let embedder: LocalEmbedder;

before(async () => {
  // Both the library's own fetch hook and the global one: nothing may leave the machine.
  env.fetch = trap;
  globalThis.fetch = trap as typeof fetch;
  tiny = writeTinyBertModel(join(modelRoot, 'tiny-bert'));
  embedder = await createLocalEmbedder({ model: tiny.dir, batchSize: 4 });
});
after(async () => {
  await embedder?.dispose();
  globalThis.fetch = realFetch;
  env.fetch = realEnvFetch;
  assert.deepEqual(fetched, [], 'no network access at all');
});

const inputs = (texts: string[]): EmbedInput[] => texts.map((text) => ({ text, language: 'python', astCounts: {} }));
const norm = (v: Float32Array) => Math.hypot(...v);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

const SAMPLES = [
  'def add(a, b):\n    return a + b',
  'for item in items:\n    print(item)',
  'class Point:\n    def __init__(self, x, y):\n        self.x = x',
  'import json\ndata = json.load(open("file.json"))',
  'x = 1',
  '',
  'def total(values):\n    """sum the values"""\n    # start at zero\n    return sum(values)',
];

test('id and dims: hidden size discovered from the output; the id names model, dims and a fingerprint', () => {
  assert.equal(embedder.dims, tiny.hidden);
  assert.match(embedder.id, /^local:tiny-bert:32:[0-9a-f]{12}:v1$/);
  assert.equal(embedder.model, tiny.dir);
});

test('unit-norm, deterministic vectors; same text same vector, different texts differ', async () => {
  const a = await embedder.embed(inputs(SAMPLES));
  const b = await embedder.embed(inputs(SAMPLES));
  assert.equal(a.length, SAMPLES.length);
  for (const [i, v] of a.entries()) {
    assert.ok(v instanceof Float32Array);
    assert.equal(v.length, 32);
    assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    assert.ok(v.every(Number.isFinite));
    assert.deepEqual(v, b[i], 'bit-identical on a second run');
  }
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) assert.ok(maxDiff(a[i], a[j]) > 1e-3, `samples ${i} and ${j} collide`);
  }
  const [again] = await embedder.embed(inputs([SAMPLES[0]]));
  assert.ok(maxDiff(again, a[0]) < 1e-6);
  // Word order matters (positions and context), not only the bag of tokens.
  const [ab, ba] = await embedder.embed(inputs(['return a + b', 'b + a return']));
  assert.ok(maxDiff(ab, ba) > 1e-3);
});

test('a padded batch equals one-at-a-time: the attention mask keeps padding out', async () => {
  const batch = await embedder.embed(inputs(SAMPLES));
  for (const [i, text] of SAMPLES.entries()) {
    const [single] = await embedder.embed(inputs([text]));
    assert.ok(maxDiff(single, batch[i]) < 1e-5, `sample ${i}: ${maxDiff(single, batch[i])}`);
  }
});

test('inputs longer than the position table are truncated, not fatal', async () => {
  const long = Array.from({ length: 400 }, (_, i) => `value_${i % 10} = get(${i})`).join('\n');
  const [v, w] = await embedder.embed(inputs([long, long + '\nprint(1)']));
  assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  assert.ok(maxDiff(v, w) < 1e-6, 'only the first maxLength tokens count');
});

test('cls pooling and normalize=false give a different embedder id and vectors', async () => {
  const cls = await createLocalEmbedder({ model: tiny.dir, pooling: 'cls', normalize: false });
  try {
    assert.notEqual(cls.id, embedder.id);
    const [v] = await cls.embed(inputs([SAMPLES[0]]));
    const [m] = await embedder.embed(inputs([SAMPLES[0]]));
    assert.ok(maxDiff(v, m) > 1e-3);
    assert.ok(
      v.every((x) => Math.abs(x) <= 1),
      'tanh outputs, unnormalized',
    );
  } finally {
    await cls.dispose();
  }
});

test('abort: an aborted signal stops before any batch runs', async () => {
  const ac = new AbortController();
  ac.abort(new Error('cancelled'));
  await assert.rejects(embedder.embed(inputs(SAMPLES), ac.signal), /cancelled/);
});

test('createEmbedder builds it from a spec; a changed config changes the id', async () => {
  const viaSpec = await createEmbedder({ kind: 'local', model: tiny.dir });
  assert.equal(viaSpec.id, embedder.id);
  await (viaSpec as LocalEmbedder).dispose();

  const copy = writeTinyBertModel(join(await tempDir('tbs-local-model-'), 'tiny-bert'), { seed: 8 });
  const cfg = JSON.parse(readFileSync(join(copy.dir, 'config.json'), 'utf8'));
  writeFileSync(join(copy.dir, 'config.json'), JSON.stringify({ ...cfg, note: 'fine-tuned' }));
  const other = await createLocalEmbedder({ model: copy.dir });
  try {
    assert.notEqual(other.id, embedder.id);
    const [v] = await other.embed(inputs([SAMPLES[0]]));
    const [m] = await embedder.embed(inputs([SAMPLES[0]]));
    assert.ok(maxDiff(v, m) > 1e-3, 'other weights, other vectors');
  } finally {
    await other.dispose();
  }
});

test('a folder missing files fails with a message that names them; offline, a hub id is never fetched', async () => {
  const broken = writeTinyBertModel(join(await tempDir('tbs-local-model-'), 'broken'));
  rmSync(join(broken.dir, 'tokenizer_config.json'));
  rmSync(join(broken.dir, 'onnx', 'model.onnx'));
  await assert.rejects(createLocalEmbedder({ model: broken.dir }), /lacks tokenizer_config\.json, onnx\/model\.onnx/);
  await assert.rejects(
    createLocalEmbedder({ model: 'textbook-studio/not-downloaded', cacheDir: broken.dir }),
    /cannot load textbook-studio\/not-downloaded \(offline/,
  );
  assert.deepEqual(fetched, []);
});
