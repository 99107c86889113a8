import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHashEmbedder, STYLE_BLOCK, STYLE_SLACK } from '../../electron/engine/embed/hash-embedder.js';
import { scanCode, type ScanSink } from '../../electron/engine/embed/code-scan.js';
import { STYLE_FEATURES, styleIndex, type StyleFeature } from '../../electron/engine/embed/style-features.js';

const TEXTBOOK = `"""Small helpers for working with prime numbers.

This module shows how to test a number for primality and how to list primes.
"""


def is_prime(number: int) -> bool:
    """Return True when \`number\` is a prime.

    A prime has exactly two divisors: 1 and itself. We only need to try
    divisors up to the square root of the number.
    """
    if number < 2:
        return False
    # Try every candidate divisor up to sqrt(number).
    divisor = 2
    while divisor * divisor <= number:
        if number % divisor == 0:
            return False  # found a divisor, so not prime
        divisor += 1
    return True


def primes_below(limit: int) -> list[int]:
    """List all primes smaller than \`limit\`, in increasing order."""
    return [candidate for candidate in range(2, limit) if is_prime(candidate)]


if __name__ == "__main__":
    # A tiny demonstration.
    print(primes_below(30))
    assert is_prime(7)
`;

const UNDOCUMENTED = `def f(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True
def g(l):
    return [x for x in range(2, l) if f(x)]
`;

const embedder = createHashEmbedder();
const input = (text: string, language = 'python', astCounts: Record<string, number> = {}) => ({
  text,
  language,
  astCounts,
});
const style = (v: Float32Array, name: StyleFeature) => v[styleIndex(name)];
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
function cosine(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let k = from; k < to; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
}

test('id names model, version and dims; dims are validated', () => {
  assert.equal(embedder.id, 'hash-v1-512');
  assert.equal(embedder.dims, 512);
  const small = createHashEmbedder({ dims: 256 });
  assert.equal(small.id, 'hash-v1-256');
  assert.throws(() => createHashEmbedder({ dims: 64 }), RangeError);
  assert.ok(STYLE_FEATURES.length < STYLE_SLACK, 'style features fit before the slack dim');
});

test('vectors are deterministic, unit-norm and independent of batch content', async () => {
  const inputs = [
    input(TEXTBOOK),
    input(UNDOCUMENTED),
    input(''),
    input('const x = 1; // hi', 'typescript'),
    input('SELECT 1 -- q', 'sql'),
  ];
  const a = await embedder.embed(inputs);
  const b = await createHashEmbedder({ dims: 512 }).embed([...inputs].reverse());
  for (let i = 0; i < inputs.length; i++) {
    assert.equal(a[i].length, 512);
    assert.deepEqual(a[i], b[inputs.length - 1 - i], `input ${i} differs between runs`);
    assert.ok(Math.abs(norm(a[i]) - 1) < 1e-5, `input ${i} norm ${norm(a[i])}`);
    assert.ok(a[i].every(Number.isFinite));
  }
  const alone = await embedder.embed([inputs[1]]);
  assert.deepEqual(alone[0], a[1]);
});

test('a documented textbook function and an undocumented one differ in the style block', () => {
  const doc = embedder.embedOne(input(TEXTBOOK));
  const bare = embedder.embedOne(input(UNDOCUMENTED));
  assert.ok(style(doc, 'module_docstring') > 0 && style(bare, 'module_docstring') === 0);
  assert.ok(style(doc, 'has_docstring') > 0 && style(bare, 'has_docstring') === 0);
  assert.ok(style(doc, 'docstring_coverage') > 0 && style(bare, 'docstring_coverage') === 0);
  assert.ok(style(doc, 'comment_char_ratio') > style(bare, 'comment_char_ratio'));
  assert.ok(style(doc, 'main_guard') > 0 && style(bare, 'main_guard') === 0);
  assert.ok(style(doc, 'avg_ident_len') > style(bare, 'avg_ident_len'));
  assert.ok(style(doc, 'single_letter_ratio') < style(bare, 'single_letter_ratio'));
  assert.ok(style(doc, 'return_annotation_ratio') > style(bare, 'return_annotation_ratio'));
  // The style block carries a fixed share of the norm whatever the features are.
  for (const v of [doc, bare]) {
    let sq = 0;
    for (let k = 0; k < STYLE_BLOCK; k++) sq += v[k] * v[k];
    assert.ok(Math.abs(sq - 0.5) < 1e-5);
  }
  assert.ok(cosine(doc, bare, 0, STYLE_BLOCK) < 0.95, 'style blocks should point in clearly different directions');
});

