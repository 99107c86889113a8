import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeTokens, type ContaminationMatch } from '../../electron/engine/curate/decontaminate.js';
import { redactContamination, redactModuleLists } from '../../electron/engine/hygiene/export-redact.js';
import { scanText } from '../../electron/engine/hygiene/scan-text.js';
import { plantedValues } from '../support/hygiene-fixtures.js';

const v = plantedValues();
const match = (m: Partial<ContaminationMatch>): ContaminationMatch => ({
  benchmark: 'b',
  file: 'b.jsonl',
  itemId: '0',
  method: 'ngram',
  similarity: null,
  evidence: null,
  sampleSpan: null,
  itemSpan: null,
  ...m,
});

test('n-gram evidence (lower-cased tokens) over a span and AST evidence cut inside a secret are redacted whole', async () => {
  const text = `${'x = 1\n'.repeat(660)}key = "${v.githubToken}"  # ${v.email}\nreturn key\n`;
  const at = text.indexOf('key =');
  const orig = { text, spans: (await scanText(text)).spans };
  const gram = codeTokens(text.slice(at, at + 80)).join(' ');
  const [s] = await redactContamination(
    [
      {
        sampleId: 's',
        matches: [
          match({ evidence: gram, sampleSpan: [at, at + 80] }),
          match({ method: 'ast', evidence: text.slice(0, 4000), sampleSpan: [0, text.length] }),
          match({ evidence: gram, sampleSpan: null }),
          match({ method: 'embedding', similarity: 0.99 }),
        ],
      },
    ],
    async () => new Map([['s', orig]]),
  );
  const [ngram, ast, unlocated, embedding] = s.matches;
  assert.ok(!gram.includes(v.githubToken) && gram.includes(v.githubToken.toLowerCase()), 'the fixture is a real leak');
  assert.match(ngram.evidence!, /^key = "<SECRET>"  # <EMAIL>/);
  assert.ok(4000 - at < v.githubToken.length + 8, 'the 4,000-character cut falls inside the token');
  assert.ok(ast.evidence!.endsWith('key = "<SECRET>'), ast.evidence!.slice(-40));
  assert.equal(unlocated.evidence, null, 'evidence that cannot be located in a flagged sample is not quoted');
  assert.equal(embedding.evidence, null);
});

test('module names are scanned and redacted per sample, so two flagged hosts count once per sample', async () => {
  const byId = new Map([
    ['a', [`${v.ipv4b}/acme/lib`, `${v.ipv4}/acme/lib`, 'fmt']],
    ['b', ['fmt']],
  ]);
  const out = await redactModuleLists(byId, ['a', 'b']);
  assert.deepEqual(out.get('a'), ['<IP_ADDRESS>/acme/lib', 'fmt']);
  assert.deepEqual(out.get('b'), ['fmt']);
});
