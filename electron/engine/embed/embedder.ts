/** What an embedder sees of a sample: its text plus the structure computed once at import. */
export interface EmbedInput {
  text: string;
  /** Monaco language id (`python`, `javascript`, ...); selects comment and string syntax. */
  language: string;
  /** tree-sitter named node-kind counts, e.g. `{ function_definition: 3, comment: 5 }`; `{}` when unknown. */
  astCounts: Record<string, number>;
}

/**
 * Turns samples into fixed-length vectors. Vectors are stored per (sample, embedder id), so an
 * id must change whenever the same input could yield a different vector: it names the model,
 * the dimensionality and the feature version (`hash-v1-512`).
 */
export interface Embedder {
  readonly id: string;
  readonly dims: number;
  /**
   * Set when the embedder is pure CPU and can be rebuilt from plain options in a worker thread
   * (the hash embedder). Network and ONNX embedders leave it unset and run where they are.
   */
  readonly workerSpec?: { kind: 'hash'; dims?: number };
  /** One vector per input, in order. Rejects with the signal's reason once aborted. */
  embed(batch: EmbedInput[], signal?: AbortSignal): Promise<Float32Array[]>;
}
