// Writes ONNX models without Python: a hand-rolled protobuf encoder for the subset of onnx.proto3
// a small inference graph needs (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto), plus a generator for a tiny
// random-weight BERT-style model folder that @huggingface/transformers loads like a real one.
// NOTE: no protobufjs: it is only a transitive dependency here, and the wire format for these
// messages is three rules (varints, length-delimited fields, fixed32 floats).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../electron/engine/classify/prng.ts';

// ---- protobuf wire format -------------------------------------------------------------------

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n)); // negative int64 -> ten-byte two's complement, as protobuf does
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}
const tag = (field: number, wire: 0 | 2 | 5) => varint((field << 3) | wire);
const fInt = (field: number, n: number | bigint) => [...tag(field, 0), ...varint(n)];
const fBytes = (field: number, b: Uint8Array | number[]) => [...tag(field, 2), ...varint(b.length), ...b];
const fStr = (field: number, s: string) => fBytes(field, new TextEncoder().encode(s));
const fPacked = (field: number, ns: (number | bigint)[]) =>
  fBytes(
    field,
    ns.flatMap((n) => varint(n)),
  );
function fFloat(field: number, x: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [...tag(field, 5), ...b];
}

// ---- ONNX messages --------------------------------------------------------------------------

/** TensorProto.DataType values. */
const DTYPE = { float32: 1, int64: 7 } as const;
export type ElemType = keyof typeof DTYPE;

export interface TensorInit {
  name: string;
  type: ElemType;
  dims: number[];
  data: Float32Array | BigInt64Array;
}
export interface ValueInit {
  name: string;
  type: ElemType;
  /** numbers are fixed sizes, strings symbolic ('batch') */ shape: (number | string)[];
}
export type AttrValue = number | number[] | string | { float: number };
export interface NodeInit {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
}
export interface GraphInit {
  name: string;
  nodes: NodeInit[];
  initializers: TensorInit[];
  inputs: ValueInit[];
  outputs: ValueInit[];
}

function tensorProto(t: TensorInit): number[] {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength); // little-endian raw_data
  return [...fPacked(1, t.dims), ...fInt(2, DTYPE[t.type]), ...fStr(8, t.name), ...fBytes(9, raw)];
}

function valueInfo(v: ValueInit): number[] {
  const dims = v.shape.flatMap((d) => fBytes(1, typeof d === 'number' ? fInt(1, d) : fStr(2, d)));
  const tensorType = [...fInt(1, DTYPE[v.type]), ...fBytes(2, dims)];
  return [...fStr(1, v.name), ...fBytes(2, fBytes(1, tensorType))];
}

/** AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, INTS 7. */
function attribute(name: string, v: AttrValue): number[] {
  if (typeof v === 'number') return [...fStr(1, name), ...fInt(3, v), ...fInt(20, 2)];
  if (typeof v === 'string') return [...fStr(1, name), ...fStr(4, v), ...fInt(20, 3)];
  if (Array.isArray(v)) return [...fStr(1, name), ...fPacked(8, v), ...fInt(20, 7)];
  return [...fStr(1, name), ...fFloat(2, v.float), ...fInt(20, 1)];
}

function nodeProto(n: NodeInit, i: number): number[] {
  return [
    ...n.inputs.flatMap((s) => fStr(1, s)),
    ...n.outputs.flatMap((s) => fStr(2, s)),
    ...fStr(3, `${n.op.toLowerCase()}_${i}`),
    ...fStr(4, n.op),
    ...Object.entries(n.attrs ?? {}).flatMap(([k, v]) => fBytes(5, attribute(k, v))),
  ];
}

/** Serialized ModelProto (IR version 8, default-domain opset 17 unless given). */
export function encodeModel(g: GraphInit, o: { opset?: number; irVersion?: number } = {}): Uint8Array {
  const graph = [
    ...g.nodes.flatMap((n, i) => fBytes(1, nodeProto(n, i))),
    ...fStr(2, g.name),
    ...g.initializers.flatMap((t) => fBytes(5, tensorProto(t))),
    ...g.inputs.flatMap((v) => fBytes(11, valueInfo(v))),
    ...g.outputs.flatMap((v) => fBytes(12, valueInfo(v))),
  ];
  const model = [
    ...fInt(1, o.irVersion ?? 8),
    ...fStr(2, 'textbook-studio-tests'),
    ...fBytes(7, graph),
    ...fBytes(8, [...fStr(1, ''), ...fInt(2, o.opset ?? 17)]),
  ];
  return Uint8Array.from(model);
}

// ---- the tiny BERT-style model ----------------------------------------------------------------

/** Seeded (the engine's mulberry32), so every run writes byte-identical weights. */
const rng = mulberry32;

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = (
  'def return class import from for in if else elif while print self none true false and or not ' +
  'with as try except raise lambda yield pass break continue list dict str int len range open file read write ' +
  'value name data result sum count total add get set the of to is it this function number string text code ' +
  'args kwargs key item items index start end line lines path json main test assert error type object loop ' +
  'first last max min sort append split join format'
).split(' ');

/** ~200 entries: specials, punctuation, single letters and digits with their ## continuations
 *  (so every lowercase ASCII word has a WordPiece split), and whole code words. */
