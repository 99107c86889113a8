import { pushAll } from '../../../shared/arrays.js';
import { CodedError } from '../../../shared/errors.js';
import type { BenchmarkItem } from './benchmarks.js';
import { CosineLsh, planLsh } from './cosine-lsh.js';
import { throwIfAborted } from './hashing.js';
import { dotAcross, packUnitVectors } from './unit-vectors.js';

/** Decontamination's embedding match: samples against benchmark items by cosine (decontaminate.ts). */

/** What a check needs of a sample. */
export interface ContaminationInput {
  id: string;
  text: string;
  embedding: Float32Array | null;
}

async function embedAll(
  texts: string[],
  embed: (t: string[]) => Promise<Float32Array[]>,
  batch: number,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batch) {
    throwIfAborted(signal);
    const part = texts.slice(i, i + batch);
    const vecs = await embed(part);
    if (vecs.length !== part.length)
      throw new Error(`embedder returned ${vecs.length} vectors for ${part.length} texts`);
    pushAll(out, vecs);
  }
  return out;
}

/**
 * Up to this many benchmark items, every sample is compared with every item (no LSH): ~0.5 ms
 * per sample at 256 dimensions, against ~13 us for LSH over 5,000 items.
 */
export const EXHAUSTIVE_ITEMS = 2000;

/** Benchmark item vectors packed once, with an LSH index when exhaustive search would be slow. */
export class ItemVectors {
  private constructor(
    readonly iv: ReturnType<typeof packUnitVectors>,
    readonly cosine: number,
    private readonly embedText: (texts: string[]) => Promise<Float32Array[]>,
    private readonly batch: number,
  ) {}
  private lsh: CosineLsh | null = null;

  static async create(
    items: readonly BenchmarkItem[],
    opts: {
      cosine: number;
      embedText?: (texts: string[]) => Promise<Float32Array[]>;
      batchSize?: number;
      signal?: AbortSignal;
    },
  ) {
    if (!opts.embedText)
      throw new CodedError('invalid_input', 'decontaminate.cosine is set but no embedder (embedText) was provided');
    const batch = opts.batchSize ?? 64;
    const vecs = await embedAll(
      items.map((it) => it.text),
      opts.embedText,
      batch,
      opts.signal,
    );
    return new ItemVectors(packUnitVectors(vecs), opts.cosine, opts.embedText, batch);
  }

  /** For each sample position, the (item, cosine) pairs at or above the threshold. */
  async match(
    samples: readonly ContaminationInput[],
    signal?: AbortSignal,
  ): Promise<Map<number, { item: number; sim: number }[]>> {
    const iv = this.iv;
    const missing = samples.map((r, i) => (r.embedding ? -1 : i)).filter((i) => i >= 0);
    const filled = await embedAll(
      missing.map((i) => samples[i].text),
      this.embedText,
      this.batch,
      signal,
    );
    const sampleVecs = samples.map((r) => r.embedding);
    missing.forEach((pos, k) => (sampleVecs[pos] = filled[k]));
    const wrong = sampleVecs.find((v) => v !== null && v.length !== iv.dim);
    if (wrong) {
      throw new Error(
        `benchmark embeddings have ${iv.dim} dimensions but sample embeddings have ${wrong.length}: embedText must be the samples' embedder`,
      );
    }
    const sv = packUnitVectors(sampleVecs, iv.dim);
    const out = new Map<number, { item: number; sim: number }[]>();
    const note = (s: number, j: number) => {
      const sim = dotAcross(sv.data, s, iv.data, j, iv.dim);
      if (sim < this.cosine) return;
      const list = out.get(s) ?? [];
      list.push({ item: j, sim });
      out.set(s, list);
    };
    // Exhaustive while it is cheap; otherwise LSH over the items proposes, exact cosine decides.
    // NOTE: decided by the item count alone. A rule on samples x items switched a run's last,
    // partial batch to exhaustive search, so a pair at the threshold that LSH may miss could be
    // flagged or not depending on where the batches were cut.
    const items = iv.valid.length;
    const exhaustive = items <= EXHAUSTIVE_ITEMS;
    if (!exhaustive && !this.lsh) this.lsh = new CosineLsh(iv, { ...planLsh(iv, this.cosine), threshold: this.cosine });
    for (let s = 0; s < samples.length; s++) {
      if ((s & 1023) === 0) throwIfAborted(signal);
      if (!sv.valid[s]) continue;
      if (!exhaustive) this.lsh!.forEachCandidateOfVector(sv.data, s, (j) => note(s, j));
      else for (let j = 0; j < items; j++) if (iv.valid[j]) note(s, j);
    }
    for (const list of out.values()) list.sort((a, b) => a.item - b.item);
    return out;
  }
}
