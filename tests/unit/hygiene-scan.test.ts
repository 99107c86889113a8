import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { scanEmails, scanIPv4, scanIPv6 } from '../../electron/engine/hygiene/pii-scan.js';
import { ruleSlug, scanEntropy } from '../../electron/engine/hygiene/secret-scan.js';
import { scanText, scanTexts } from '../../electron/engine/hygiene/scan-text.js';
import { parseKinds, redactText } from '../../electron/engine/hygiene/spans.js';
import { plantedSamples } from '../support/hygiene-fixtures.js';

const fx = plantedSamples();
const v = fx.values;

describe('secret and PII detection', () => {
  it('finds every planted kind in code and comments, with the right flags and exact spans', async () => {
    const r = await scanText(fx.python);
    const found = r.spans.map((s) => fx.python.slice(s.start, s.end));
    for (const value of [v.email, v.githubToken, v.awsKeyId, v.entropySecret, v.ipv4, v.ipv4b, v.email2, v.slackToken])
      assert.ok(found.includes(value), `expected a span exactly covering ${value.slice(0, 12)}...; got ${found}`);
    assert.deepEqual(r.flags, [
      'pii:email',
      'pii:ip',
      'secret:aws-access-key-id',
      'secret:github-token',
      'secret:high-entropy',
      'secret:slack-token',
    ]);
    assert.deepEqual(r.kinds, ['email', 'ip', 'secret']);

    const js = await scanText(fx.javascript);
    assert.deepEqual(js.flags, ['pii:ip', 'secret:private-key']);
    const key = js.spans.find((s) => s.kind === 'private_key')!;
    assert.equal(fx.javascript.slice(key.start, key.end), v.privateKey);
    assert.equal(fx.javascript.slice(...[js.spans[1].start, js.spans[1].end]), v.ipv6);
  });

  it('flags none of the look-alikes', async () => {
    const r = await scanText(fx.lookalikes);
    assert.deepEqual(
      r.spans.map((s) => `${s.kind}:${fx.lookalikes.slice(s.start, s.end)}`),
      [],
    );
  });

  it('redacts with StarCoder placeholders and leaves no planted value behind', async () => {
    for (const text of [fx.python, fx.javascript]) {
      const r = await scanText(text);
      const out = redactText(text, r.spans);
      for (const value of Object.values(v)) assert.ok(!out.includes(value), `left ${value.slice(0, 16)} in the output`);
    }
    const py = redactText(fx.python, (await scanText(fx.python)).spans);
    assert.match(py, /# Contact: <EMAIL> for access/);
    assert.match(py, /SERVER = "<IP_ADDRESS>"/);
    assert.match(py, /AWS_ACCESS_KEY_ID = "<SECRET>"/);
    assert.match(py, /DB_PASSWORD = "<SECRET>"/);
    const js = redactText(fx.javascript, (await scanText(fx.javascript)).spans);
    assert.match(js, /const KEY = `<PRIVATE_KEY>`;/);
    assert.match(js, /const upstream = '<IP_ADDRESS>';/);
  });

  it("leaves no performance marks behind: secretlint's profiler would keep every one (quadratic time over a corpus)", async () => {
    const seen: string[] = [];
    const obs = new PerformanceObserver((list) => seen.push(...list.getEntries().map((e) => e.name)));
    obs.observe({ entryTypes: ['mark', 'measure'] });
    const before = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 20; i++) await scanText(`${fx.python}\n# run ${i}`);
    await new Promise((r) => setTimeout(r, 20));
    obs.disconnect();
    assert.equal(performance.getEntriesByType('mark').length, before, 'marks were added to the global timeline');
    assert.deepEqual(
      seen.filter((n) => n.includes('secretlint') || n.includes('@')),
      [],
    );
    // The scan still finds what it found before.
    assert.ok((await scanText(fx.python)).flags.includes('secret:github-token'));
  });

  it('scans many texts joined and maps each finding back to its own text', async () => {
    const texts = ['x = 1\n', fx.python, 'y = 2\n', fx.lookalikes, fx.javascript, 'z = 3\n'];
    const many = await scanTexts(texts);
    const one = await Promise.all(texts.map((t) => scanText(t)));
    assert.deepEqual(many, one);
    assert.equal(many[0].spans.length, 0);
    assert.ok(many[4].flags.includes('secret:private-key'));
  });

  it('checks each detector on its own edge cases', () => {
    assert.deepEqual(
      scanIPv4('a = "8.8.8.8"; b = "1.2.3.4.5"; c = "version 4.3.2.1"; d = "300.1.1.1"; e = "01.02.03.04"').map(
        (s) => s.rule,
      ),
      ['ipv4'],
    );
    assert.equal(scanIPv6('std::vector<int>::iterator; a::b; dead::beef; fe80::1; ::ffff:10.0.0.1').length, 0);
    assert.equal(scanIPv6('host = "2a00:1450:4001:82b::200e"').length, 1);
    assert.equal(scanEmails('mail bob.smith@gmail.com or python@2.7 or a@b.T or user@host.local').length, 1);
    assert.equal(scanEntropy('password = "hunter2hunter2hunter2"').length, 0, 'low entropy');
    assert.equal(scanEntropy('SECRET_KEY = "9fQ2xL7pV3mZ8kR1tY6wB4nC0hJ5sD2g"').length, 1);
    assert.equal(ruleSlug('AWSAccessKeyID'), 'aws-access-key-id');
    assert.equal(ruleSlug('GITHUB_TOKEN'), 'github-token');
    assert.deepEqual([...parseKinds(['pii', 'private-key'])].sort(), ['email', 'ip', 'private_key']);
    assert.throws(() => parseKinds(['passwords']), /unknown flag kind "passwords"/);
  });
});
