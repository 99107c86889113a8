import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { createHashEmbedder } from '../../electron/engine/embed/hash-embedder.ts';
import { embedDataset, embeddingTable } from '../../electron/engine/embed/embedding-store.ts';
import { createCpuPool, type CpuPool } from '../../electron/engine/workers/cpu-pool.ts';
import { scanTexts } from '../../electron/engine/hygiene/scan-text.ts';
import { textStats, type TextStats } from '../../electron/engine/hygiene/heuristics.ts';
import { chunkPython, countNodeKinds } from '../../electron/engine/ingest/python-parser.ts';
import { STDLIB, tempDir } from '../support/temp.ts';
import type { CodeLanguage } from '../../electron/engine/ingest/grammars.ts';

// Real standard-library packages (~2 MB), with a duplicate file and an empty one among them.
const INPUTS = ['json', 'email', 'asyncio', 'unittest', 'logging'].map((d) => join(STDLIB, d));

async function rows(engine: Engine) {
  const t = await engine.store.table('samples');
  const out: string[] = [];
  for await (const b of t.query().select(['id', 'source', 'ast_counts', 'tokens', 'start_line', 'end_line']))
    for (let i = 0; i < b.numRows; i++) out.push(JSON.stringify(b.get(i)!.toJSON()));
  return out;
}

async function vectors(engine: Engine) {
  const t = await embeddingTable(engine.store, createHashEmbedder({ dims: 512 }));
  const out: string[] = [];
  for await (const b of t.query().select(['sample_id', 'vector']))
    for (let i = 0; i < b.numRows; i++)
      out.push(`${b.getChild('sample_id')!.get(i)} ${Array.from(b.getChild('vector')!.get(i).toArray()).join(',')}`);
  return out;
}

test('import (function chunks + AST features) and hash embedding give identical tables with 1 and 2 workers', async () => {
  const dir = await tempDir();
  const results: { rows: string[]; vecs: string[]; imported: number; dups: number; errs: number }[] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    assert.equal(pool.workers, workers, 'the pool really runs on that many threads');
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    const r = await importPaths(engine.store, INPUTS, { chunk: 'function', pool });
    const e = await embedDataset(engine.store, createHashEmbedder({ dims: 512 }), { pool });
    assert.equal(e.embedded, r.imported);
    results.push({
      rows: await rows(engine),
      vecs: await vectors(engine),
      imported: r.imported,
      dups: r.duplicates,
      errs: r.errorCount + 1000 * r.skipped,
    });
    await engine.close();
    await pool.close();
  }
  const [one, two] = results;
  assert.ok(one.imported > 500, `a real corpus: ${one.imported} samples`);
  assert.ok(one.errs >= 1000, 'the empty __init__.py files are counted as skipped');
  assert.deepEqual([two.imported, two.dups, two.errs], [one.imported, one.dups, one.errs]);
  // Same ids, same stored order, same sources, AST counts, token estimates and vectors.
  assert.deepEqual(two.rows, one.rows);
  assert.deepEqual(two.vecs, one.vecs);
});

