import type { LabelRecord, Sample } from '../../../shared/domain.js';

/** Conversions between domain objects and LanceDB rows (snake_case, JSON columns as strings). */
export type SampleRowRecord = {
  id: string;
  text: string;
  language: string;
  source: string;
  repo: string | null;
  path: string | null;
  start_line: number | null;
  end_line: number | null;
  chunk: string;
  tokens: number;
  tokens_exact: boolean;
  metadata: string;
  ast_counts: string;
  import_id: string;
  imported_at: string;
};

export function sampleToRow(s: Sample, importId: string): SampleRowRecord {
  return {
    id: s.id,
    text: s.text,
    language: s.language,
    source: s.source,
    repo: s.repo,
    path: s.path,
    start_line: s.startLine,
    end_line: s.endLine,
    chunk: s.chunk,
    tokens: s.tokens,
    tokens_exact: s.tokensExact,
    metadata: JSON.stringify(s.metadata),
    ast_counts: JSON.stringify(s.astCounts),
    import_id: importId,
    imported_at: s.importedAt,
  };
}

export function sampleFromRow(r: SampleRowRecord): Sample {
  return {
    id: r.id,
    text: r.text,
    language: r.language,
    source: r.source,
    repo: r.repo ?? null,
    path: r.path ?? null,
    startLine: r.start_line ?? null,
    endLine: r.end_line ?? null,
    chunk: r.chunk as Sample['chunk'],
    tokens: r.tokens,
    tokensExact: Boolean(r.tokens_exact),
    metadata: JSON.parse(r.metadata || '{}'),
    astCounts: JSON.parse(r.ast_counts || '{}'),
    importedAt: r.imported_at,
  };
}

export function labelToRow(l: LabelRecord) {
  return {
    label_id: l.labelId,
    sample_id: l.sampleId,
    kind: l.kind,
    score: l.score,
    keep: l.keep,
    rationale: l.rationale,
    agent: l.agent,
    origin: l.origin,
    note: l.note,
    retracts: l.retracts,
    details: JSON.stringify(l.details),
    created_at: l.createdAt,
  };
}

export function labelFromRow(r: Record<string, unknown>): LabelRecord {
  return {
    labelId: r.label_id as string,
    sampleId: r.sample_id as string,
    kind: r.kind as LabelRecord['kind'],
    score: (r.score as number | null) ?? null,
    keep: Boolean(r.keep),
    rationale: (r.rationale as string | null) ?? null,
    agent: r.agent as string,
    origin: (r.origin as LabelRecord['origin']) ?? null,
    note: (r.note as string | null) ?? null,
    retracts: (r.retracts as string | null) ?? null,
    details: JSON.parse((r.details as string) || '{}'),
    createdAt: r.created_at as string,
  };
}
