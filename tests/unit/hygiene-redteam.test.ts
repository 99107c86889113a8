import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { scanIPv4 } from '../../electron/engine/hygiene/pii-scan.js';
import { scanText, scanTexts } from '../../electron/engine/hygiene/scan-text.js';
import { redactText } from '../../electron/engine/hygiene/spans.js';

// Regression tests for a red-team of the secret and PII scan (issue 16). Every value is made at
// run time, so the repository holds no secret-shaped literal.
const alnum = (n: number) =>
  Array.from(randomBytes(n * 2))
    .map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62])
    .join('')
    .slice(0, n);
const hex = (n: number) => randomBytes(n).toString('hex').slice(0, n);
const gh = () => 'gh' + 'p_' + alnum(36);
const pem = () =>
  generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
    .trim();
const body = (key: string) => key.split('\n').slice(1, -1);

/** The redacted text must hold none of `values`. */
async function assertHidden(text: string, values: string[], what: string) {
  const out = redactText(text, (await scanText(text)).spans);
  for (const v of values) assert.ok(!out.includes(v), `${what}: ${v.slice(0, 12)}... survived in ${out.slice(0, 200)}`);
  return out;
}

test('a secretlint-disable comment in one sample silences nothing, in its own sample or later ones', async () => {
  const token = gh();
  const key = pem();
  const a = `// tests for the linter\n// secretlint-disable\nconst fixture = 1;\n`;
  const b = `# CI token: ${token}\nKEY = """${key}"""\n`;
  const c = `x = 1  # secretlint-disable-line\ny = "${token}"  # secretlint-disable-line\n// secretlint-disable-next-line\nz = "${token}"\n`;
  const [ra, rb, rc] = await scanTexts([a, b, c]);
  assert.deepEqual(ra.flags, []);
  assert.deepEqual(rb.flags, ['secret:github-token', 'secret:private-key']);
  assert.deepEqual(rc.flags, ['secret:github-token']);
  assert.equal(rc.spans.length, 2, 'both copies in the sample that tries to disable its own line');
});

test('a BOM before the first sample shifts no span', async () => {
  const token = gh();
  const [r] = await scanTexts([`\uFEFF# token: ${token}\nint x = 1;`]);
  const text = `\uFEFF# token: ${token}\nint x = 1;`;
  assert.equal(redactText(text, r.spans), '\uFEFF# token: <SECRET>\nint x = 1;');
});

test('private keys in any layout: string concatenation, comment prefixes, encrypted, no END line', async () => {
  const key = pem();
  const lines = body(key);
  const concatenated = `KEY = (\n${key
    .split('\n')
    .map((l) => `    "${l}\\n"`)
    .join('\n')}\n)\n`;
  const commented = key
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
  const slashes = key
    .split('\n')
    .map((l) => `// ${l}`)
    .join('\n');
  const encrypted = key.replace(/PRIVATE KEY/g, 'ENCRYPTED PRIVATE KEY');
  const truncated = key.split('\n').slice(0, -3).join('\n') + '\n';
  for (const [what, text] of Object.entries({ concatenated, commented, slashes, encrypted, truncated })) {
    const r = await scanText(text);
    assert.ok(r.flags.includes('secret:private-key'), `${what}: ${r.flags}`);
    await assertHidden(text, lines.slice(0, what === 'truncated' ? -3 : undefined), what);
  }
});

