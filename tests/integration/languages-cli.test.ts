import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTbs } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/languages');

test('tbs import of a mixed-language folder: language, function chunks, imports and stats per language', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const src = join(dir, 'mixed');
  await cp(FIXTURES, src, { recursive: true });
  const imp = await runTbs(['import', src, '--db', db, '--chunk', 'function', '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const summary = JSON.parse(imp.stdout);
  assert.equal(summary.errorCount, 0, JSON.stringify(summary.errors));
  // 4 js + 4 ts + 3 java + 4 go + 6 rust + 4 c + 4 cpp + 2 python top-level units.
  assert.equal(summary.imported, 31);

  const rows = (await runTbs(['list', '--db', db, '--json'])).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { language: string; source: string });
  const perLang: Record<string, number> = {};
  for (const r of rows) perLang[r.language] = (perLang[r.language] ?? 0) + 1;
  assert.deepEqual(perLang, { javascript: 4, typescript: 4, java: 3, go: 4, rust: 6, c: 4, cpp: 4, python: 2 });
  // Function chunks keep their line ranges in the source.
  assert.ok(rows.some((r) => r.language === 'go' && r.source.endsWith('server.go:24-27')));
  assert.ok(rows.some((r) => r.language === 'rust' && r.source.endsWith('geometry.rs:7-11')));

  const stats = JSON.parse((await runTbs(['stats', '--db', db, '--json'])).stdout);
  assert.equal(stats.samples, 31);
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(stats.byLanguage as Record<string, { samples: number }>).map(([k, v]) => [k, v.samples]),
    ),
    perLang,
  );
  const goStats = JSON.parse((await runTbs(['stats', '--db', db, '--json', '--lang', 'golang'])).stdout);
  assert.equal(goStats.samples, 4);
  assert.equal(goStats.language, 'go');
  assert.deepEqual(Object.keys(goStats.byLanguage), ['go']);

  // File mode: one sample per file, each with its file's imports, counted per language.
  const db2 = join(dir, 'db2');
  assert.equal((await runTbs(['import', src, '--db', db2, '--json'])).code, 0);
  const byLang = JSON.parse(
    (await runTbs(['imports', '--db', db2, '--json', '--by-language', '--min-count', '1'])).stdout,
  ) as Record<string, { module: string; count: number }[]>;
  const mods = (l: string) => byLang[l].map((r) => r.module).sort();
  assert.deepEqual(mods('javascript'), ['assert', 'chalk']);
  assert.deepEqual(mods('typescript'), ['@lancedb/lancedb', 'stream', 'zod']);
  assert.deepEqual(mods('java'), ['java.util', 'java.util.concurrent', 'org.junit']);
  assert.deepEqual(mods('go'), ['fmt', 'github.com/sirupsen/logrus', 'net/http']);
  assert.deepEqual(mods('rust'), ['alloc', 'serde', 'std']);
  assert.deepEqual(mods('c'), ['buffer.h', 'stdlib.h', 'string.h']);
  assert.deepEqual(mods('cpp'), ['cstddef', 'matrix.hpp', 'vector']);
  assert.deepEqual(mods('python'), ['collections', 'os']);
  // Without --by-language the JSON is the flat list it always was; --lang narrows it.
  const flat = JSON.parse(
    (await runTbs(['imports', '--db', db2, '--json', '--min-count', '1', '--lang', 'rust'])).stdout,
  );
  assert.deepEqual(flat.map((r: { module: string }) => r.module).sort(), ['alloc', 'serde', 'std']);
  const all = JSON.parse((await runTbs(['imports', '--db', db2, '--json', '--min-count', '1'])).stdout);
  assert.ok(Array.isArray(all) && all.length === 22, JSON.stringify(all));
});

test('JSONL rows: extension, then the lang field, then the content; --lang overrides; --languages exports by language', async () => {
  const dir = await tempDir();
  const db = join(dir, 'db');
  const go = await readFile(join(FIXTURES, 'server.go'), 'utf8');
  const rs = await readFile(join(FIXTURES, 'geometry.rs'), 'utf8');
  const java = await readFile(join(FIXTURES, 'Inventory.java'), 'utf8');
  const file = join(dir, 'rows.jsonl');
  await writeFile(
    file,
    [
      { content: go, max_stars_repo_path: 'srv/server.go', lang: 'Python' }, // the extension wins
      { content: rs, lang: 'Rust' }, // no path: the field
      { content: java }, // neither: the content
      { content: 'Just a note, not code at all.\n' }, // neither, and not code: text
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  const imp = await runTbs(['import', file, '--db', db, '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  const rows = (await runTbs(['list', '--db', db, '--json'])).stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { language: string; source: string });
  const bySource = Object.fromEntries(rows.map((r) => [r.source.split('#')[1], r.language]));
  assert.deepEqual(bySource, { '1': 'go', '2': 'rust', '3': 'java', '4': 'text' });

  const forced = join(dir, 'db-forced');
  assert.equal((await runTbs(['import', file, '--db', forced, '--lang', 'C++', '--json'])).code, 0);
  const forcedStats = JSON.parse((await runTbs(['stats', '--db', forced, '--json'])).stdout);
  assert.deepEqual(forcedStats.languages, { cpp: 4 });

  // Export by language (aliases accepted): the funnel's filter step keeps only the Go and Rust rows.
  const dry = await runTbs([
    'export',
    '--db',
    db,
    '--out',
    join(dir, 'out'),
    '--dry-run',
    '--json',
    '--languages',
    'golang,rs',
    '--min-score',
    '0',
  ]);
  assert.equal(dry.code, 0, dry.stderr);
  const funnel = JSON.parse(dry.stdout).funnel as { step: string; samples: number }[];
  assert.equal(funnel.find((s) => s.step === 'input')?.samples, 4);
  assert.equal(funnel.find((s) => s.step === 'filtered')?.samples, 2, JSON.stringify(funnel));
});
