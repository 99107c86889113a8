import type { FieldValue } from './hygiene-index.js';

/**
 * The declared, indexed subset of import metadata that `--where` can reach: each field is
 * extracted once at import from the first row key that has it, stored in its own table and held
 * in memory, so a query compares typed values instead of parsing every sample's metadata JSON.
 * Keys are The Stack v1 / v2 and common JSONL spellings. Rows with other keys keep them in
 * `metadata` as before; `tbs import --meta-fields a,b` declares more (kept as given).
 */
export const DECLARED_FIELDS: Record<string, { from: readonly string[]; type: 'number' | 'string' }> = {
  repo_stars: {
    from: ['max_stars_count', 'repo_stars', 'stars', 'stargazers_count', 'star_events_count'],
    type: 'number',
  },
  repo_forks: { from: ['max_forks_count', 'repo_forks', 'forks', 'fork_events_count'], type: 'number' },
  repo_issues: { from: ['max_issues_count', 'repo_issues'], type: 'number' },
  repo_name: { from: ['max_stars_repo_name', 'repo_name', 'repository_name'], type: 'string' },
  file_size: { from: ['size', 'length_bytes', 'file_size'], type: 'number' },
  ext: { from: ['ext', 'extension'], type: 'string' },
};

/** Field names must be plain identifiers so the `--where` grammar can name them. */
export const FIELD_NAME = /^[a-z_][a-z0-9_]*$/;

export function extractFields(meta: Record<string, unknown>, extra: readonly string[] = []): [string, FieldValue][] {
  const out: [string, FieldValue][] = [];
  for (const [name, spec] of Object.entries(DECLARED_FIELDS)) {
    for (const key of spec.from) {
      const v = meta[key];
      if (v === null || v === undefined) continue;
      if (spec.type === 'number') {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isFinite(n)) out.push([name, n]);
      } else if (typeof v === 'string' || typeof v === 'number') out.push([name, String(v)]);
      break;
    }
  }
  for (const key of extra) {
    const v = meta[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push([key, v]);
    else if (typeof v === 'string' || typeof v === 'boolean') out.push([key, String(v)]);
  }
  return out;
}
