import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { parquetWriteFile } from 'hyparquet-writer';
import { DatasetStore } from '../../electron/engine/store/dataset-store.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { sampleIdOf } from '../../electron/engine/ingest/normalize.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

test('function chunking imports real stdlib functions with line ranges, and re-import adds nothing', async () => {
  const dir = await tempDir();
  const src = join(dir, 'src', 'json');
  await cp(join(STDLIB, 'json'), src, { recursive: true });
  const store = await DatasetStore.open(join(dir, 'db'));
  const first = await importPaths(store, [src], { chunk: 'function' });
  assert.ok(first.imported > 10, `imported ${first.imported}`);
  const { getSample } = store;
  const ids = store.index.ids.slice();
  const sample = await getSample.call(
    store,
    ids.find((id, i) => store.index.source[i].includes('decoder.py'))!,
  );
  assert.ok(sample);
  assert.equal(sample.chunk, 'function');
  assert.ok(sample.startLine! >= 1 && sample.endLine! >= sample.startLine!);
  assert.match(sample.text, /^(def|class|@)/);
  assert.ok(Object.keys(sample.astCounts).length > 3, 'AST node-kind counts stored at import');
  assert.equal(sample.id, sampleIdOf(sample.text));
  const second = await importPaths(store, [src], { chunk: 'function' });
  assert.equal(second.imported, 0);
  assert.equal(second.duplicates, first.imported + first.duplicates);
  await store.close();
  const reopened = await DatasetStore.open(join(dir, 'db'));
  assert.equal(reopened.index.size, first.imported);
  assert.equal(await (await reopened.table('samples')).countRows(), first.imported);
  await reopened.close();
});

test('bad input becomes errors naming file, line and field; everything else is imported; stored data unchanged', async () => {
  const dir = await tempDir();
  const store = await DatasetStore.open(join(dir, 'db'));
  const good = join(dir, 'good.jsonl');
  await writeFile(good, JSON.stringify({ content: 'def keep():\n    return 1\n', repo_name: 'r/keep' }) + '\n');
  await importPaths(store, [good]);
  const before = await store.getSample(sampleIdOf('def keep():\n    return 1\n'));
  assert.ok(before);

  const jsonl = join(dir, 'mixed.jsonl');
  await writeFile(
    jsonl,
    [
      JSON.stringify({ content: 'def a():\n    return 1\n', lang: 'Python', license: 'mit' }),
      '{"content": "def broken(:',
      JSON.stringify({ title: 'no text here' }),
      JSON.stringify({ content: 42 }),
      JSON.stringify({ content: '   ' }),
      JSON.stringify({ text: 'def b():\n    return 2\n' }),
      JSON.stringify({ content: 'def keep():\n    return 1\n' }),
    ].join('\n') + '\n',
  );
  const folder = join(dir, 'repo');
  await mkdir(folder);
  await writeFile(join(folder, 'ok.py'), 'x = 1\n');
  await writeFile(join(folder, 'latin1.py'), Buffer.from([0x78, 0x3d, 0x27, 0xe9, 0x27, 0x0a]));
  await writeFile(join(folder, 'huge.py'), 'y = 2\n'.repeat(2000));
  const res = await importPaths(store, [jsonl, folder], { maxFileBytes: 5000 });

  assert.equal(res.imported, 3, 'def a, def b, ok.py');
  assert.equal(res.duplicates, 1);
  const byLine = new Map(res.errors.filter((e) => e.file === jsonl).map((e) => [e.line, e]));
  assert.match(byLine.get(2)!.message, /malformed JSON/);
  assert.equal(byLine.get(3)!.field, 'content|text|code');
  assert.equal(byLine.get(4)!.field, 'content');
  assert.match(byLine.get(4)!.message, /number/);
  assert.match(byLine.get(5)!.message, /empty/);
  assert.ok(res.errors.some((e) => e.file.endsWith('latin1.py') && /UTF-8/.test(e.message)));
  assert.ok(res.errors.some((e) => e.file.endsWith('huge.py') && /limit/.test(e.message)));
  const a = await store.getSample(sampleIdOf('def a():\n    return 1\n'));
  assert.equal(a!.language, 'python');
  assert.equal(a!.metadata.license, 'mit');
  assert.equal(a!.source, `${jsonl}#1`);
  assert.deepEqual(await store.getSample(before.id), before, 'the earlier sample is untouched');
  assert.equal(await (await store.table('import_errors')).countRows(), res.errorCount);
  await store.close();
});

