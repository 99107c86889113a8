import type { ChunkMode } from '../../../shared/enums.js';
import { chunkCode } from '../ingest/code-parser.js';
import { hasGrammar } from '../ingest/grammars.js';
import { estimateTokens, sampleIdOf } from '../ingest/normalize.js';
import { createEmbedder, type EmbedderSpec, type Embedder } from '../embed/index.js';

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
  /** Each text's language (absent: all Python, as before languages had grammars). */
  languages?: string[];
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
}

export type ChunkResult = { chunks: ChunkOut[] } | { error: string };

export interface EmbedTask {
  kind: 'embed';
  spec: EmbedderSpec;
  texts: string[];
  languages: string[];
  /** ast_counts as stored (JSON), parsed here rather than on the main thread. */
  ast: string[];
}

export type CpuTask = ChunkTask | EmbedTask;

export async function runChunkTask(t: ChunkTask): Promise<ChunkResult[]> {
  const out: ChunkResult[] = [];
  for (let i = 0; i < t.texts.length; i++) {
    const text = t.texts[i];
    const language = t.languages?.[i] ?? 'python';
    try {
      if (!hasGrammar(language)) throw new Error(`no grammar for ${language}`);
      const chunks = await chunkCode(text, language, t.mode);
      out.push({
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
          };
        }),
      });
    } catch (e) {
      out.push({ error: (e as Error).message });
    }
  }
  return out;
}

const embedders = new Map<string, Promise<Embedder>>();

/** Embeds in order; returns `texts.length * dims` floats, row-major. */
export async function runEmbedTask(t: EmbedTask): Promise<Float32Array> {
  const key = JSON.stringify(t.spec);
  let p = embedders.get(key);
  if (!p) embedders.set(key, (p = createEmbedder(t.spec)));
  const embedder = await p;
  const vecs = await embedder.embed(
    t.texts.map((text, i) => ({ text, language: t.languages[i], astCounts: JSON.parse(t.ast[i] || '{}') })),
  );
  const flat = new Float32Array(vecs.length * embedder.dims);
  for (let i = 0; i < vecs.length; i++) flat.set(vecs[i], i * embedder.dims);
  return flat;
}

export async function runCpuTask(t: CpuTask): Promise<ChunkResult[] | Float32Array> {
  return t.kind === 'chunk' ? runChunkTask(t) : runEmbedTask(t);
}
