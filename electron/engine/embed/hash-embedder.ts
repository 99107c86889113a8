import type { EmbedInput, Embedder } from './embedder.js';
import { PROSE_COMMENT, PROSE_DOC, scanCode, type ScanSink } from './code-scan.js';
import {
  fmix32,
  fnvStep,
  fnvString,
  lenClassOf,
  lowerCode,
  namespaceSeed,
  termBase,
  termKey,
  termLenClass,
  termSign,
  uniformWeights,
  weightTable,
} from './feature-hash.js';
import { STYLE_FEATURES, writeStyleFeatures } from './style-features.js';

/**
 * The offline default embedder: a code-aware feature-hashing vectorizer.
 *
 * Layout of a vector (dims >= 128):
 *   [0, STYLE_BLOCK)      dense style features (documentation, comments, naming, structure),
 *                         fixed-scaled, plus one slack dim that keeps the block's norm constant;
 *   [STYLE_BLOCK, dims)   hashed sparse features in namespaces (identifier sub-tokens, names,
 *                         keywords, calls, imports, docstring / comment / string words, AST kinds).
 * Both blocks carry a fixed share of the unit norm, so cosine similarity weighs style and
 * vocabulary the same way for every sample. Nothing is fitted on a corpus: the same input gives
 * the same vector forever under the same id, which is what lets embedding run incrementally.
 */
export const HASH_EMBEDDER_VERSION = 1;
export const STYLE_BLOCK = 64;
/** Index of the slack dim: sqrt(1 - |style|^2), so the style block always has norm STYLE_WEIGHT. */
export const STYLE_SLACK = STYLE_BLOCK - 1;
const STYLE_WEIGHT = Math.SQRT1_2;
const HASHED_WEIGHT = Math.SQRT1_2;
const STYLE_SCALE = 1 / Math.sqrt(STYLE_FEATURES.length);

const NS = ['id', 'name', 'kw', 'call', 'imp', 'doc', 'cmt', 'str', 'ast', 'lang'] as const;
const [NS_ID, NS_NAME, NS_KW, NS_CALL, NS_IMP, NS_DOC, NS_CMT, NS_STR, NS_AST, NS_LANG] = NS.map((_, i) => i);
/** How much each namespace contributes when present (each is unit-normalized first). */
const NS_WEIGHT = [1.0, 0.45, 0.6, 0.6, 0.5, 0.9, 0.8, 0.35, 0.9, 0.25];
const NS_SEED = NS.map((ns) => namespaceSeed(ns));
/** Namespaces whose values are given (log counts), not term frequencies. */
const NS_RAW = NS.map((ns) => ns === 'ast');

// NOTE: a fixed stand-in for IDF. Very short tokens and the commonest identifier parts and
// English function words say little about a sample, so they count less; fitting IDF on the
// corpus instead would make vectors depend on what else was imported.
const LEN_WEIGHT_IDENT = [0.35, 0.6, 0.85, 1];
const LEN_WEIGHT_PROSE = [0, 0.5, 0.8, 1];
const LEN_WEIGHT_FLAT = [1, 1, 1, 1];
const COMMON_IDENT = uniformWeights(
  'self cls i j k n m x y z s a b c d v f e t p get set none init args kwargs arg name value val data obj result ' +
    'item key tmp str list dict int len is to of in new add err ctx res ret out buf idx num count type',
  0.35,
);
const STOP_WORDS = uniformWeights(
  'the an and or of to in is it that this for on with as be by are was were not from at if return returns will ' +
    'can which then when its use used using we you your but all any these those has have had may must should would ' +
    "there their been so also into than such only each no one do does it's other more most some same if else see " +
    'default true false none given object value',
  0.2,
);
const COMMON_KW = uniformWeights('if in return def none not else self for and or is', 0.6);

