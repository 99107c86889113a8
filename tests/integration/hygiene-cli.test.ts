import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Engine } from '../../electron/engine/engine.js';
import { runTbs } from '../support/cli.js';
import { plantedSamples } from '../support/hygiene-fixtures.js';
import { tempDir } from '../support/temp.js';

const fx = plantedSamples();
const MIT = `MIT License\n\nCopyright (c) 2024 The Team\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software...\n`;
const APACHE = `                                 Apache License\n                           Version 2.0, January 2004\n`;

const jsonLines = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const root = await tempDir();

describe('secrets, PII and licenses through the CLI', () => {
  const db = join(root, 'db');
  let rows: Record<string, unknown>[] = [];
  before(async () => {
    const repo = join(root, 'repo');
    await mkdir(join(repo, 'vendored'), { recursive: true });
    await writeFile(join(repo, 'LICENSE'), MIT);
    await writeFile(join(repo, 'client.py'), fx.python);
    await writeFile(join(repo, 'deploy.js'), fx.javascript);
    await writeFile(join(repo, 'lookalikes.py'), fx.lookalikes);
    await writeFile(join(repo, 'vendored', 'COPYING'), APACHE);
    await writeFile(join(repo, 'vendored', 'util.py'), 'def double(x):\n    return 2 * x\n');
    await writeFile(
      join(repo, 'spdx.py'),
      '# SPDX-License-Identifier: BSD-3-Clause OR MIT\ndef one():\n    return 1\n',
    );
    const imp = await runTbs(['import', repo, '--db', db, '--json']);
    assert.equal(imp.code, 0, imp.stderr);
    const list = await runTbs(['list', '--db', db, '--json', '--with-text']);
    assert.equal(list.code, 0, list.stderr);
    rows = jsonLines(list.stdout);
    // Every sample gets a human 5, so the export keeps all of them unless a hygiene stage drops one.
    const labels = join(root, 'labels.jsonl');
    await writeFile(labels, rows.map((r) => JSON.stringify({ sample_id: r.id, score: 5 })).join('\n') + '\n');
    const li = await runTbs(['labels', 'import', labels, '--db', db, '--annotator', 'team']);
    assert.equal(li.code, 0, li.stderr);
  });

  it('flags, licenses and --where on them in `tbs list --json`; --with-text shows the original', async () => {
    const by = (p: string) => rows.find((r) => r.path === p)!;
    assert.deepEqual(by('client.py').flags, [
      'pii:email',
      'pii:ip',
      'secret:aws-access-key-id',
      'secret:github-token',
      'secret:high-entropy',
      'secret:slack-token',
    ]);
    assert.deepEqual(by('deploy.js').flags, ['pii:ip', 'secret:private-key']);
    assert.deepEqual(by('lookalikes.py').flags, []);
    assert.ok((by('client.py').text as string).includes(fx.values.githubToken), 'the dataset keeps the original text');
    assert.equal(by('client.py').license, 'MIT');
    assert.equal(by('vendored/util.py').license, 'Apache-2.0');
    assert.equal(by('spdx.py').license, 'BSD-3-Clause OR MIT');

    // `--where` in-process (same SampleQuery the CLI uses), to keep this file's subprocess count low.
    const engine = await Engine.open({ dir: db });
    try {
      const where = async (w: string) =>
        (await engine.query.list({ where: w, limit: 100 })).rows.map((r) => r.path).sort();
      assert.deepEqual(await where("flags = 'secret:private-key'"), ['deploy.js']);
      assert.deepEqual(await where("flags LIKE 'pii:%'"), ['client.py', 'deploy.js']);
      assert.deepEqual(await where('flags IS NULL'), ['lookalikes.py', 'spdx.py', 'vendored/util.py']);
      assert.deepEqual(await where("license = 'MIT'"), ['client.py', 'deploy.js', 'lookalikes.py', 'spdx.py']);
      assert.deepEqual(await where("license = 'Apache-2.0' AND flagged = 0"), ['vendored/util.py']);
      await assert.rejects(where("licence = 'MIT'"), /unknown field "licence".*license/);
    } finally {
      await engine.close();
    }
  });

  it('`tbs scan --json` prints dataset totals and is idempotent', async () => {
    const first = await runTbs(['scan', '--db', db, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const s = JSON.parse(first.stdout);
    assert.equal(s.scanned, 0, 'the import scanned everything already');
    assert.equal(s.flagged, 2);
    assert.deepEqual(s.by_kind, { secret: 1, private_key: 1, email: 1, ip: 2 });
  });

  it('exports redacted by default, drops flagged kinds and filters licenses on request', async () => {
    const readExport = async (out: string) => {
      const files = await readdir(join(out, 'data'));
      return (await Promise.all(files.map((f) => readFile(join(out, 'data', f), 'utf8')))).join('');
    };
    const out = join(root, 'out');
    const exp = await runTbs(['export', '--db', db, '--out', out, '--format', 'jsonl', '--json']);
    assert.equal(exp.code, 0, exp.stderr);
    const data = await readExport(out);
    for (const value of Object.values(fx.values)) assert.ok(!data.includes(value), `${value.slice(0, 14)} leaked`);
    for (const ph of ['<EMAIL>', '<IP_ADDRESS>', '<SECRET>', '<PRIVATE_KEY>']) assert.ok(data.includes(ph), ph);
    const res = JSON.parse(exp.stdout);
    assert.deepEqual(
      res.funnel.find((f: { step: string }) => f.step === 'redacted'),
      {
        step: 'redacted',
        samples: 5,
        tokens: res.funnel.find((f: { step: string }) => f.step === 'redacted').tokens,
        removed: 0,
        removedTokens: 0,
      },
    );
    assert.equal(res.hygiene.redacted.samples, 2);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.hygiene.rule.redact, true);
    assert.match(await readFile(join(out, 'README.md'), 'utf8'), /\| redacted \| 5 \|/);

    const out2 = join(root, 'out2');
    const exp2 = await runTbs([
      'export',
      '--db',
      db,
      '--out',
      out2,
      '--format',
      'jsonl',
      '--json',
      '--drop-flagged',
      'secret,private_key',
      '--licenses',
      'permissive',
      '--no-redact',
    ]);
    assert.equal(exp2.code, 0, exp2.stderr);
    const r2 = JSON.parse(exp2.stdout);
    const step = (n: string) => r2.funnel.find((f: { step: string }) => f.step === n);
    assert.equal(step('license').removed, 0, 'MIT, Apache-2.0 and BSD are permissive');
    assert.equal(step('drop-flagged').removed, 2);
    assert.equal(step('redacted'), undefined);
    assert.deepEqual(r2.hygiene.licenseCounts, { MIT: 3, 'Apache-2.0': 1, 'BSD-3-Clause OR MIT': 1 });
    const m2 = JSON.parse(await readFile(join(out2, 'manifest.json'), 'utf8'));
    assert.deepEqual(m2.hygiene.rule.licenses.includes('MIT'), true);

    const out3 = join(root, 'out3');
    const exp3 = await runTbs([
      'export',
      '--db',
      db,
      '--out',
      out3,
      '--format',
      'jsonl',
      '--json',
      '--licenses',
      'apache-2.0',
    ]);
    assert.equal(exp3.code, 0, exp3.stderr);
    const r3 = JSON.parse(exp3.stdout);
    assert.equal(r3.funnel.at(-1).samples, 1);
  });
});
