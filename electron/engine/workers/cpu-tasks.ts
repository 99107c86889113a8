import type { BenchmarkItem } from '../curate/benchmarks.js';
import type { ContaminationMatch, ContaminationMatcher } from '../curate/decontaminate.js';
import type { SyntaxMatchOptions } from '../curate/syntax-match.js';
import type { ChunkMode, SynthKind } from '../../../shared/enums.js';
import type { GateWork } from '../synth/gates.js';
import type { Tree } from 'web-tree-sitter';
import { chunkCode } from '../ingest/code-parser.js';
import { hasGrammar } from '../ingest/grammars.js';
import { estimateTokens, sampleIdOf } from '../ingest/normalize.js';
import type { EmbedderSpec, Embedder } from '../embed/index.js';
import type { PromptItem } from '../label/prompt-build.js';
import type { BuiltPrompt } from '../label/prompt.js';
import type { Template } from '../label/templates.js';
import type { MinhashSketches } from '../curate/minhash.js';
import type { TokenCounter } from '../ingest/token-count.js';
import type { ScanResult } from '../hygiene/scan-text.js';
import type { TextStats } from '../hygiene/heuristics.js';
import type { LaterCandidates } from '../curate/lsh-candidates.js';
import type { ExportRow } from '../curate/writers.js';
import type { LshCandidatesShare, LshHashShare, LshPrebitsShare, LshTablesShare } from '../curate/near-dup-stream.js';

// NOTE: a task's modules are imported on its first use: every worker thread loads this file, and
// an import needs neither the embedders (the `openai` client) nor the synth gates.

/**
 * The CPU-heavy steps as pure tasks: the same functions run inline (`--workers 1`) or in a
 * worker thread (cpu-worker.ts), so results cannot depend on the worker count.
 * Inputs and outputs are plain structured-clone data; vectors come back as one flat buffer.
 */

export interface ChunkTask {
  kind: 'chunk';
  mode: ChunkMode;
  /** Record texts; only records in a language with a grammar are sent (grammars.ts). */
  texts: string[];
  /**
   * Each text's language (absent: all Python, as before languages had grammars). null: not
   * known, so detected here (detect-language.ts) from the text and `names[i]`'s extension.
   */
  languages?: (string | null)[];
  /** File or source names, for detection's fallback (`notes.txt` stays `txt`). */
  names?: (string | null)[];
  /**
   * Also compute each chunk's text statistics (the import's hygiene step) here, on the thread that
   * has the text. The secret / PII scan waits for the flush (a pool task too): it sees only the
   * chunks that are stored, where a re-import's duplicates would all be scanned here.
   */
  stats?: boolean;
}

/** One chunk: offsets into its record's text (not a copy of it), the sample id and token estimate. */
export interface ChunkOut {
  start: number;
  end: number;
  startLine: number | null;
  endLine: number | null;
  astCounts: Record<string, number>;
  /** Top-level modules the chunk imports. */
  imports: string[];
  id: string;
  tokens: number;
  /** With `stats`: the chunk's text statistics, in the language it was cut in (heuristics.ts). */
  stats?: TextStats;
}

/**
 * `language` is set when the task detected it. `whole`: the detected language has no grammar,
 * so the record is imported whole, as a record of that language always was.
 */
export type ChunkResult = ({ chunks: ChunkOut[] } | { error: string } | { whole: true }) & { language?: string };

export interface EmbedTask {
  kind: 'embed';
  spec: EmbedderSpec;
  texts: string[];
  languages: string[];
  /** ast_counts as stored (JSON), parsed here rather than on the main thread. */
  ast: string[];
}

/** Redaction + prompt building + exact prompt token counts for a batch of samples to label. */
export interface PromptTask {
  kind: 'prompts';
  template: Template;
  items: PromptItem[];
  maxInputTokens: number;
}

/** MinHash shingles + LSH band keys (near-duplicate candidate generation). */
export interface MinhashTask {
  kind: 'minhash';
  texts: string[];
  ngram: number;
  numPerm: number;
  bands: number;
  rows: number;
}

/** Exact o200k_base token counts. */
export interface CountTask {
  kind: 'count';
  texts: string[];
}