test('the descendant-index walk counts exactly what a per-node walk counts, for whole trees and subtrees of every grammar', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { parseSource } = await import('../../electron/engine/ingest/grammars.ts');
  const { topLevelUnits } = await import('../../electron/engine/ingest/code-units.ts');
  const { chunkCode, importsOf } = await import('../../electron/engine/ingest/code-parser.ts');
  const dir = join(STDLIB, 'json');
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'languages');
  const ext: Record<string, CodeLanguage> = {
    py: 'python',
    js: 'javascript',
    ts: 'typescript',
    java: 'java',
    go: 'go',
    rs: 'rust',
    c: 'c',
    cpp: 'cpp',
  };
  const inputs = [
    ...readdirSync(dir)
      .filter((n) => n.endsWith('.py'))
      .map((n) => ({ name: n, language: 'python' as CodeLanguage, text: readFileSync(join(dir, n), 'utf8') })),
    // Imports inside classes and functions (`import pydoc` in a method).
    {
      name: '_sitebuiltins.py',
      language: 'python' as CodeLanguage,
      text: readFileSync(join(STDLIB, '_sitebuiltins.py'), 'utf8'),
    },
    ...readdirSync(fixtures).map((n) => ({
      name: n,
      language: ext[n.split('.').pop()!],
      text: readFileSync(join(fixtures, n), 'utf8'),
    })),
  ];
  let subtrees = 0;
  let chunksWithImports = 0;
  let filesWithImports = 0;
  for (const { name, language, text } of inputs) {
    const tree = (await parseSource(language, text))!;
    const slowCount = (root: typeof tree.rootNode) => {
      const slow: Record<string, number> = {};
      const visit = (n: typeof root) => {
        if (n.isNamed) slow[n.type] = (slow[n.type] ?? 0) + 1;
        for (const c of n.children) if (c) visit(c);
      };
      visit(root);
      return Object.entries(slow).sort();
    };
    assert.deepEqual(Object.entries(countNodeKinds(tree.rootNode)).sort(), slowCount(tree.rootNode), name);
    // A subtree's walk must stop at its own last descendant (indices are relative to the cursor's root).
    const units = topLevelUnits(tree.rootNode, language);
    for (const u of units) {
      assert.deepEqual(Object.entries(countNodeKinds(u.node)).sort(), slowCount(u.node), `${name}: ${u.name}`);
      subtrees++;
    }
    // Chunks skip the import search when their counts hold no import node: same imports as searching.
    const chunks = await chunkCode(text, language, 'function');
    assert.equal(chunks.length, units.length, name);
    chunks.forEach((c, k) => assert.deepEqual(c.imports, importsOf(units[k].node, language), `${name}: ${c.name}`));
    chunksWithImports += chunks.filter((c) => c.imports.length).length;
    const [file] = await chunkCode(text, language, 'file');
    assert.deepEqual(file.imports, importsOf(tree.rootNode, language), name);
    filesWithImports += file.imports.length ? 1 : 0;
    tree.delete();
    if (language === 'python')
      for (const c of await chunkPython(text, 'function')) assert.equal(c.text, text.slice(c.start, c.end));
  }
  assert.ok(subtrees >= 40, `${subtrees} subtrees compared`);
  // Not vacuous: imports inside units (_sitebuiltins.py) and every fixture language's imports.
  assert.ok(chunksWithImports >= 1, `${chunksWithImports} chunks import something`);
  assert.ok(filesWithImports >= 8, `${filesWithImports} files import something`);
});

test('rows that name no language are detected on the pool: the same languages, ids and order with 1 and 2 workers', async () => {
  const { readdir, readFile, writeFile } = await import('node:fs/promises');
  const dir = await tempDir();
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'languages');
  const others = await Promise.all((await readdir(fixtures)).map((f) => readFile(join(fixtures, f), 'utf8')));
  const python = await Promise.all(
    (await readdir(join(STDLIB, 'json')))
      .filter((f) => f.endsWith('.py'))
      .map((f) => readFile(join(STDLIB, 'json', f), 'utf8')),
  );
  // No path, no lang field: every row's language comes from its content.
  const texts = [...python, ...others, 'Just a note, not code at all.\n', 'x'];
  const file = join(dir, 'rows.jsonl');
  await writeFile(file, texts.map((content) => JSON.stringify({ content })).join('\n') + '\n');
  const results: { rows: string[]; languages: string[] }[] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    await importPaths(engine.store, [file], { chunk: 'function', pool });
    const t = await engine.store.table('samples');
    const languages: string[] = [];
    for await (const b of t.query().select(['language']))
      for (let i = 0; i < b.numRows; i++) languages.push(b.getChild('language')!.get(i));
    results.push({ rows: await rows(engine), languages });
    await engine.close();
    await pool.close();
  }
  const [one, two] = results;
  assert.deepEqual(two.rows, one.rows);
  assert.deepEqual(two.languages, one.languages);
  const found = new Set(one.languages);
  for (const lang of ['python', 'go', 'rust', 'java', 'text'])
    assert.ok(found.has(lang), `${lang} detected: ${[...found]}`);
});

interface StoredHygiene {
  id: string;
  text: string;
  language: string;
  chunk: string;
  spans: unknown[];
  stats: TextStats | null;
}

