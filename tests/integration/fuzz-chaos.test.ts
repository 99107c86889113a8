import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { TOKEN_HEADER, startWebServer } from '../../electron/web/web-server.ts';
import { commands } from '../../shared/api.ts';
import { ERROR_CODES } from '../../shared/errors.ts';
import { tempDir } from '../support/temp.ts';

/** mulberry32: a tiny seeded PRNG, so a failing case can be replayed from its seed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

function mutate(buf: Buffer, r: () => number): Buffer {
  const kind = Math.floor(r() * 6);
  const at = Math.floor(r() * (buf.length + 1));
  switch (kind) {
    case 0: // truncation
      return buf.subarray(0, at);
    case 1: {
      // bit flips
      const b = Buffer.from(buf);
      for (let k = 0; k < 1 + Math.floor(r() * 8); k++) {
        const i = Math.floor(r() * b.length);
        if (b.length) b[i] ^= 1 << Math.floor(r() * 8);
      }
      return b;
    }
    case 2: // a huge line
      return Buffer.concat([
        buf.subarray(0, at),
        Buffer.alloc(200_000 + Math.floor(r() * 200_000), 0x61),
        buf.subarray(at),
      ]);
    case 3: // UTF-16 with BOM
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(buf.toString('latin1'), 'utf16le')]);
    case 4: // stray invalid bytes and NULs
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0xc3, 0x28, 0x00, 0xff]), buf.subarray(at)]);
    default: // duplicated chunk
      return Buffer.concat([buf, buf.subarray(0, at)]);
  }
}

test('seeded fuzzer over the importers: no crash, errors named, stored data unchanged by rejected input', async () => {
  const dir = await tempDir();
  const r = rng(SEED);
  const jsonl = Buffer.from(
    Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ text: `def f${i}(x):\n    return x * ${i}\n`, lang: 'python' }),
    ).join('\n') + '\n',
  );
  const csv = Buffer.from(
    'text,author\n' + Array.from({ length: 10 }, (_, i) => `"def c${i}():\n    return ${i}\n",a`).join('\n') + '\n',
  );
  const py = Buffer.from('import os\n\n\ndef walk(p):\n    """Walk."""\n    return list(os.walk(p))\n');
  const pqPath = join(dir, 'base.parquet');
  parquetWriteFile({
    filename: pqPath,
    columnData: [
      { name: 'content', data: Array.from({ length: 10 }, (_, i) => `def p${i}():\n    pass\n`), type: 'STRING' },
    ],
  });
  const parquet = await readFile(pqPath);
  const bases: [string, Buffer][] = [
    ['jsonl', jsonl],
    ['csv', csv],
    ['py', py],
    ['parquet', parquet],
  ];
  const store = await DatasetStore.open(join(dir, 'db'), { create: true });
  let cases = 0;
  // A fixed number of cases, not a deadline: how many ran must not depend on the machine's load.
  const CASES = 150;
  try {
    for (let k = 0; k < CASES; k++) {
      const [ext, base] = bases[k % bases.length];
      const f = join(dir, `case-${k}.${ext}`);
      await writeFile(f, mutate(base, r));
      const before = store.index.size;
      const rowsBefore = await (await store.table('samples')).countRows();
      const res = await importPaths(store, [f], { maxFileBytes: 100_000 });
      cases++;
      for (const e of res.errors) {
        assert.equal(typeof e.file, 'string');
        assert.ok(e.message.length > 0, `case ${k}: an unnamed error`);
      }
      assert.equal(store.index.size, before + res.imported, `case ${k}: index and result agree`);
      assert.equal(await (await store.table('samples')).countRows(), rowsBefore + res.imported, `case ${k}: table`);
    }
  } finally {
    await store.close();
  }
  const reopened = await DatasetStore.open(join(dir, 'db'), { mode: 'read' });
  assert.equal(
    await (await reopened.table('samples')).countRows(),
    reopened.index.size,
    'the dataset reopens consistent',
  );
  await reopened.close();
  console.log(`importer fuzz: ${cases} cases tried (seed ${SEED})`);
});

test('seeded fuzzer over the HTTP API: random commands and inputs never crash it and fail with a named code', async () => {
  const dir = await tempDir();
  const r = rng(SEED + 1);
  const src = join(dir, 'seed.jsonl');
  await writeFile(
    src,
    Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `x${i} = ${i}` })).join('\n') + '\n',
  );
  const server = await startWebServer({ dir: join(dir, 'db'), staticDir: dir });
  const names = Object.keys(commands).filter(
    (n) => !/^(llm\.|demo\.|dataset\.open|export\.run|model\.train|labels\.export)/.test(n),
  );
  const values = [
    null,
    0,
    -1,
    1e308,
    '',
    'x',
    "' OR 1=1 --",
    '%_%_%_%_%!',
    [],
    {},
    true,
    '../../etc/passwd',
    'a'.repeat(10_000),
    dir,
  ];
  const randomValue = () => values[Math.floor(r() * values.length)];
  const call = async (name: string, body: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/invoke/${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: server.token },
      body,
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
  let cases = 0;
  try {
    assert.equal((await call('samples.import', JSON.stringify({ paths: [src] }))).status, 200);
    const stats = JSON.stringify((await call('dataset.stats', '{}')).body);
    for (let k = 0; k < 300; k++) {
      const name = names[Math.floor(r() * names.length)];
      const input: Record<string, unknown> = {};
      for (const key of ['id', 'ids', 'where', 'path', 'paths', 'limit', 'sampleId', 'score', 'kind', 'labelId'])
        if (r() < 0.3) input[key] = randomValue();
      const body = r() < 0.1 ? '{"broken' : JSON.stringify(input);
      const res = await call(name, body);
      cases++;
      if (res.status !== 200) {
        assert.ok(res.body.error, `${name} ${body.slice(0, 80)}: no error object`);
        assert.ok(
          (ERROR_CODES as readonly string[]).includes(res.body.error.code),
          `${name}: code ${res.body.error.code}`,
        );
        assert.notEqual(res.status, 500, `${name} ${body.slice(0, 120)}: ${res.body.error.message}`);
      }
    }
    assert.equal((await call('dataset.stats', '{}')).status, 200, 'still serving');
    const after = JSON.parse(JSON.stringify((await call('dataset.stats', '{}')).body)) as { samples: number };
    assert.equal(after.samples, JSON.parse(stats).samples, 'rejected input changed no counts');
  } finally {
    await server.close();
  }
  console.log(`HTTP API fuzz: ${cases} cases tried (seed ${SEED + 1})`);
});
