import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.js';
import { importPaths } from '../../electron/engine/ingest/importer.js';
import { runLabeling } from '../../electron/engine/label/labeler.js';
import { plantedSamples } from '../support/hygiene-fixtures.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/openai-server.js';
import { tempDir } from '../support/temp.js';

const servers: FakeOpenAI[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

for (const scanAtImport of [true, false]) {
  test(`label prompts carry the redacted text, never a planted secret (${scanAtImport ? 'scanned at import' : 'imported with --no-scan'})`, async () => {
    const fx = plantedSamples();
    const dir = await tempDir();
    const repo = join(dir, 'repo');
    await mkdir(repo);
    await writeFile(join(repo, 'client.py'), fx.python);
    await writeFile(join(repo, 'deploy.js'), fx.javascript);
    const engine = await Engine.open({ dir: join(dir, 'db'), create: true });
    try {
      await importPaths(engine.store, [repo], { hygiene: scanAtImport });
      assert.equal(engine.store.index.size, 2);
      const server = await startFakeOpenAI();
      servers.push(server);
      const s = await runLabeling(engine.store, {
        baseURL: server.url,
        apiKey: 'k',
        model: 'gpt-4o-mini',
        template: 'edu-additive',
        concurrency: 2,
        limit: 10,
      });
      assert.equal(s.labeled, 2);
      const sent = JSON.stringify(server.requests.map((r) => r.body));
      for (const value of Object.values(fx.values))
        assert.ok(!sent.includes(value), `${value.slice(0, 14)} reached the LLM`);
      for (const ph of ['<EMAIL>', '<IP_ADDRESS>', '<SECRET>', '<PRIVATE_KEY>']) assert.ok(sent.includes(ph), ph);
      // The stored text stays as imported.
      const ids = engine.store.index.ids;
      const texts = await Promise.all(ids.map(async (id) => (await engine.store.getSample(id))!.text));
      assert.ok(texts.some((t) => t.includes(fx.values.githubToken)));
    } finally {
      await engine.close();
    }
  });
}