/**
 * Every stored sample with its stored spans and statistics, asserted equal to a scan and a
 * measure of that sample alone (in its stored language).
 */
async function hygieneOfEachSample(engine: Engine): Promise<StoredHygiene[]> {
  const t = await engine.store.table('samples');
  const out: StoredHygiene[] = [];
  for await (const b of t.query().select(['id', 'text', 'language', 'chunk']))
    for (let i = 0; i < b.numRows; i++) {
      const id: string = b.getChild('id')!.get(i);
      const text: string = b.getChild('text')!.get(i);
      const language: string = b.getChild('language')!.get(i);
      const spans = engine.store.hygiene.spansOf(id);
      const stats = engine.store.hygiene.heuristics.stats(id);
      assert.deepEqual(
        spans,
        (await scanTexts([text]))[0].spans,
        `${id} (${language}): the spans of a scan of it alone`,
      );
      assert.deepEqual(stats, textStats(text, language), `${id} (${language}): its statistics`);
      out.push({ id, text, language, chunk: b.getChild('chunk')!.get(i), spans: spans!, stats });
    }
  return out;
}

const byIdOf = (rows: StoredHygiene[]) => rows.map((r) => `${r.id} ${JSON.stringify([r.spans, r.stats])}`);

/** The json package of the standard library, imported without hygiene (as `--no-scan` leaves it). */
async function unscannedJsonDataset(dir: string, pool: CpuPool) {
  await cp(join(STDLIB, 'json'), join(dir, 'src'), { recursive: true });
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  const imp = await importPaths(engine.store, [join(dir, 'src')], { hygiene: false, pool });
  return { engine, imp };
}

