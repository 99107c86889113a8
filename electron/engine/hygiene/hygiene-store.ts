import { createHash } from 'node:crypto';
import type { DatasetStore } from '../store/dataset-store.js';
import type { FieldValue, HygieneIndex } from './hygiene-index.js';
import type { LicenseFinding } from './license-detect.js';
import { SCAN_METHOD, type ScanResult } from './scan-text.js';

/**
 * Persistence of hygiene facts. Secret / PII spans and licenses are annotations in the shared
 * table (kind `secret` | `pii` | `license`, method = the rule or the license source, evidence =
 * offsets or the metadata field / file); declared metadata fields go to `sample_fields`.
 *
 * NOTE: evidence never holds the secret itself (offsets and kind only) and the subject holds a
 * hash of it, so decisions survive re-scans without the value being copied anywhere.
 */
export const LICENSE_SCOPE = 'license-sources@1';

export interface AnnotationWriter {
  recordRun(
    run: { kind: 'secret' | 'pii' | 'license'; scope: string; params?: Record<string, unknown> },
    checked: Iterable<string>,
    found: { sampleId: string; method: string; subject: string; evidence: Record<string, unknown> }[],
  ): Promise<unknown>;
}

const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export async function recordScan(
  annotations: AnnotationWriter,
  items: { id: string; text: string; result: ScanResult }[],
): Promise<void> {
  if (!items.length) return;
  const ids = items.map((i) => i.id);
  for (const kind of ['secret', 'pii'] as const) {
    const found = items.flatMap((i) =>
      i.result.spans
        .filter((s) => (kind === 'pii') === (s.kind === 'email' || s.kind === 'ip'))
        .map((s) => ({
          sampleId: i.id,
          method: s.rule,
          subject: `${s.rule}:${short(i.text.slice(s.start, s.end))}`,
          evidence: { kind: s.kind, start: s.start, end: s.end },
        })),
    );
    await annotations.recordRun({ kind, scope: SCAN_METHOD, params: { method: SCAN_METHOD } }, ids, found);
  }
}

export async function recordLicenses(
  annotations: AnnotationWriter,
  items: { id: string; licenses: LicenseFinding[] }[],
): Promise<void> {
  if (!items.length) return;
  const found = items.flatMap((i) =>
    i.licenses.map((l) => ({ sampleId: i.id, method: l.method, subject: l.id, evidence: l.evidence })),
  );
  await annotations.recordRun(
    { kind: 'license', scope: LICENSE_SCOPE },
    items.map((i) => i.id),
    found,
  );
}

export async function writeFields(store: DatasetStore, rows: { id: string; field: string; value: FieldValue }[]) {
  if (!rows.length) return;
  const t = await store.table('sample_fields');
  await t.add(
    rows.map((r) => ({
      sample_id: r.id,
      field: r.field,
      num: typeof r.value === 'number' ? r.value : null,
      str: typeof r.value === 'string' ? r.value : null,
    })),
  );
  for (const r of rows) store.hygiene.setField(r.id, r.field, r.value);
}

export async function loadFields(store: DatasetStore, index: HygieneIndex): Promise<void> {
  const t = await store.table('sample_fields');
  for await (const b of t.query().select(['sample_id', 'field', 'num', 'str'])) {
    const [sid, field, num, str] = ['sample_id', 'field', 'num', 'str'].map((n) => b.getChild(n)!);
    for (let i = 0; i < b.numRows; i++) {
      const n = num.get(i) as number | null;
      index.setField(sid.get(i) as string, field.get(i) as string, n ?? (str.get(i) as string));
    }
  }
}
