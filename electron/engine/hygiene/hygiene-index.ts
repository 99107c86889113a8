import { DECLARED_FIELDS } from './meta-fields.js';
import { SENSITIVE_KINDS, type SensitiveKind, type SensitiveSpan } from './spans.js';

/** A declared metadata field's value: numbers stay numbers so `repo_stars >= 100` compares numerically. */
export type FieldValue = string | number;

/**
 * In-memory facts about samples that `--where`, list rows and the export read without touching
 * LanceDB: sensitive spans (and the flags they imply), licenses, and the declared metadata fields.
 * Keyed by sample id; loaded from the annotation and field tables when the dataset opens and kept
 * current by the scan and the importer.
 */
export class HygieneIndex {
  private spans = new Map<string, SensitiveSpan[]>();
  private flags = new Map<string, string[]>();
  private licenses = new Map<string, string[]>();
  private fields = new Map<string, Map<string, FieldValue>>();
  private scanned = new Set<string>();
  /** Bumped on every change, so list caches know when they are stale. */
  version = 0;

  setScan(id: string, spans: SensitiveSpan[], flags: string[]) {
    this.scanned.add(id);
    if (spans.length) {
      this.spans.set(id, spans);
      this.flags.set(id, flags);
    } else {
      this.spans.delete(id);
      this.flags.delete(id);
    }
    this.version++;
  }
  isScanned(id: string) {
    return this.scanned.has(id);
  }
  get scannedCount() {
    return this.scanned.size;
  }
  spansOf(id: string): SensitiveSpan[] {
    return this.spans.get(id) ?? [];
  }
  flagsOf(id: string): string[] {
    return this.flags.get(id) ?? [];
  }

  /** Dataset totals: samples with any span, and samples per kind. */
  totals(): { flagged: number; byKind: Record<SensitiveKind, number> } {
    const byKind = Object.fromEntries(SENSITIVE_KINDS.map((k) => [k, 0])) as Record<SensitiveKind, number>;
    for (const spans of this.spans.values()) for (const k of new Set(spans.map((s) => s.kind))) byKind[k]++;
    return { flagged: this.spans.size, byKind };
  }
  flaggedIds(): string[] {
    return [...this.spans.keys()];
  }

  setLicenses(id: string, licenses: string[]) {
    if (licenses.length) this.licenses.set(id, licenses);
    else this.licenses.delete(id);
    this.version++;
  }
  /** SPDX ids, or [] when unknown. */
  licensesOf(id: string): string[] {
    return this.licenses.get(id) ?? [];
  }
  licenseCounts(ids: Iterable<string>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const id of ids) {
      const ls = this.licensesOf(id);
      const key = ls.length ? ls.join(' OR ') : 'unknown';
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  setField(id: string, field: string, value: FieldValue) {
    let m = this.fields.get(field);
    if (!m) this.fields.set(field, (m = new Map()));
    m.set(id, value);
    this.version++;
  }
  fieldNames(): string[] {
    return [...this.fields.keys()].sort();
  }

  /**
   * The `--where` getter of a hygiene field, or undefined when `name` is not one. `flags` and
   * `license` are multi-valued: a comparison holds when it holds for any value, and a sample with
   * none is NULL (`flags IS NULL` = not flagged; `license` reads `unknown` when none is known).
   */
  whereField(name: string): ((id: string) => FieldValue | readonly string[] | null) | undefined {
    if (name === 'flags') return (id) => this.flags.get(id) ?? null;
    if (name === 'license') return (id) => this.licenses.get(id) ?? ['unknown'];
    if (name === 'flagged') return (id) => (this.spans.has(id) ? 1 : 0);
    if (!(name in DECLARED_FIELDS) && !this.fields.has(name)) return undefined;
    return (id) => this.fields.get(name)?.get(id) ?? null;
  }
  whereFieldNames(): string[] {
    return [...new Set(['flags', 'flagged', 'license', ...Object.keys(DECLARED_FIELDS), ...this.fieldNames()])];
  }
}
