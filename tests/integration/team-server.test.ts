import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { loadUsers } from '../../electron/web/users.ts';
import { startWebServer, TOKEN_HEADER, type WebServer } from '../../electron/web/web-server.ts';
import { tempDir } from '../support/temp.ts';

// A team server on 127.0.0.1 over real HTTP: users file, roles per command, names from the sign-in.
const dir = await tempDir('tbs-team-');
const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789ab',
  rita: 'rita-token-0123456789',
  olga: 'olga-token-0123456789',
};
let server: WebServer;
let ids: string[] = [];
const db = join(dir, 'db');
const usersFile = join(dir, 'users.json');

before(async () => {
  const staticDir = join(dir, 'static');
  await mkdir(staticDir, { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
  const src = join(dir, 'src.jsonl');
  await writeFile(
    src,
    Array.from({ length: 6 }, (_, i) => JSON.stringify({ content: `def g${i}(n):\n    return n * ${i}\n` })).join('\n'),
  );
  const e = await Engine.open({ dir: db, create: true });
  await importPaths(e.store, [src]);
  ids = (await e.query.list({ limit: 10 })).rows.map((r) => r.id);
  await e.invoke('team.assign', { annotators: ['alice', 'bob'], overlap: 2, limit: 3 });
  // An LLM label, so blind mode has something to hide.
  await e.store.appendLabels([
    {
      labelId: 'llm-1',
      sampleId: ids[0],
      kind: 'llm',
      score: 4,
      keep: true,
      rationale: 'ok',
      agent: 'gpt|edu-additive|h',
      origin: null,
      note: null,
      retracts: null,
      details: {},
      createdAt: new Date().toISOString(),
    },
  ]);
  await e.close();
  await writeFile(
    usersFile,
    JSON.stringify({
      users: [
        { name: 'alice', role: 'annotator', token: TOKENS.alice },
        { name: 'bob', role: 'annotator', token: TOKENS.bob },
        { name: 'rita', role: 'reviewer', token: TOKENS.rita },
        { name: 'olga', role: 'owner', token: TOKENS.olga },
      ],
    }),
  );
  server = await startWebServer({ dir: db, staticDir, users: await loadUsers(usersFile) });
});
after(() => server?.close());

const call = async (
  who: keyof typeof TOKENS | string,
  name: string,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const r = await fetch(`http://127.0.0.1:${server.port}/api/invoke/${name}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TOKEN_HEADER]: TOKENS[who as keyof typeof TOKENS] ?? who,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};

test('binding a non-loopback address without a users file is refused; a bad users file names the field', async () => {
  await assert.rejects(startWebServer({ dir: db, host: '0.0.0.0' }), /users file/);
  const bad = join(dir, 'bad-users.json');
  await writeFile(bad, JSON.stringify({ users: [{ name: 'x', role: 'boss', token: 'y'.repeat(20) }] }));
  await assert.rejects(loadUsers(bad), /bad-users\.json: users\.0\.role/);
  await writeFile(bad, JSON.stringify({ users: [{ name: 'x', role: 'owner', token: 'short' }] }));
  await assert.rejects(loadUsers(bad), /users\.0\.token: tokens need at least 16/);
});

test('each user is who their token says; roles are enforced per command', async () => {
  assert.deepEqual((await call('alice', 'team.whoami', {})).body, { name: 'alice', role: 'annotator', team: true });
  assert.deepEqual((await call('rita', 'team.whoami', {})).body, { name: 'rita', role: 'reviewer', team: true });
  // An annotator's export call is refused; the owner's goes through.
  const ex = await call('alice', 'export.preview', { minScore: 3 });
  assert.equal(ex.status, 403);
  assert.equal(ex.body.error.code, 'forbidden');
  assert.match(ex.body.error.message, /alice \(annotator\) may not call export\.preview/);
  for (const cmd of ['samples.import', 'llm.run', 'model.train', 'export.run', 'team.assign', 'labels.export'])
    assert.equal((await call('rita', cmd, {})).status, 403, `reviewer may not ${cmd}`);
  assert.equal(
    (await call('alice', 'team.adjudicate', { sampleId: ids[0], score: 3, annotator: 'alice' })).status,
    403,
  );
  assert.equal((await call('olga', 'team.settings', {})).status, 200);
});

test('labels carry the authenticated user, never the claimed name; annotators label only their assignments', async () => {
  const mine = (await call('alice', 'team.queue', { kind: 'assigned', annotator: 'bob' })).body as { id: string }[];
  assert.equal(mine.length, 3, "alice's own queue, whatever name she sends");
  const r = await call('alice', 'labels.addHuman', { sampleId: ids[0], score: 1, annotator: 'olga' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.agent, 'alice');
  const unassigned = await call('alice', 'labels.addHuman', { sampleId: ids[5], score: 1, annotator: 'alice' });
  assert.equal(unassigned.status, 403);
  // bob may not undo alice's label.
  assert.equal((await call('bob', 'labels.retract', { labelId: r.body.labelId, annotator: 'bob' })).status, 403);
});

test("blind mode: before bob labels, neither alice's score nor the LLM's reaches him; after, both do", async () => {
  const before = await call('bob', 'samples.get', { id: ids[0] });
  assert.equal(before.status, 200);
  assert.deepEqual(before.body.labels, []);
  assert.equal(before.body.row.llm_score, null);
  assert.equal(before.body.row.human_score, null);
  const rev = await call('rita', 'samples.get', { id: ids[0] });
  assert.equal(rev.body.row.llm_score, 4, 'a reviewer sees everything');
  const lab = await call('bob', 'labels.addHuman', { sampleId: ids[0], score: 4, annotator: 'bob' });
  assert.equal(lab.body.agent, 'bob');
  const afterLabel = await call('bob', 'samples.get', { id: ids[0] });
  assert.equal(afterLabel.body.row.llm_score, 4);
  assert.deepEqual(
    afterLabel.body.labels.map((l: { agent: string }) => l.agent).sort(),
    ['alice', 'bob', 'gpt|edu-additive|h'].sort(),
  );
  // The disagreement (1 vs 4) is a reviewer's to settle, under her own name.
  const dis = (await call('rita', 'team.queue', { kind: 'disagreements' })).body as { id: string }[];
  assert.deepEqual(
    dis.map((d) => d.id),
    [ids[0]],
  );
  const adj = await call('rita', 'team.adjudicate', { sampleId: ids[0], score: 3, annotator: 'someone-else' });
  assert.equal(adj.status, 200);
  assert.equal(adj.body.agent, 'rita');
  assert.equal(adj.body.origin, 'adjudication');
});

test('Host and Origin are checked; repeated bad tokens are rate-limited', async () => {
  const evil = await call('olga', 'team.settings', {}, { origin: 'http://evil.example' });
  assert.equal(evil.status, 403);
  // fetch() will not send a foreign Host header; node:http will (as a DNS-rebinding page's browser would).
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(
      `http://127.0.0.1:${server.port}/api/invoke/team.settings`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TOKEN_HEADER]: TOKENS.olga, host: 'evil.example' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
  assert.equal(status, 403);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await call('not-a-token-at-all', 'team.settings', {})).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
  assert.equal(statuses[11], 429);
  // Now even a right token from that address waits out the window.
  assert.equal((await call('olga', 'team.settings', {})).status, 429);
});

test('TLS: --tls-cert/--tls-key serve HTTPS', async (t) => {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
  } catch {
    t.skip('openssl is not installed');
    return;
  }
  const s = await startWebServer({
    dir: join(dir, 'tls-db'),
    users: await loadUsers(usersFile),
    tls: { cert: await readFile(cert), key: await readFile(key) },
  });
  try {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+\/\?token=$/);
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `https://127.0.0.1:${s.port}/api/invoke/team.whoami`,
        {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: TOKENS.olga },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 200);
  } finally {
    await s.close();
  }
});
