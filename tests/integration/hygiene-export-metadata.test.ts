import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { runTbs } from '../support/cli.js';
import { plantedValues } from '../support/hygiene-fixtures.js';
import { tempDir } from '../support/temp.js';

/**
 * Everything an export writes besides the sample text is redacted too: the imports chart's module
 * names (README, manifest, imports*.svg), the source / repo / path columns of every data format,
 * and the decontamination evidence quoted in the manifest and in `tbs export --json`.
 */
const v = plantedValues();
const BENCH = {
  task_id: 'FakeEval/0',
  prompt:
    'def running_balance_never_negative(operations: list[int]) -> bool:\n' +
    '    """You are given a list of deposit and withdrawal operations on a bank account that starts\n' +
    '    with zero balance. Return True if the balance never falls below zero, otherwise False.\n' +
    '    >>> running_balance_never_negative([1, 2, -3])\n    True\n    """\n',
  canonical_solution:
    '    balance = 0\n    for op in operations:\n        balance += op\n        if balance < 0:\n' +
    '            return False\n    return True\n',
  test: 'def check(candidate):\n    assert candidate([1, 2, -4]) is False\n',
};
// A renamed copy of the benchmark item (an AST match) that carries an email and a token.
const COPY =
  'def never_negative(ops: list[int]) -> bool:\n' +
  '    """True if the running balance never drops below zero."""\n' +
  '    total = 0\n' +
  `    # audit: ping ${v.email}, token ${v.githubToken}\n` +
  '    for x in ops:\n        total += x\n        if total < 0:\n            return False\n    return True\n';

/**
 * What each finding plants, matched case-insensitively (n-gram evidence is lower-cased); parts of a
 * value catch a partial leak (a token's tail, an email's local part, tokenized evidence).
 */
const PLANTED = {
  /** In a Go import path: the imports chart. */
  modules: [v.ipv4b],
  /** In a folder name, a JSONL row's path and repo: the source / repo / path columns. */
  metadata: [v.email2, 'dev.ops.lead', 'acme-corp'],
  /** In a sample that copies a benchmark item: the decontamination evidence. */
  evidence: [v.email, 'kowalska', v.githubToken, v.githubToken.slice(-8)],
};
const ALL = Object.values(PLANTED).flat();

const root = await tempDir();

/** Every file of an export as text: gzip decompressed, parquet read back as JSON rows. */
async function exportText(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.parquet')) {
        const rows = await parquetReadObjects({ file: await asyncBufferFromFile(p) });
        out.set(
          p,
          JSON.stringify(rows, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)),
        );
      } else {
        const buf = await readFile(p);
        out.set(p, (e.name.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'));
      }
    }
  };
  await walk(dir);
  return out;
}

function leaks(texts: Map<string, string>, needles: readonly string[] = ALL): string[] {
  const found: string[] = [];
  for (const [file, text] of texts)
    for (const n of needles)
      if (text.toLowerCase().includes(n.toLowerCase())) found.push(`${n.slice(0, 12)} in ${file}`);
  return found;
}