/** The CPU part of `tbs synth`'s gates for one generated result (synth/gates.ts). */
export interface SynthGateTask {
  kind: 'synth-gate';
  synthKind: SynthKind;
  text: string;
  nearDup: number;
}

/** The n-gram and syntax matches of texts against benchmark items (decontamination). */
export interface ContaminationTask {
  kind: 'contamination';
  /** Identifies items + settings: a thread builds its matcher once per key. */
  key: string;
  items: BenchmarkItem[];
  ngram: number;
  ast: SyntaxMatchOptions | null;
  texts: string[];
}

/** The secret / PII scan of each text (hygiene/scan-text.ts), in order. */
export interface ScanTask {
  kind: 'scan';
  texts: string[];
}

/** The text statistics of each text in its language (hygiene/heuristics.ts `textStats`), in order. */
export interface StatsTask {
  kind: 'stats';
  texts: string[];
  languages: string[];
}

/**
 * Near-dup LSH: hash `members[from..to)` of unit vectors into shared `keys` / `sketch` buffers
 * (SharedArrayBuffer-backed, so nothing is copied; each thread writes only its own range).
 */
export interface LshHashTask extends LshHashShare {
  kind: 'lsh-hash';
}

/** Near-dup LSH: pool bits of a chunk of vectors, hashed before the tables are planned (`poolBitsFor`). */
export interface LshPrebitsTask extends LshPrebitsShare {
  kind: 'lsh-prebits';
}

/** Writes one Parquet data file of an export (writers.ts `writeParquet`). */
export interface ParquetTask {
  kind: 'parquet';
  rows: ExportRow[];
  file: string;
  createdBy: string;
}

/** Near-dup LSH: sort a range of tables into the shared tables (lsh-candidates.ts `sortTables`). */
export interface LshTablesTask extends LshTablesShare {
  kind: 'lsh-tables';
}

/** Near-dup LSH: the candidate proposals of an item range (lsh-candidates.ts `laterCandidates`). */
export interface LshCandidatesTask extends LshCandidatesShare {
  kind: 'lsh-candidates';
}

export type CpuTask =
  | ChunkTask
  | EmbedTask
  | PromptTask
  | MinhashTask
  | CountTask
  | SynthGateTask
  | ContaminationTask
  | ScanTask
  | StatsTask
  | LshHashTask
  | LshTablesTask
  | LshCandidatesTask
  | LshPrebitsTask
  | ParquetTask;

let matcher: { key: string; matcher: Promise<ContaminationMatcher> } | null = null;

export async function runContaminationTask(t: ContaminationTask): Promise<ContaminationMatch[][]> {
  if (matcher?.key !== t.key) {
    const { ContaminationMatcher } = await import('../curate/decontaminate.js');
    matcher = {
      key: t.key,
      matcher: ContaminationMatcher.create(t.items, { ngram: t.ngram, cosine: null, ast: t.ast }),
    };
  }
  const m = await matcher.matcher;
  return t.texts.map((text) => m.textMatches(text));
}

export async function runChunkTask(t: ChunkTask): Promise<ChunkResult[]> {
  const out: ChunkResult[] = [];
  const textStats = t.stats ? (await import('../hygiene/heuristics.js')).textStats : null;
  for (let i = 0; i < t.texts.length; i++) {
    const text = t.texts[i];
    let language = t.languages ? t.languages[i] : 'python';
    let detected: { language?: string } = {};
    let tree: Tree | undefined;
    if (language === null) {
      // NOTE: loaded on first use, like the other tasks' modules.
      const { detectLanguageTree } = await import('../ingest/detect-language.js');
      const d = await detectLanguageTree(text, t.names?.[i] ?? null);
      language = d.language;
      tree = d.tree ?? undefined;
      detected = { language };
      if (!hasGrammar(language)) {
        tree?.delete();
        out.push({ whole: true, language });
        continue;
      }
    }
    try {
      if (!hasGrammar(language)) throw new Error(`no grammar for ${language}`);
      // Detection's clean parse is the tree chunking needs: the text is not parsed twice.
      const chunks = await chunkCode(text, language, t.mode, tree);
      out.push({
        ...detected,
        chunks: chunks.map((c) => {
          const body = text.slice(c.start, c.end);
          return {
            start: c.start,
            end: c.end,
            startLine: c.startLine,
            endLine: c.endLine,
            astCounts: c.astCounts,
            imports: c.imports,
            id: sampleIdOf(body),
            tokens: estimateTokens(body),
            ...(textStats ? { stats: textStats(body, language) } : {}),
          };
        }),
      });
    } catch (e) {
      out.push({ ...detected, error: (e as Error).message });
    }
  }
  return out;
}

