/** Synthetic results as corpus samples: building, writing and repairing them, and the duplicate gate's reference. */
import { randomUUID } from 'node:crypto';
import type { Sample } from '../../../shared/domain.js';
import type { SynthKind } from '../../../shared/enums.js';
import { estimateTokens, sampleIdOf } from '../ingest/normalize.js';
import { recordImports } from '../stats/imports-stat.js';
import type { DatasetStore } from '../store/dataset-store.js';
import { sampleToRow, type SampleRowRecord } from '../store/row-mapping.js';
import { DuplicateIndex, syntaxGate, type ParsedResult } from './gates.js';
import type { SynthResults } from './synth-results.js';

const LANGUAGE = { exercises: 'python', textbook: 'markdown' } as const;

/** Writes stored results as samples: LanceDB rows first, then the in-memory index learns of them. */
export class SampleWriter {
  private rows: SampleRowRecord[] = [];
  private imports: { sampleId: string; modules: string[] }[] = [];
  private chain: Promise<void> = Promise.resolve();
  readonly importId = randomUUID();
  constructor(private readonly store: DatasetStore) {}

  push(sample: Sample, imports: string[]) {
    this.rows.push(sampleToRow(sample, this.importId));
    this.imports.push({ sampleId: sample.id, modules: imports });
    if (this.rows.length >= 200) void this.flush();
  }

  flush(): Promise<void> {
    const rows = this.rows.splice(0);
    const imports = this.imports.splice(0);
    this.chain = this.chain.then(async () => {
      if (!rows.length) return;
      await (await this.store.table('samples')).add(rows);
      await recordImports(this.store, imports);
      for (const r of rows)
        this.store.index.add({
          id: r.id,
          source: r.source,
          path: r.path,
          language: r.language,
          tokens: r.tokens,
          tokensExact: false,
        });
    });
    return this.chain;
  }
}

export function synthSample(
  kind: SynthKind,
  parsed: ParsedResult,
  metadata: Record<string, unknown>,
  index: number,
  seed: number,
): Sample {
  return {
    id: sampleIdOf(parsed.text),
    text: parsed.text,
    language: LANGUAGE[kind],
    source: `synthetic:${kind}`,
    repo: null,
    path: `synthetic/${kind}/seed-${seed}/${index}`,
    startLine: null,
    endLine: null,
    chunk: 'file',
    tokens: estimateTokens(parsed.text),
    tokensExact: false,
    metadata,
    astCounts: parsed.astCounts,
    importedAt: new Date().toISOString(),
  };
}

/** Re-creates samples of stored results whose sample row never landed (a crash between the two writes). */
export async function repairStored(store: DatasetStore, results: SynthResults, writer: SampleWriter): Promise<number> {
  let repaired = 0;
  for (const r of await results.rows(`status = 'stored'`, (r) => r.status === 'stored')) {
    if (!r.sample_id || !r.text || store.index.has(r.sample_id)) continue;
    const parsed = await syntaxGate(r.kind, r.text);
    if (!parsed.ok) continue;
    const meta = JSON.parse(r.metadata) as Record<string, unknown>;
    writer.push(synthSample(r.kind, parsed.value, meta, r.idx, r.seed), parsed.value.imports);
    repaired++;
  }
  await writer.flush();
  return repaired;
}

/** The corpus (and earlier generations) of the output language, as the duplicate gate's reference. */
export async function buildDuplicateIndex(
  store: DatasetStore,
  kind: SynthKind,
  threshold: number,
  signal?: AbortSignal,
) {
  const dup = new DuplicateIndex(threshold, (id) => store.index.has(id));
  const t = await store.table('samples');
  for await (const b of t.query().where(`language = '${LANGUAGE[kind]}'`).select(['id', 'text'])) {
    const id = b.getChild('id')!;
    const text = b.getChild('text')!;
    for (let i = 0; i < b.numRows; i++) dup.add(text.get(i), id.get(i));
    if (signal?.aborted) break;
  }
  return dup;
}