describe('export redacts metadata, module names and quoted evidence', () => {
  const db = join(root, 'db');
  const bench = join(root, 'bench.jsonl');
  before(async () => {
    const repo = join(root, 'repo');
    await mkdir(join(repo, 'users', v.email2), { recursive: true });
    await mkdir(join(repo, 'go'), { recursive: true });
    await writeFile(join(repo, 'users', v.email2, 'notes.py'), 'def notes():\n    return "nothing sensitive here"\n');
    for (let i = 0; i < 11; i++)
      await writeFile(
        join(repo, 'go', `m${i}.go`),
        `package m${i}\n\nimport (\n\t"fmt"\n\tlib "${v.ipv4b}/acme/lib"\n)\n\nfunc F${i}() { fmt.Println(lib.V${i}) }\n`,
      );
    await writeFile(join(repo, 'bal.py'), COPY);
    const rows = join(root, 'rows.jsonl');
    await writeFile(
      rows,
      JSON.stringify({
        content: 'def cfg():\n    return 1\n',
        path: `home/${v.email2}/cfg.py`,
        repo: `${v.email2}/dotfiles`,
      }) + '\n',
    );
    await writeFile(bench, JSON.stringify(BENCH) + '\n');
    const imp = await runTbs(['import', repo, rows, '--db', db, '--workers', '1']);
    assert.equal(imp.code, 0, imp.stderr);
    const list = await runTbs(['list', '--db', db, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const ids = list.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.equal(ids.length, 14);
    const labels = join(root, 'labels.jsonl');
    await writeFile(labels, ids.map((id) => JSON.stringify({ sample_id: id, score: 5 })).join('\n') + '\n');
    const li = await runTbs(['labels', 'import', labels, '--db', db, '--annotator', 'team']);
    assert.equal(li.code, 0, li.stderr);
  });

  /** Export folder files (and `--json` stdout) per export. */
  const exports: Record<'parquet' | 'gz' | 'raw', { dir: string; files: Map<string, string>; json: any }> = {} as never;
  before(async () => {
    const run = async (name: keyof typeof exports, args: string[]) => {
      const dir = join(root, `out-${name}`);
      const r = await runTbs(['export', '--db', db, '--out', dir, '--workers', '1', '--json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      const files = await exportText(dir);
      files.set('stdout', r.stdout);
      exports[name] = { dir, files, json: JSON.parse(r.stdout) };
    };
    await run('parquet', ['--format', 'parquet', '--decontaminate', bench]);
    await run('gz', ['--format', 'jsonl.gz', '--subsets', 'filtered']);
    await run('raw', ['--format', 'jsonl', '--no-redact', '--decontaminate', bench]);
  });
  const read = (name: keyof typeof exports, rel: string) => exports[name].files.get(join(exports[name].dir, rel))!;

  it('imports chart: a flagged module name is redacted in the manifest, the card and every chart', () => {
    for (const name of ['parquet', 'gz'] as const) assert.deepEqual(leaks(exports[name].files, PLANTED.modules), []);
    const manifest = JSON.parse(read('parquet', 'manifest.json'));
    assert.deepEqual(manifest.imports, [
      { module: '<IP_ADDRESS>/acme/lib', count: 11 },
      { module: 'fmt', count: 11 },
    ]);
    assert.match(read('parquet', 'README.md'), /<IP_ADDRESS>\/acme\/lib/);
    assert.match(read('parquet', 'imports.svg'), /&lt;IP_ADDRESS&gt;\/acme\/lib/);
    assert.match(read('gz', 'imports-filtered.svg'), /&lt;IP_ADDRESS&gt;\/acme\/lib/);
    assert.match(read('gz', 'README.md'), /<IP_ADDRESS>\/acme\/lib/);
  });

  it('source, repo and path columns: redacted in parquet and jsonl.gz, and counted in the manifest', () => {
    for (const name of ['parquet', 'gz'] as const) assert.deepEqual(leaks(exports[name].files, PLANTED.metadata), []);
    const rows = [...exports.parquet.files]
      .filter(([f]) => f.endsWith('.parquet'))
      .flatMap(([, t]) => JSON.parse(t) as { path: string | null; repo: string | null }[]);
    const paths = rows.map((r) => r.path);
    assert.ok(paths.includes('users/<EMAIL>/notes.py'), paths.join(' '));
    assert.ok(paths.includes('home/<EMAIL>/cfg.py'), paths.join(' '));
    assert.ok(rows.some((r) => r.repo === '<EMAIL>/dotfiles'));
    const gz = [...exports.gz.files].filter(([f]) => f.endsWith('.jsonl.gz')).map(([, t]) => t);
    assert.match(gz.join(''), /"path":"users\/<EMAIL>\/notes\.py"/);
    const fields = JSON.parse(read('parquet', 'manifest.json')).hygiene.redacted.fields;
    // The folder sample's source is its file path, which names the folder too.
    assert.deepEqual(fields, { source: 1, repo: 1, path: 2, language: 0 });
    assert.deepEqual(exports.parquet.json.hygiene.redacted.fields, fields);
  });

  it('decontamination evidence: quoted redacted in the manifest and in --json', () => {
    assert.deepEqual(leaks(exports.parquet.files, PLANTED.evidence), []);
    const res = exports.parquet.json;
    assert.equal(res.contaminated.length, 1, 'the copy of the benchmark item is dropped');
    const evidence = res.contaminated[0].matches.map((m: { evidence: string }) => m.evidence).join('\n');
    assert.match(evidence, /<EMAIL>/);
    assert.match(evidence, /<SECRET>/);
    assert.match(evidence, /total \+= x/, 'the rest of the evidence is quoted as it was');
    assert.deepEqual(JSON.parse(read('parquet', 'manifest.json')).decontamination.matches, res.contaminated);
  });

  it('no planted value anywhere in a redacted export; --no-redact writes them all as they are', () => {
    for (const name of ['parquet', 'gz'] as const) assert.deepEqual(leaks(exports[name].files), []);
    const found = leaks(exports.raw.files).join('\n');
    for (const n of ALL) assert.ok(found.includes(n.slice(0, 12)), `${n.slice(0, 12)} not in the --no-redact export`);
  });
});