const embedders = new Map<string, Promise<Embedder>>();

/** Embeds in order; returns `texts.length * dims` floats, row-major. */
export async function runEmbedTask(t: EmbedTask): Promise<Float32Array> {
  const key = JSON.stringify(t.spec);
  let p = embedders.get(key);
  if (!p) embedders.set(key, (p = import('../embed/index.js').then((m) => m.createEmbedder(t.spec))));
  const embedder = await p;
  const vecs = await embedder.embed(
    t.texts.map((text, i) => ({ text, language: t.languages[i], astCounts: JSON.parse(t.ast[i] || '{}') })),
  );
  const flat = new Float32Array(vecs.length * embedder.dims);
  for (let i = 0; i < vecs.length; i++) flat.set(vecs[i], i * embedder.dims);
  return flat;
}

export async function runPromptTask(t: PromptTask): Promise<BuiltPrompt[]> {
  // NOTE: loaded on first use: the tokenizer table and the secret scanner are not needed by
  // commands that never label.
  const { buildPrompts } = await import('../label/prompt-build.js');
  return buildPrompts(t.template, t.items, t.maxInputTokens);
}

let tokenCounter: TokenCounter | null = null;

export async function runCpuTask(
  t: CpuTask,
): Promise<
  | ChunkResult[]
  | Float32Array
  | BuiltPrompt[]
  | MinhashSketches
  | Int32Array
  | GateWork
  | ContaminationMatch[][]
  | ScanResult[]
  | TextStats[]
  | LaterCandidates
  | number
> {
  switch (t.kind) {
    case 'scan':
      return (await import('../hygiene/scan-text.js')).scanTexts(t.texts);
    case 'stats': {
      const { textStats } = await import('../hygiene/heuristics.js');
      return t.texts.map((x, i) => textStats(x, t.languages[i]));
    }
    case 'contamination':
      return runContaminationTask(t);
    case 'chunk':
      return runChunkTask(t);
    case 'embed':
      return runEmbedTask(t);
    case 'synth-gate':
      return (await import('../synth/gates.js')).gateWork(t.synthKind, t.text, t.nearDup);
    case 'prompts':
      return runPromptTask(t);
    case 'minhash':
      return (await import('../curate/minhash.js')).minhashSketches(t.texts, t.ngram, t.numPerm, t.bands, t.rows);
    case 'lsh-hash': {
      const { LshHasher } = await import('../curate/cosine-lsh.js');
      new LshHasher(t.params).hashMembers(t.data, t.members, t.from, t.to, t.keys, t.sketch, t.pre);
      return t.to - t.from;
    }
    case 'lsh-prebits': {
      const { LshHasher } = await import('../curate/cosine-lsh.js');
      const h = LshHasher.forPoolBits(t.dim, t.rotations, t.seed);
      for (let i = 0; i < t.rows; i++) h.poolBitsFor(t.data, i, t.out, (t.outRow + i) * h.poolWords);
      return t.rows;
    }
    case 'parquet':
      await (await import('../curate/writers.js')).writeParquet(t.rows, t.file, t.createdBy);
      return t.rows.length;
    case 'lsh-tables':
      return (await import('../curate/lsh-candidates.js')).sortTables(t.out, t.members, t.hashed, t.tFrom, t.tTo);
    case 'lsh-candidates':
      return (await import('../curate/lsh-candidates.js')).laterCandidates(t.tables, t.removed, t.from, t.to);
    case 'count': {
      // NOTE: one memoized counter per thread: pieces repeat across batches.
      const { TokenCounter } = await import('../ingest/token-count.js');
      tokenCounter ??= new TokenCounter();
      return Int32Array.from(t.texts, (x) => tokenCounter!.count(x));
    }
  }
}
