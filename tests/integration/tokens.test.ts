import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Engine } from '../../electron/engine/engine.ts';
import { importPaths } from '../../electron/engine/ingest/importer.ts';
import { countTokensExactly, TokenCounter } from '../../electron/engine/ingest/token-count.ts';
import { STDLIB, tempDir } from '../support/temp.ts';

test('the memoized counter equals the full encode on real stdlib files, special-token strings included', async () => {
  const tc = new TokenCounter();
  const files = (await readdir(join(STDLIB, 'email'))).filter((f) => f.endsWith('.py')).slice(0, 25);
  assert.ok(files.length > 10);
  for (const f of files) {
    const text = await readFile(join(STDLIB, 'email', f), 'utf8');
    assert.equal(tc.count(text), tc.countReference(text), f);
    assert.equal(tc.count(text), tc.countReference(text), `${f} (from cache)`);
  }
  const tricky = 'x = "<|endoftext|>"  \n\n\t  def  f( ):\n      return   1\r\n# ünïcödé 日本語 🎉\n';
  assert.equal(tc.count(tricky), tc.countReference(tricky));
});

test('exact counts replace import estimates, survive reopen, and the job resumes after cancel', async () => {
  const dir = await tempDir();
  const file = join(dir, 'in.jsonl');
  await writeFile(
    file,
    Array.from({ length: 12_000 }, (_, i) =>
      JSON.stringify({ content: `def f_${i}(alpha, beta):\n    return alpha * ${i} + beta  # scale\n` }),
    ).join('\n'),
  );
  const engine = await Engine.open({ dir: join(dir, 'db') });
  await importPaths(engine.store, [file]);
  assert.equal((await engine.stats()).tokensExact, 0);
  const ctl = new AbortController();
  const first = await countTokensExactly(engine.store, {
    signal: ctl.signal,
    onProgress: (p) => {
      if (p.done >= 5000) ctl.abort();
    },
  });
  assert.equal(first.cancelled, true);
  assert.ok(first.counted >= 5000 && first.counted < 12_000);
  const rest = await countTokensExactly(engine.store);
  assert.equal(first.counted + rest.counted, 12_000);
  const id = engine.store.index.ids[0];
  const s = (await engine.store.getSample(id))!;
  assert.equal(s.tokensExact, true);
  assert.equal(s.tokens, new TokenCounter().countReference(s.text));
  await engine.close();
  const again = await Engine.open({ dir: join(dir, 'db') });
  const stats = await again.stats();
  assert.equal(stats.tokensExact, 12_000);
  await again.close();
});

test('countAndCut keeps exactly what decoding the first n tokens of the full encode gives', async () => {
  const tc = new TokenCounter();
  const files = (await readdir(join(STDLIB, 'asyncio'))).filter((f) => f.endsWith('.py')).slice(0, 12);
  // Multi-byte characters and long punctuation runs put cuts inside one piece, mid-character too.
  const texts = [
    ...(await Promise.all(files.map((f) => readFile(join(STDLIB, 'asyncio', f), 'utf8')))),
    '# ünïcödé 日本語 🎉🎉🎉 ' + '='.repeat(300) + '\n' + 'x'.repeat(500),
  ];
  let cuts = 0;
  for (const text of texts) {
    const total = tc.countReference(text);
    for (const limit of [0, 1, 2, 3, 17, 100, 1024, total - 1, total, total + 5]) {
      if (limit < 0) continue;
      const r = tc.countAndCut(text, limit);
      assert.equal(r.tokens, total);
      assert.equal(r.kept ?? text, tc.cutReference(text, limit), `limit ${limit}`);
      assert.equal(r.kept === null, limit >= total);
      if (r.kept !== null) cuts++;
    }
  }
  assert.ok(cuts > 50);
});

test("the o200k codec (tiktoken, WebAssembly) gives js-tiktoken's tokens, pieces and cuts on real code", async () => {
  const { Tiktoken } = await import('js-tiktoken/lite');
  const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
  const { o200k, O200K_PATTERN } = await import('../../electron/engine/ingest/o200k.ts');
  // The counter splits text with this pattern; the split must be the encoder's own.
  assert.equal(O200K_PATTERN, ranks.pat_str);
  const js = new Tiktoken(ranks);
  const wasm = o200k();
  const tc = new TokenCounter();
  const files = (await readdir(join(STDLIB, 'json'))).filter((f) => f.endsWith('.py'));
  const texts = [
    ...(await Promise.all(files.map((f) => readFile(join(STDLIB, 'json', f), 'utf8')))),
    'x = "<|endoftext|>" <|fim_prefix|>\r\n# ünïcödé 日本語 🎉 don\'t WE\'LL\n\t\t  \n',
  ];
  for (const text of texts) {
    const ref = js.encode(text, [], []);
    assert.deepEqual([...wasm.encode(text)], ref);
    assert.equal(tc.count(text), ref.length);
    for (const n of [1, 7, 100, ref.length - 1]) assert.equal(tc.cutReference(text, n), js.decode(ref.slice(0, n)));
  }
  // Every cut of a text of multi-byte characters, most of them inside a character (U+FFFD there).
  const wide = '# ünïcödé 日本語 🎉🎉 naïve';
  const all = js.encode(wide, [], []);
  for (let n = 0; n <= all.length; n++) {
    assert.equal(tc.cutReference(wide, n), js.decode(all.slice(0, n)), `cut at ${n}`);
    assert.equal(tc.countAndCut(wide, n).kept ?? wide, js.decode(all.slice(0, n)), `countAndCut at ${n}`);
  }
});

test('texts the two split patterns may disagree on (U+FEFF, U+0085, long s, recent Unicode, lone surrogates) are counted and cut like the full encode', () => {
  const tc = new TokenCounter();
  const texts = [
    ' \uFEFFa',
    '\uFEFF;a',
    '\uFEFFdef f():\n    return 1\n',
    ' \u0085a',
    'x = 1\u0085y = 2',
    "it'\u017F done",
    '\uFEFF',
    ' \uFEFF\u0085\u017F ',
    // Letters, digits and marks of recent Unicode versions (new to one side's tables only).
    '\u{11de0}123',
    "it\u{11de0}'ll",
    '\u{10955}\n\n',
    '\u1ad5\n\n',
    '\u{32b55}\n\n',
    // Lone surrogates: the encoder reads them as U+FFFD.
    '\ud800abc def ghi',
    'x = "\udc00" + 1',
  ];
  for (const text of texts) {
    const full = tc.countReference(text);
    assert.equal(tc.count(text), full, JSON.stringify(text));
    for (let n = 0; n <= full + 1; n++) {
      const r = tc.countAndCut(text, n);
      assert.equal(r.tokens, full);
      // No cut (kept null) leaves the text as it is; a cut is what decoding the first n tokens gives.
      if (n >= full) assert.equal(r.kept, null);
      else assert.equal(r.kept, tc.cutReference(text, n), `${JSON.stringify(text)} at ${n}`);
    }
    // Decoding all the tokens gives the text back, a leading U+FEFF included.
    if (!/[\ud800-\udfff]/u.test(text)) assert.equal(tc.cutReference(text, full), text);
  }
});
