import { HEURISTIC_WHERE_FIELDS, HeuristicValues } from './heuristic-values.js';
import type { TextStats } from './heuristics.js';
import { DECLARED_FIELDS } from './meta-fields.js';
import { SCAN_METHOD } from './scan-method.js';
import { SENSITIVE_KINDS, flagOf, type SensitiveKind, type SensitiveSpan } from './spans.js';

/** A declared metadata field's value: numbers stay numbers so `repo_stars >= 100` compares numerically. */
export type FieldValue = string | number;

type HygieneKind = 'secret' | 'pii' | 'license';
interface AnnotationView {
  method: string;
  subject: string;
  evidence: Record<string, unknown>;
}
/** The part of the shared AnnotationStore (store/annotation-store.ts) the hygiene features use. */
export interface HygieneAnnotations {
  version: number;
  checkedBy(sampleId: string, kind: HygieneKind): unknown;
  activeOf(sampleId: string, kind: HygieneKind): AnnotationView[];
  annotatedSamples(kind: HygieneKind): IterableIterator<string>;
}

/** A stored secret / PII annotation back to its span (evidence holds offsets and kind, never the value). */
export function spanOfAnnotation(a: AnnotationView): SensitiveSpan | null {
  const { start, end, kind } = a.evidence as { start?: unknown; end?: unknown; kind?: unknown };
  if (typeof start !== 'number' || typeof end !== 'number') return null;
  if (!(SENSITIVE_KINDS as readonly unknown[]).includes(kind)) return null;
  return { kind: kind as SensitiveKind, rule: a.method, start, end };
}

/**
 * What `--where`, list rows and the export read about a sample's hygiene, without touching
 * LanceDB: sensitive spans (and the flags they imply) and licenses come from the shared
 * annotations (a person's overrule hides a finding), declared metadata fields from their own table.
 */
export class HygieneIndex {
  private fields = new Map<string, Map<string, FieldValue>>();
  private fieldVersion = 0;
  /** Heuristic text statistics (line lengths, alphanumeric fraction, ...) per sample. */
  readonly heuristics: HeuristicValues;

  /** `rowOf`: a sample's row in the sample index, where per-sample columns are kept. */
  constructor(
    private readonly annotations: HygieneAnnotations,
    rowOf?: (id: string) => number | undefined,
  ) {
    this.heuristics = new HeuristicValues(rowOf);
  }

  get version() {
    return `${this.annotations.version}:${this.fieldVersion}:${this.heuristics.version}`;
  }

  isScanned(id: string): boolean {
    return this.annotations.checkedBy(id, 'secret') !== null && this.annotations.checkedBy(id, 'pii') !== null;
  }
  /**
   * Spans to redact text that leaves the machine (exports, prompts): only from a scan by today's
   * detectors (SCAN_METHOD); undefined otherwise, and the caller scans the text now. An older scan
   * may have missed what today's rules find (a `secretlint-disable` comment silenced it).
   */
  spansOf(id: string): SensitiveSpan[] | undefined {
    const scope = (kind: HygieneKind) => (this.annotations.checkedBy(id, kind) as { scope?: string } | null)?.scope;
    if (scope('secret') !== SCAN_METHOD || scope('pii') !== SCAN_METHOD) return undefined;
    return this.displaySpansOf(id);
  }

  /** Current spans not overruled, from whichever scan: what review shows. Undefined when never scanned. */
  displaySpansOf(id: string): SensitiveSpan[] | undefined {
    if (!this.isScanned(id)) return undefined;
    const out: SensitiveSpan[] = [];
    for (const kind of ['secret', 'pii'] as const)
      for (const a of this.annotations.activeOf(id, kind)) {
        const s = spanOfAnnotation(a);
        if (s) out.push(s);
      }
    return out.sort((a, b) => a.start - b.start);
  }
  flagsOf(id: string): string[] {
    return [...new Set((this.displaySpansOf(id) ?? []).map(flagOf))].sort();
  }

  /** Dataset totals: samples with any active span, and samples per kind. */
  totals(): { flagged: number; byKind: Record<SensitiveKind, number> } {
    const byKind = Object.fromEntries(SENSITIVE_KINDS.map((k) => [k, 0])) as Record<SensitiveKind, number>;
    const ids = new Set([...this.annotations.annotatedSamples('secret'), ...this.annotations.annotatedSamples('pii')]);
    let flagged = 0;
    for (const id of ids) {
      const kinds = new Set((this.displaySpansOf(id) ?? []).map((s) => s.kind));
      if (kinds.size) flagged++;
      for (const k of kinds) byKind[k]++;
    }
    return { flagged, byKind };
  }

  /** SPDX ids, or [] when unknown. */
  /** Stored heuristic statistics (of the stored text), or null: the caller computes them. */
  statsOf(id: string): TextStats | null {
    return this.heuristics.stats(id);
  }

  licensesOf(id: string): string[] {
    return [...new Set(this.annotations.activeOf(id, 'license').map((a) => a.subject))].sort();
  }

  setField(id: string, field: string, value: FieldValue) {
    let m = this.fields.get(field);
    if (!m) this.fields.set(field, (m = new Map()));
    m.set(id, value);
    this.fieldVersion++;
  }
  fieldNames(): string[] {
    return [...this.fields.keys()].sort();
  }

  /**
   * The `--where` getter of a hygiene field, or undefined when `name` is not one. `flags` and
   * `license` are multi-valued: a comparison holds when it holds for any value. A sample without
   * flags has `flags` NULL; one without a known license has `license` = 'unknown'.
   */
  whereField(name: string): ((id: string) => FieldValue | readonly string[] | null) | undefined {
    if (name === 'flags')
      return (id) => {
        const f = this.flagsOf(id);
        return f.length ? f : null;
      };
    if (name === 'flagged') return (id) => ((this.displaySpansOf(id) ?? []).length ? 1 : 0);
    if (name === 'license')
      return (id) => {
        const l = this.licensesOf(id);
        return l.length ? l : ['unknown'];
      };
    // NOTE: a sample without stored statistics reads NULL, so `max_line_length > 1000` never
    // matches it and `max_line_length IS NULL` finds what `tbs scan` still has to fill.
    if ((HEURISTIC_WHERE_FIELDS as readonly string[]).includes(name)) return (id) => this.heuristics.value(id, name);
    if (!(name in DECLARED_FIELDS) && !this.fields.has(name)) return undefined;
    return (id) => this.fields.get(name)?.get(id) ?? null;
  }
  whereFieldNames(): string[] {
    return [
      ...new Set([
        'flags',
        'flagged',
        'license',
        ...HEURISTIC_WHERE_FIELDS,
        ...Object.keys(DECLARED_FIELDS),
        ...this.fieldNames(),
      ]),
    ];
  }
}
