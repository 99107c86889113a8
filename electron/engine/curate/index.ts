// The curation core's public surface; hosts (CLI, IPC, web) import from here only.
export * from './candidate.js';
export * from './select.js';
export * from './dedup.js';
export * from './minhash.js';
export * from './cosine-lsh.js';
export * from './unit-vectors.js';
export * from './benchmarks.js';
export * from './decontaminate.js';
export * from './budget.js';
export * from './writers.js';
export * from './dataset-card.js';
export * from './manifest.js';
export * from './output-dir.js';
export * from './export-run.js';