test('the import stores, for every sample, the scan and text statistics of that sample alone, with 1 and 2 workers; duplicates are not scanned', async () => {
  const { mkdir, readdir, writeFile } = await import('node:fs/promises');
  const { plantedSamples } = await import('../support/hygiene-fixtures.ts');
  const dir = await tempDir();
  const src = join(dir, 'src');
  await mkdir(src);
  // Real parsed code in several languages, a duplicated file, planted leaks inside functions, rows
  // whose language the pool detects (parsed, or imported whole: markdown, plain text).
  await cp(join(STDLIB, 'json'), join(src, 'json'), { recursive: true });
  await cp(join(STDLIB, 'json', 'decoder.py'), join(src, 'decoder-copy.py'));
  await cp(join(import.meta.dirname, '..', 'fixtures', 'languages'), join(src, 'languages'), { recursive: true });
  const fx = plantedSamples();
  // Function chunks keep functions and classes: the leaks go inside them.
  const indented = fx.python.replace(/\n/g, '\n    ');
  await writeFile(join(src, 'leaky.py'), `def config():\n    '''\n    ${indented}\n    '''\n\n\n${fx.lookalikes}`);
  await writeFile(join(src, 'leaky.js'), `function deploy() {\n${fx.javascript}\n  return connect();\n}\n`);
  const rowsFile = join(dir, 'rows.jsonl');
  // No language and no path: detected as Python on the pool, parsed, its statistics taken there.
  const detected =
    '# Helpers for the nightly job.\nimport os\n\n\ndef home():\n    # the user folder\n    return os.path.expanduser("~")  # never cached\n';
  await writeFile(
    rowsFile,
    [
      { content: `# Notes\n\nAsk ops, and never paste this again:\n\n${fx.python}`, path: 'docs/NOTES.md' },
      { content: `support line: ${fx.javascript}`, lang: 'text' },
      { content: detected },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  assert.ok((await readdir(join(src, 'json'))).length > 3);

  const found: string[][] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    const sentToScan: string[] = [];
    const spy = { ...pool, scan: (texts: readonly string[]) => (sentToScan.push(...texts), pool.scan(texts)) };
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    const r = await importPaths(engine.store, [src, rowsFile], { chunk: 'function', pool: spy });
    assert.ok(r.duplicates > 5, `${r.duplicates} duplicate chunks (the copied file)`);
    const rows = await hygieneOfEachSample(engine);
    const flagged = rows.filter((x) => x.spans.length).length;
    const whole = rows.filter((x) => x.chunk === 'file' && !['python', 'javascript'].includes(x.language)).length;
    const home = rows.filter((x) => x.text.includes('def home()'));
    assert.equal(home.length, 1, 'the row without a language was detected and parsed');
    assert.equal(home[0].language, 'python');
    assert.ok(home[0].stats!.commentRatio > 0, 'measured as Python: its # comments count');
    assert.ok(flagged >= 4, `${flagged} flagged samples: the planted leaks in functions, markdown and text`);
    assert.ok(whole >= 2, `${whole} samples imported whole`);
    // Each stored sample was scanned once; no duplicate chunk was.
    assert.deepEqual([...sentToScan].sort(), rows.map((x) => x.text).sort());
    found.push(byIdOf(rows));
    await engine.close();
    await pool.close();
  }
  assert.deepEqual(found[1], found[0]);
});

test('the import stores the text statistics its pool measured with the chunks (not measured again on the main thread)', async () => {
  const { writeFile } = await import('node:fs/promises');
  const dir = await tempDir();
  const file = join(dir, 'rows.jsonl');
  const code = 'def a():\n    return 1\n\n\ndef b():\n    # two\n    return 2\n';
  await writeFile(
    file,
    `${JSON.stringify({ content: code, lang: 'python' })}\n${JSON.stringify({ content: 'plain words', lang: 'text' })}\n`,
  );
  const pool = await createCpuPool(2);
  after(() => pool.close());
  // A pool whose statistics are marked: the stored ones must be these.
  const marked = {
    ...pool,
    chunk: async (t: Parameters<typeof pool.chunk>[0]) => {
      assert.equal(t.stats, true, 'the import asks the pool for statistics');
      const out = await pool.chunk(t);
      for (const r of out) if ('chunks' in r) for (const c of r.chunks) c.stats!.lines += 1000;
      return out;
    },
  };
  const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
  await importPaths(engine.store, [file], { chunk: 'function', pool: marked });
  const t = await engine.store.table('samples');
  const lines: Record<string, number> = {};
  for await (const b of t.query().select(['id', 'text']))
    for (let i = 0; i < b.numRows; i++) {
      const text: string = b.getChild('text')!.get(i);
      lines[text] = engine.store.hygiene.heuristics.stats(b.getChild('id')!.get(i))!.lines;
    }
  assert.deepEqual(lines, {
    'def a():\n    return 1': 1000 + textStats('def a():\n    return 1', 'python').lines,
    'def b():\n    # two\n    return 2': 1000 + textStats('def b():\n    # two\n    return 2', 'python').lines,
    // Imported whole: measured at the flush.
    'plain words': 1,
  });
  // Without the scan (--no-scan), the pool measures nothing.
  const [plain] = await pool.chunk({ mode: 'function', texts: [code], languages: ['python'] });
  assert.ok('chunks' in plain && plain.chunks.every((c) => c.stats === undefined));
  await engine.close();
  await pool.close();
});

test('tbs scan on the pool (batches recorded while the next is read) stores what a scan of each sample alone gives; a cancel resumes', async () => {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { scanDataset } = await import('../../electron/engine/hygiene/scan-job.ts');
  const { plantedSamples } = await import('../support/hygiene-fixtures.ts');
  const dir = await tempDir();
  const src = join(dir, 'src');
  await mkdir(src);
  await cp(join(STDLIB, 'json'), join(src, 'json'), { recursive: true });
  await cp(join(STDLIB, 'email'), join(src, 'email'), { recursive: true });
  await cp(join(import.meta.dirname, '..', 'fixtures', 'languages'), join(src, 'languages'), { recursive: true });
  const fx = plantedSamples();
  await writeFile(join(src, 'leaky.py'), fx.python);
  await writeFile(join(src, 'leaky.js'), fx.javascript);
  await writeFile(join(src, 'NOTES.md'), `# Ops\n\n${fx.python}`);

  const stored: string[][] = [];
  for (const workers of [1, 2]) {
    const pool = await createCpuPool(workers);
    after(() => pool.close());
    const engine = await Engine.open({ dir: join(dir, `db${workers}`), create: true });
    const imp = await importPaths(engine.store, [src], { hygiene: false, pool });
    assert.ok(imp.imported > 40, `${imp.imported} samples`);
    // Cancelled after the second batch's progress: at most the batch read meanwhile is recorded too.
    const ctl = new AbortController();
    const seen: number[] = [];
    const first = await scanDataset(engine.store, {
      pool,
      batch: 5,
      signal: ctl.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (seen.length === 2) ctl.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.scanned >= 10 && first.scanned <= 15, `${first.scanned} scanned before the cancel took effect`);
    const rest = await scanDataset(engine.store, { pool, batch: 5 });
    assert.equal(rest.scanned + first.scanned, imp.imported, 'the resumed scan does the rest, once');
    assert.equal(rest.skipped, first.scanned);
    const rows = await hygieneOfEachSample(engine);
    const flagged = rows.filter((x) => x.spans.length).length;
    assert.ok(flagged >= 3 && imp.imported > 40, `${flagged} flagged`);
    stored.push(byIdOf(rows));
    await engine.close();
    await pool.close();
  }
  assert.deepEqual(stored[1], stored[0]);
});

test('tbs scan: a batch whose scan fails stops the scan with its error; the batches before it stay recorded', async () => {
  const { scanDataset } = await import('../../electron/engine/hygiene/scan-job.ts');
  const dir = await tempDir();
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const { engine, imp } = await unscannedJsonDataset(dir, pool);
  let calls = 0;
  const failing = {
    ...pool,
    scan: async (texts: readonly string[]) => {
      if (++calls === 2) throw new Error('scanner crashed');
      return pool.scan(texts);
    },
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await assert.rejects(scanDataset(engine.store, { pool: failing, batch: 2 }), /scanner crashed/);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  const resumed = await scanDataset(engine.store, { pool, batch: 2 });
  assert.equal(resumed.skipped, 2, 'the first batch was recorded');
  assert.equal(resumed.scanned, imp.imported - 2);
  await engine.close();
  await pool.close();
});

test('tbs scan: a failed read waits for the batch being recorded; a pool method that throws leaves no unhandled rejection; a cancel with nothing left unread is not a cancel', async () => {
  const { scanDataset } = await import('../../electron/engine/hygiene/scan-job.ts');
  const dir = await tempDir();
  const pool = await createCpuPool(2);
  after(() => pool.close());
  const { engine, imp } = await unscannedJsonDataset(dir, pool);
  assert.ok(imp.imported >= 5, `${imp.imported} samples`);
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    // 1. The read fails while the first batch's scan is still running (slowly): the scan rejects
    // only once that batch is recorded, and nothing is written after it rejected.
    const heur = engine.store.hygiene.heuristics;
    const has = heur.has.bind(heur);
    let reads = 0;
    heur.has = (id: string) => {
      if (++reads === 4) throw new Error('read failed');
      return has(id);
    };
    const progress: number[] = [];
    const slow = {
      ...pool,
      scan: async (texts: readonly string[]) => {
        await new Promise((r) => setTimeout(r, 300));
        return pool.scan(texts);
      },
    };
    await assert.rejects(
      scanDataset(engine.store, { pool: slow, batch: 2, onProgress: (p) => progress.push(p.done) }),
      /read failed/,
    );
    assert.deepEqual(progress, [2], 'the batch being recorded was finished before the scan rejected');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(progress, [2], 'and nothing was recorded after');
    heur.has = has;

    // 2. stats throws (not rejects) while the scan rejects later.
    const throwing = {
      ...pool,
      scan: async () => {
        await new Promise((r) => setTimeout(r, 50));
        throw new Error('late scan failure');
      },
      stats: () => {
        throw new Error('stats threw');
      },
    };
    await assert.rejects(scanDataset(engine.store, { pool: throwing, batch: 2 }), /late scan failure|stats threw/);
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(unhandled, []);

    // 3. Cancelled as the first batch is recorded, when the rest had been read meanwhile: all recorded.
    const ctl = new AbortController();
    const left = imp.imported - 2;
    const r = await scanDataset(engine.store, {
      pool,
      batch: left - 1,
      signal: ctl.signal,
      onProgress: () => ctl.abort(),
    });
    assert.equal(r.scanned, left);
    assert.equal(r.cancelled, false, 'nothing was left unread');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  await engine.close();
  await pool.close();
});
