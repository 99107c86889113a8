import type { ContaminatedSample, ContaminationMatch } from '../curate/decontaminate.js';
import type { RankedCandidate } from '../curate/select.js';
import { scanTexts, type Scanner } from './scan-text.js';
import { mergeSpans, redactText, type SensitiveSpan } from './spans.js';

/**
 * Redaction of everything an export writes besides the sample text: the row metadata columns,
 * the imports chart's module names and the decontamination evidence quoted from samples. Each
 * value goes through the same scanner as the text (`scanTexts`) and gets the same placeholders,
 * so `users/<EMAIL>/notes.py` or `<IP_ADDRESS>/acme/lib`.
 */

/** What an export redacts; part of the store export's inputs fingerprint. */
export const EXPORT_REDACTION = 'text+fields+modules+evidence@2';

/** Scans distinct strings once (an export repeats repos, sources and modules many times). */
export class ValueRedactor {
  private readonly done = new Map<string, string>();
  constructor(private readonly scan: Scanner = scanTexts) {}

  /** The redacted form of each value, in order (equal to the value when nothing was found). */
  async redactAll(values: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const todo = [...new Set(values.filter((v) => v !== '' && !this.done.has(v)))];
    for (let i = 0; i < todo.length; i += 2000) {
      if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
      const batch = todo.slice(i, i + 2000);
      const res = await this.scan(batch);
      batch.forEach((v, k) => this.done.set(v, redactText(v, res[k].spans)));
    }
    return values.map((v) => this.done.get(v) ?? v);
  }
}

/** The free-text columns `toExportRow` writes besides `text` (ids are content hashes, scores numbers). */
export const REDACTED_FIELDS = ['source', 'repo', 'path', 'language'] as const;
export type RedactedField = (typeof REDACTED_FIELDS)[number];

/**
 * Redacts the metadata columns of each candidate; returns the candidates (new objects where a
 * field changed) and, per field, how many samples had it redacted.
 */
export async function redactCandidateFields(
  items: readonly RankedCandidate[],
  signal?: AbortSignal,
  scan: Scanner = scanTexts,
): Promise<{ kept: RankedCandidate[]; fields: Record<RedactedField, number> }> {
  const fields = Object.fromEntries(REDACTED_FIELDS.map((f) => [f, 0])) as Record<RedactedField, number>;
  const values = items.flatMap((r) => REDACTED_FIELDS.map((f) => r.candidate[f] ?? ''));
  const red = await new ValueRedactor(scan).redactAll(values, signal);
  const kept = items.map((r, i) => {
    let c = r.candidate;
    REDACTED_FIELDS.forEach((f, k) => {
      const was = values[i * REDACTED_FIELDS.length + k];
      const now = red[i * REDACTED_FIELDS.length + k];
      if (now === was) return;
      fields[f]++;
      c = { ...c, [f]: now };
    });
    return c === r.candidate ? r : { ...r, candidate: c };
  });
  return { kept, fields };
}

/** Each sample's module list with flagged module names redacted (deduplicated per sample). */
export async function redactModuleLists(
  byId: ReadonlyMap<string, readonly string[]>,
  ids: readonly string[],
  redactor = new ValueRedactor(),
): Promise<Map<string, string[]>> {
  const lists = ids.map((id) => byId.get(id) ?? []);
  const red = await redactor.redactAll(lists.flat());
  const out = new Map<string, string[]>();
  let at = 0;
  ids.forEach((id, i) => {
    out.set(id, [...new Set(red.slice(at, at + lists[i].length))]);
    at += lists[i].length;
  });
  return out;
}

/**
 * The original text of a sample and its spans (stored, or scanned now). `originalsOf` may leave
 * out a sample with no spans: its evidence is quoted as matched (and still scanned once more).
 */
export interface OriginalSample {
  text: string;
  spans: SensitiveSpan[];
}

/**
 * Decontamination evidence as an export may quote it. Stored evidence comes from the sample's
 * original text: its spans are mapped onto the evidence range (so a secret cut by the 4,000
 * character limit is still replaced whole), n-gram evidence (lower-cased tokens, where an email is
 * `a . b @ c . d` and no scanner would see it) that overlaps a span becomes the redacted slice of
 * the text, evidence that cannot be located in a sample that has spans is dropped, and every
 * evidence left is scanned once more.
 */
export async function redactContamination(
  samples: readonly ContaminatedSample[],
  originalsOf: (ids: string[]) => Promise<ReadonlyMap<string, OriginalSample>>,
  scan: Scanner = scanTexts,
): Promise<ContaminatedSample[]> {
  // NOTE: one lookup for all of them: fetched one by one, originals cost an export 15 ms a sample.
  const quoted = samples.filter((s) => s.matches.some((m) => m.evidence !== null)).map((s) => s.sampleId);
  const originals = await originalsOf(quoted);
  const out = samples.map((s) => {
    const orig = originals.get(s.sampleId) ?? null;
    return orig ? { ...s, matches: s.matches.map((m) => mappedEvidence(m, orig)) } : s;
  });
  const evidence = out.flatMap((s) => s.matches.map((m) => m.evidence ?? ''));
  const red = await new ValueRedactor(scan).redactAll(evidence);
  let i = 0;
  return out.map((s) => ({
    ...s,
    matches: s.matches.map((m) => {
      const e = red[i++];
      return m.evidence === null ? m : { ...m, evidence: e };
    }),
  }));
}

const AST_EVIDENCE_CHARS = 4000;

function mappedEvidence(m: ContaminationMatch, orig: OriginalSample | null): ContaminationMatch {
  if (m.evidence === null || !orig) return m;
  const spans = mergeSpans(orig.spans);
  if (!spans.length) return m;
  if (!m.sampleSpan) return { ...m, evidence: null };
  const a = Math.max(0, m.sampleSpan[0]);
  const b = Math.min(orig.text.length, m.sampleSpan[1], m.method === 'ast' ? a + AST_EVIDENCE_CHARS : Infinity);
  const inside = spans
    .filter((x) => x.start < b && x.end > a)
    .map((x) => ({ ...x, start: Math.max(x.start, a) - a, end: Math.min(x.end, b) - a }));
  if (!inside.length) return m;
  return { ...m, evidence: redactText(orig.text.slice(a, b), inside) };
}