const TABLES: (Map<number, number> | null)[] = NS.map((ns) => {
  if (ns === 'id') return weightTable(ns, COMMON_IDENT);
  if (ns === 'doc' || ns === 'cmt' || ns === 'str') return weightTable(ns, STOP_WORDS);
  if (ns === 'kw') return weightTable(ns, COMMON_KW);
  return null;
});
const LEN_WEIGHTS = NS.map((ns) =>
  ns === 'id' ? LEN_WEIGHT_IDENT : ns === 'doc' || ns === 'cmt' || ns === 'str' ? LEN_WEIGHT_PROSE : LEN_WEIGHT_FLAT,
);

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}
function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLowerOrDigit(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/** Accumulates hashed term counts for one sample; reused across samples to avoid garbage. */
class Featurizer implements ScanSink {
  text = '';
  readonly terms: Map<number, number>[] = NS.map(() => new Map());
  private readonly kwKeys = new Map<string, number>();

  reset(text: string): void {
    this.text = text;
    for (const m of this.terms) m.clear();
  }

  add(ns: number, h: number, len: number, amount = 1): void {
    const key = termKey(fmix32(h), lenClassOf(len));
    const m = this.terms[ns];
    m.set(key, (m.get(key) ?? 0) + amount);
  }

  identifier(start: number, end: number, isCall: boolean): void {
    const t = this.text;
    let full = NS_SEED[NS_NAME];
    let call = NS_SEED[NS_CALL];
    let sub = NS_SEED[NS_ID];
    let subLen = 0;
    for (let j = start; j < end; j++) {
      const c = t.charCodeAt(j);
      const lc = lowerCode(c);
      full = fnvStep(full, lc);
      if (isCall) call = fnvStep(call, lc);
      // Sub-token boundaries: snake_case, camelCase and the end of an acronym (HTTPServer).
      const prev = j > start ? t.charCodeAt(j - 1) : 0;
      const boundary =
        c === 95 ||
        c === 36 ||
        (isUpper(c) &&
          (isLowerOrDigit(prev) ||
            (isUpper(prev) && j + 1 < end && t.charCodeAt(j + 1) >= 97 && t.charCodeAt(j + 1) <= 122)));
      if (boundary && subLen > 0) {
        this.add(NS_ID, sub, subLen);
        sub = NS_SEED[NS_ID];
        subLen = 0;
      }
      if (c !== 95 && c !== 36) {
        sub = fnvStep(sub, lc);
        subLen++;
      }
    }
    if (subLen > 0) this.add(NS_ID, sub, subLen);
    this.add(NS_NAME, full, end - start);
    if (isCall) this.add(NS_CALL, call, end - start);
  }

  keyword(word: string): void {
    let h = this.kwKeys.get(word);
    if (h === undefined) {
      h = fnvString(word, NS_SEED[NS_KW], true);
      this.kwKeys.set(word, h);
    }
    this.add(NS_KW, h, word.length);
  }

  importName(start: number, end: number): void {
    let h = NS_SEED[NS_IMP];
    for (let j = start; j < end; j++) h = fnvStep(h, lowerCode(this.text.charCodeAt(j)));
    this.add(NS_IMP, h, end - start);
  }

  prose(kind: number, start: number, end: number): number {
    const ns = kind === PROSE_DOC ? NS_DOC : kind === PROSE_COMMENT ? NS_CMT : NS_STR;
    const seed = NS_SEED[ns];
    const t = this.text;
    let words = 0;
    let j = start;
    while (j < end) {
      if (!isLetter(t.charCodeAt(j))) {
        j++;
        continue;
      }
      let h = seed;
      const a = j;
      while (j < end && isLetter(t.charCodeAt(j))) {
        h = fnvStep(h, lowerCode(t.charCodeAt(j)));
        j++;
      }
      if (j - a >= 2) {
        this.add(ns, h, j - a);
        words++;
      }
    }
    return words;
  }

  astCounts(counts: Record<string, number>): void {
    for (const kind in counts) {
      const c = counts[kind];
      if (c > 0) this.add(NS_AST, fnvString(kind, NS_SEED[NS_AST], false), 4, Math.log1p(c));
    }
  }

  language(lang: string): void {
    this.add(NS_LANG, fnvString(lang, NS_SEED[NS_LANG], true), 4);
  }

  /** Writes the unit-normalized hashed block, scaled to HASHED_WEIGHT, into out[offset, offset + width). */
  writeHashed(out: Float32Array, offset: number, width: number, acc: Float64Array): void {
    acc.fill(0);
    for (let ns = 0; ns < NS.length; ns++) {
      const m = this.terms[ns];
      if (m.size === 0) continue;
      const table = TABLES[ns];
      const lenW = LEN_WEIGHTS[ns];
      const raw = NS_RAW[ns];
      const weightOf = (key: number, tf: number) =>
        (table?.get(termBase(key)) ?? lenW[termLenClass(key)]) * (raw ? tf : 1 + Math.log(tf));
      let normSq = 0;
      for (const [key, tf] of m) {
        const w = weightOf(key, tf);
        normSq += w * w;
      }
      if (normSq === 0) continue;
      const scale = NS_WEIGHT[ns] / Math.sqrt(normSq);
      for (const [key, tf] of m) acc[termBase(key) % width] += termSign(key) * scale * weightOf(key, tf);
    }
    let normSq = 0;
    for (let k = 0; k < width; k++) normSq += acc[k] * acc[k];
    if (normSq === 0) {
      acc[0] = 1;
      normSq = 1;
    } // empty text: a fixed direction, never a zero vector
    const scale = HASHED_WEIGHT / Math.sqrt(normSq);
    for (let k = 0; k < width; k++) out[offset + k] = acc[k] * scale;
  }
}

export interface HashEmbedderOptions {
  /** Total dimensions, >= 128; the first STYLE_BLOCK are the dense style block. */
  dims?: number;
}

export function createHashEmbedder(
  opts: HashEmbedderOptions = {},
): Embedder & { embedOne(input: EmbedInput): Float32Array } {
  const dims = opts.dims ?? 512;
  if (!Number.isInteger(dims) || dims < 128)
    throw new RangeError(`hash embedder needs integer dims >= 128, got ${dims}`);
  const width = dims - STYLE_BLOCK;
  const featurizer = new Featurizer();
  const acc = new Float64Array(width);
  const style = new Float64Array(STYLE_FEATURES.length);

  const embedOne = (input: EmbedInput): Float32Array => {
    const out = new Float32Array(dims);
    const text = input.text ?? '';
    const language = (input.language || 'unknown').toLowerCase();
    featurizer.reset(text);
    const stats = scanCode(text, language, featurizer);
    featurizer.astCounts(input.astCounts ?? {});
    featurizer.language(language);
    featurizer.writeHashed(out, STYLE_BLOCK, width, acc);
    writeStyleFeatures(stats, input.astCounts ?? {}, style, 0);
    let sq = 0;
    for (let k = 0; k < style.length; k++) {
      const v = style[k] * STYLE_SCALE;
      out[k] = v * STYLE_WEIGHT;
      sq += v * v;
    }
    out[STYLE_SLACK] = Math.sqrt(Math.max(0, 1 - sq)) * STYLE_WEIGHT;
    featurizer.reset('');
    return out;
  };

  return {
    id: `hash-v${HASH_EMBEDDER_VERSION}-${dims}`,
    dims,
    workerSpec: { kind: 'hash', dims },
    embedOne,
    async embed(batch: EmbedInput[], signal?: AbortSignal): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      let sliceStart = performance.now();
      for (const input of batch) {
        signal?.throwIfAborted();
        out.push(embedOne(input));
        // Yield now and then so a long batch never starves IPC / HTTP handlers on the same loop.
        if (performance.now() - sliceStart > 25) {
          await new Promise((r) => setImmediate(r));
          sliceStart = performance.now();
        }
      }
      signal?.throwIfAborted();
      return out;
    },
  };
}