test('gzip JSONL, CSV and The Stack-style Parquet import with metadata kept', async () => {
  const dir = await tempDir();
  const store = await DatasetStore.open(join(dir, 'db'));
  const gz = join(dir, 'a.jsonl.gz');
  await writeFile(gz, gzipSync(JSON.stringify({ code: 'print("gz")\n' }) + '\n'));
  const csv = join(dir, 'b.csv');
  await writeFile(csv, 'text,author\n"def c():\n    return ""csv""\n",ann\n,empty\n');
  const pq = join(dir, 'c.parquet');
  parquetWriteFile({
    filename: pq,
    columnData: [
      { name: 'content', data: ['def p1():\n    pass\n', 'def p2():\n    pass\n', null], type: 'STRING' },
      { name: 'max_stars_repo_path', data: ['src/p1.py', 'src/p2.py', 'src/p3.py'], type: 'STRING' },
      { name: 'max_stars_repo_name', data: ['org/repo', 'org/repo', 'org/repo'], type: 'STRING' },
      { name: 'lang', data: ['Python', 'Python', 'Python'], type: 'STRING' },
      { name: 'max_stars_count', data: [10, 20, 30], type: 'INT32' },
    ],
  });
  const res = await importPaths(store, [gz, csv, pq]);
  assert.equal(res.imported, 4);
  assert.deepEqual(
    res.errors.map((e) => [e.file.split('/').pop(), e.line, e.field]),
    [
      ['b.csv', 3, 'text'],
      ['c.parquet', 3, 'content'],
    ],
  );
  const p1 = await store.getSample(sampleIdOf('def p1():\n    pass\n'));
  assert.equal(p1!.repo, 'org/repo');
  assert.equal(p1!.path, 'src/p1.py');
  assert.equal(p1!.language, 'python');
  assert.equal(p1!.metadata.max_stars_count, 10);
  const c = await store.getSample(sampleIdOf('def c():\n    return "csv"\n'));
  assert.equal(c!.metadata.author, 'ann');
  await store.close();
});

test('cancel stops at a batch boundary and leaves the store consistent and resumable', async () => {
  const dir = await tempDir();
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(JSON.stringify({ content: `def f${i}(x):\n    return x * ${i}\n` }));
  const file = join(dir, 'many.jsonl');
  await writeFile(file, lines.join('\n'));
  const store = await DatasetStore.open(join(dir, 'db'));
  const ctl = new AbortController();
  const res = await importPaths(store, [file], {
    signal: ctl.signal,
    onProgress: (p) => {
      if (p.imported >= 2000) ctl.abort();
    },
  });
  assert.equal(res.cancelled, true);
  assert.ok(res.imported < 6000 && res.imported > 0);
  assert.equal(await (await store.table('samples')).countRows(), store.index.size);
  const rest = await importPaths(store, [file]);
  assert.equal(rest.imported + res.imported, 6000);
  assert.equal(rest.duplicates, res.imported);
  await store.close();
});

test('a second reader sees a consistent table while an import is writing', async () => {
  const dir = await tempDir();
  const lines: string[] = [];
  for (let i = 0; i < 8000; i++) lines.push(JSON.stringify({ content: `def g${i}():\n    return ${i}\n` }));
  const file = join(dir, 'many.jsonl');
  await writeFile(file, lines.join('\n'));
  const writer = await DatasetStore.open(join(dir, 'db'));
  const importing = importPaths(writer, [file]);
  const reader = await DatasetStore.open(join(dir, 'db'), { mode: 'read' });
  const counts: number[] = [];
  let done = false;
  importing.finally(() => {
    done = true;
  });
  while (!done) {
    const t = await reader.table('samples');
    await t.checkoutLatest();
    const n = await t.countRows();
    assert.equal(n % 2000 === 0 || n === 8000, true, `reader saw a partial batch: ${n}`);
    counts.push(n);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await importing).imported, 8000);
  assert.ok(counts.length > 0);
  await reader.close();
  await writer.close();
});