export function tinyVocab(): string[] {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const punct = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.split('');
  return [...SPECIALS, ...punct, ...chars, ...chars.map((c) => `##${c}`), ...WORDS];
}

export interface TinyModel {
  dir: string;
  hidden: number;
  vocab: string[];
  maxPositions: number;
  onnxBytes: number;
}

/**
 * Writes a model folder the way Hugging Face exports one for transformers.js:
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx (fp32).
 * The graph is embeddings (word + token type + position) -> Tanh(MatMul + bias) -> a masked mean
 * over the sequence added back to every token (so tokens see their context and padding is
 * invisible, as with BERT's attention mask) -> Tanh(MatMul) = last_hidden_state.
 */
export function writeTinyBertModel(
  dir: string,
  o: { hidden?: number; seed?: number; maxPositions?: number } = {},
): TinyModel {
  const H = o.hidden ?? 32;
  const P = o.maxPositions ?? 64;
  const vocab = tinyVocab();
  const V = vocab.length;
  const rand = rng(o.seed ?? 7);
  const floats = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const f32 = (name: string, dims: number[], scale: number): TensorInit => ({
    name,
    type: 'float32',
    dims,
    data: floats(
      dims.reduce((a, b) => a * b, 1),
      scale,
    ),
  });
  const i64 = (name: string, dims: number[], values: number[]): TensorInit => ({
    name,
    type: 'int64',
    dims,
    data: BigInt64Array.from(values.map(BigInt)),
  });
  const wScale = Math.sqrt(3 / H);

  const graph: GraphInit = {
    name: 'tiny_bert',
    initializers: [
      f32('word_emb', [V, H], 1),
      f32('type_emb', [2, H], 0.3),
      f32('pos_emb', [P, H], 0.3),
      f32('w1', [H, H], wScale),
      f32('b1', [H], 0.1),
      f32('w2', [H, H], wScale),
      i64('zero', [], [0]),
      i64('one', [], [1]),
      i64('axis_seq', [1], [1]),
      i64('axis_last', [1], [2]),
      { name: 'eps', type: 'float32', dims: [], data: Float32Array.of(1e-6) },
    ],
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch', 'seq'] },
      { name: 'token_type_ids', type: 'int64', shape: ['batch', 'seq'] },
    ],
    outputs: [{ name: 'last_hidden_state', type: 'float32', shape: ['batch', 'seq', H] }],
    nodes: [
      { op: 'Gather', inputs: ['word_emb', 'input_ids'], outputs: ['we'] },
      { op: 'Gather', inputs: ['type_emb', 'token_type_ids'], outputs: ['te'] },
      { op: 'Shape', inputs: ['input_ids'], outputs: ['shape'] },
      { op: 'Gather', inputs: ['shape', 'one'], outputs: ['seq_len'], attrs: { axis: 0 } },
      { op: 'Range', inputs: ['zero', 'seq_len', 'one'], outputs: ['positions'] },
      { op: 'Gather', inputs: ['pos_emb', 'positions'], outputs: ['pe'] },
      { op: 'Add', inputs: ['we', 'te'], outputs: ['e1'] },
      { op: 'Add', inputs: ['e1', 'pe'], outputs: ['emb'] },
      { op: 'MatMul', inputs: ['emb', 'w1'], outputs: ['m1'] },
      { op: 'Add', inputs: ['m1', 'b1'], outputs: ['a1'] },
      { op: 'Tanh', inputs: ['a1'], outputs: ['h1'] },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_f'], attrs: { to: DTYPE.float32 } },
      { op: 'Unsqueeze', inputs: ['mask_f', 'axis_last'], outputs: ['mask3'] },
      { op: 'Mul', inputs: ['h1', 'mask3'], outputs: ['h_masked'] },
      { op: 'ReduceSum', inputs: ['h_masked', 'axis_seq'], outputs: ['h_sum'], attrs: { keepdims: 1 } },
      { op: 'ReduceSum', inputs: ['mask3', 'axis_seq'], outputs: ['n_tok'], attrs: { keepdims: 1 } },
      { op: 'Add', inputs: ['n_tok', 'eps'], outputs: ['n_safe'] },
      { op: 'Div', inputs: ['h_sum', 'n_safe'], outputs: ['context'] },
      { op: 'Add', inputs: ['h1', 'context'], outputs: ['hc'] },
      { op: 'MatMul', inputs: ['hc', 'w2'], outputs: ['m2'] },
      { op: 'Tanh', inputs: ['m2'], outputs: ['last_hidden_state'] },
    ],
  };
  const onnx = encodeModel(graph);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), onnx);

  const json = (name: string, v: unknown) => writeFileSync(join(dir, name), JSON.stringify(v, null, 2));
  json('config.json', {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: H,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 2 * H,
    vocab_size: V,
    max_position_embeddings: P,
    type_vocab_size: 2,
    pad_token_id: 0,
  });
  const special = (t: string) => ({ id: t, ids: [vocab.indexOf(t)], tokens: [t] });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const tok = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  json('tokenizer.json', {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  });
  json('tokenizer_config.json', {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: P,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  });
  return { dir, hidden: H, vocab, maxPositions: P, onnxBytes: onnx.length };
}