test('vendor tokens the preset lacks are found; documented example values are not', async () => {
  const tokens: Record<string, string> = {
    'stripe-access-token': 'sk' + '_live_' + alnum(24),
    'gitlab-pat': 'glp' + 'at-' + alnum(20),
    'grafana-token': 'gl' + 'sa_' + alnum(32) + '_' + hex(8),
    'gcp-api-key': 'AI' + 'za' + alnum(35),
    'huggingface-access-token': 'h' + 'f_' + alnum(34),
    'twilio-api-key': 'S' + 'K' + hex(32),
    'openai-api-key': 's' + 'k-proj-' + alnum(48),
  };
  for (const [rule, value] of Object.entries(tokens)) {
    const text = `config = {"key": "${value}"}  # ${rule}\n`;
    const r = await scanText(text);
    assert.ok(r.flags.includes(`secret:${rule}`), `${rule}: ${r.flags}`);
    await assertHidden(text, [value], rule);
  }
  assert.deepEqual((await scanText('k = "sk' + '_live_' + 'EXAMPLE' + 'x'.repeat(20) + '"')).flags, []);
});

test('the entropy check reaches unquoted config lines, f-strings, typed constants, env writes and bearer tokens', async () => {
  const forms = (v: string) => ({
    env: `SECRET_KEY=${v}\r\nDEBUG=1\n`,
    yaml: `database:\n  password: ${v}\n`,
    fstring: `API_KEY = f"${v}"\n`,
    go: `const apiKey string = "${v}"\n`,
    environ: `os.environ["API_KEY"] = "${v}"\n`,
    bearer: `headers = {"Authorization": "Bearer ${v}"}\n`,
  });
  for (const [what, text] of Object.entries(forms(alnum(32)))) {
    const v = /[A-Za-z0-9]{32}/.exec(text)![0];
    await assertHidden(text, [v], what);
  }
  // Random keys of 32 characters are caught nearly always (a third were missed before). Seeded, so
  // the count is the same on every run (about 0.75% of random keys are missed: mostly keys with no
  // digit; 200 unseeded keys crossed a bound of 4 misses about one run in fifty).
  let seed = 0x5eed;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const CH = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const keys = Array.from({ length: 1000 }, () =>
    Array.from({ length: 32 }, () => CH[Math.floor(next() * 62)]).join(''),
  );
  const results = await scanTexts(keys.map((k) => `api_key = "${k}"`));
  const missed = results.filter((r) => !r.flags.length).length;
  assert.ok(missed <= 20, `${missed} of 1000 random keys missed`);
  assert.deepEqual(
    (await scanText('password: correct-horse-battery-staple\nname: just-a-long-plain-name\n')).flags,
    [],
  );
});

test('dotted versions are not addresses; an address after an identifier ending in "rule" is', () => {
  const ips = (t: string) => scanIPv4(t).map((s) => t.slice(s.start, s.end));
  assert.deepEqual(ips('UA = "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36"'), []);
  assert.deepEqual(ips('<Version>3.2.1.0</Version><AssemblyVersion>2.4.1.0</AssemblyVersion>'), []);
  assert.deepEqual(ips('protobuf==3.20.3.1\nsix>=1.16.0.1'), []);
  assert.deepEqual(ips('firewall_rule = "34.201.5.6"'), ['34.201.5.6']);
  assert.deepEqual(ips('url = "http://34.201.5.7/x"'), ['34.201.5.7']);
});

test('emails: a non-ASCII local part is covered whole; newer generic TLDs count; matmul does not', async () => {
  const found = (t: string) => scanText(t).then((r) => r.spans.map((s) => t.slice(s.start, s.end)));
  assert.deepEqual(await found('# contact josé.garcía@posteo.de'), ['josé.garcía@posteo.de']);
  assert.deepEqual(await found('owner = "bob.smith@acme.travel"'), ['bob.smith@acme.travel']);
  assert.deepEqual(await found('y = x@self.weights'), []);
});

test('tokens glued to a letter (CJK comments, identifiers) are found too', async () => {
  const token = gh();
  const stripe = 'sk' + '_live_' + alnum(24);
  for (const text of [`# 令牌${token}`, `x = "a${token}"`, `k=a${stripe}`, `STRIPE=_${stripe}`])
    await assertHidden(
      text,
      [token.slice(4), stripe.slice(8)].filter((v) => text.includes(v)),
      text.slice(0, 12),
    );
});