test('identifier sub-tokens make snake_case and camelCase code alike', () => {
  const snake = embedder.embedOne(input('total_price = unit_price * item_count\nprint_total_price(total_price)\n'));
  const camel = embedder.embedOne(input('totalPrice = unitPrice * itemCount\nprintTotalPrice(totalPrice)\n'));
  const other = embedder.embedOne(input('socket_buffer = read_header(stream_handle)\nclose_socket(socket_buffer)\n'));
  const same = cosine(snake, camel, STYLE_BLOCK, 512);
  const diff = cosine(snake, other, STYLE_BLOCK, 512);
  assert.ok(same > 0.6, `snake vs camel ${same}`);
  assert.ok(same > diff + 0.3, `snake vs camel ${same}, vs unrelated ${diff}`);
});

test('docstring words, comment words and identifiers are separate namespaces', () => {
  const hashed = (text: string) => embedder.embedOne(input(text));
  const doc = hashed('"""banana orange apple"""\n');
  const docReordered = hashed('"""apple, banana and orange"""\n');
  const idents = hashed('banana\norange\napple\n');
  const comment = hashed('# banana orange apple\n');
  assert.ok(cosine(doc, docReordered, STYLE_BLOCK, 512) > 0.95);
  assert.ok(cosine(doc, idents, STYLE_BLOCK, 512) < 0.2);
  assert.ok(cosine(doc, comment, STYLE_BLOCK, 512) < 0.2);
});

test('astCounts feed the structure features', () => {
  const without = embedder.embedOne(input(UNDOCUMENTED));
  const withAst = embedder.embedOne(
    input(UNDOCUMENTED, 'python', { module: 1, function_definition: 2, if_statement: 2, call: 3, comment: 0 }),
  );
  assert.equal(style(without, 'ast_available'), 0);
  assert.ok(style(withAst, 'ast_available') > 0);
  assert.ok(style(withAst, 'ast_function_ratio') > 0);
  assert.notDeepEqual(without.subarray(STYLE_BLOCK), withAst.subarray(STYLE_BLOCK));
});

test('the scanner tells docstrings, comments and strings apart', () => {
  const sink: ScanSink = { identifier() {}, keyword() {}, importName() {}, prose: () => 0 };
  const s = scanCode(TEXTBOOK, 'python', sink);
  assert.equal(s.moduleDoc, 1);
  assert.equal(s.docstrings, 3);
  assert.equal(s.defs, 2);
  assert.equal(s.comments, 3);
  assert.equal(s.commentLines, 2);
  assert.equal(s.inlineCommentLines, 1);
  assert.equal(s.mainGuard, 1);
  assert.equal(s.asserts, 1);
  assert.equal(s.prints, 1);
  assert.equal(s.arrows, 2);
  assert.equal(s.lines, TEXTBOOK.split('\n').length - 1);
  // '#' inside strings is no comment; prefixed and triple-quoted strings are one token each.
  const t = scanCode('x = "a # b"\ny = rb\'\\x00#\'\nz = f"""\n# not a comment\n"""\n', 'python', sink);
  assert.equal(t.comments, 0);
  assert.equal(t.strings, 3);
  assert.equal(t.docstrings, 0);
  assert.equal(t.lines, 5);
  // C-family doc comments count as documentation.
  const js = scanCode(
    '/** Adds two numbers. */\nfunction add(a, b) {\n  // sum\n  return a + b;\n}\n',
    'javascript',
    sink,
  );
  assert.equal(js.docstrings, 1);
  assert.equal(js.comments, 1);
  assert.equal(js.defs, 1);
});

test('embedding respects an aborted signal', async () => {
  const ctl = new AbortController();
  ctl.abort(new Error('stop'));
  await assert.rejects(embedder.embed([input(TEXTBOOK)], ctl.signal), /stop/);
});

test('odd and malformed inputs still give finite unit vectors', async () => {
  const alphabet = [
    '"',
    "'",
    '"""',
    '#',
    '/*',
    '*/',
    '//',
    '--',
    '\\',
    '\n',
    '\r\n',
    '\t',
    ' ',
    'def',
    'class',
    'x',
    'Foo_bar',
    '(',
    ')',
    ':',
    '1e-3',
    '0x1F',
    'é',
    '😀',
    '@',
    '->',
    'if',
    '__name__',
  ];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const inputs = [];
  for (let k = 0; k < 200; k++) {
    let text = '';
    const len = Math.floor(next() * 80);
    for (let j = 0; j < len; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    inputs.push(input(text, ['python', 'javascript', 'ruby', 'sql', ''][k % 5], k % 2 ? { module: 1, ERROR: 2 } : {}));
  }
  for (const v of await embedder.embed(inputs)) {
    assert.ok(v.every(Number.isFinite));
    assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  }
});
