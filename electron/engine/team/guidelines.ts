import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Guideline } from '../../../shared/contract/team.js';
import { CodedError } from '../../../shared/errors.js';
import { RESOURCES_DIR } from '../label/templates.js';
import type { DatasetStore } from '../store/dataset-store.js';

/**
 * The dataset's labeling rubric: markdown, one row per saved version in the `guidelines` table.
 * Until someone saves one, version 1 is the built-in phi-1 rubric (resources/guidelines), so
 * every human label can name the version it was made under from the first label on.
 */
const SEED_FILE = join(RESOURCES_DIR, 'guidelines', 'phi1-rubric.md');
const current = new WeakMap<DatasetStore, number>();

async function seed(): Promise<Guideline> {
  return { version: 1, body: await readFile(SEED_FILE, 'utf8'), author: 'built-in (phi-1 rubric)', createdAt: '' };
}

async function allVersions(store: DatasetStore): Promise<Guideline[]> {
  const rows = await (await store.table('guidelines')).query().toArray();
  return rows
    .map((r) => ({
      version: r.version as number,
      body: r.body as string,
      author: r.author as string,
      createdAt: r.created_at as string,
    }))
    .sort((a, b) => a.version - b.version);
}

export async function getGuideline(store: DatasetStore, version?: number): Promise<Guideline & { versions: number }> {
  const all = await allVersions(store);
  if (!all.length) all.push(await seed());
  const g = version === undefined ? all[all.length - 1] : all.find((x) => x.version === version);
  if (!g) throw new CodedError('not_found', `no guideline version ${version} (have 1-${all.length})`);
  return { ...g, versions: all.length };
}

/** Saves a new version (never edits an old one); the seed is stored first as version 1. */
export async function saveGuideline(store: DatasetStore, body: string, author: string): Promise<Guideline> {
  const t = await store.table('guidelines');
  const all = await allVersions(store);
  const rows: { version: number; body: string; author: string; created_at: string }[] = [];
  if (!all.length) {
    const s = await seed();
    rows.push({ version: 1, body: s.body, author: s.author, created_at: new Date().toISOString() });
  }
  const version = (all.at(-1)?.version ?? 1) + 1;
  const g = { version, body, author, createdAt: new Date().toISOString() };
  rows.push({ version, body, author, created_at: g.createdAt });
  await t.add(rows);
  current.set(store, version);
  return g;
}

/** The version new human labels record (cached per store; saves update it). */
export async function currentGuidelineVersion(store: DatasetStore): Promise<number> {
  let v = current.get(store);
  if (v === undefined) {
    v = (await getGuideline(store)).version;
    current.set(store, v);
  }
  return v;
}

/** Sample ids a guideline links to as examples: `(sample:ID)` markdown links. */
export function exampleIds(body: string): string[] {
  return [...body.matchAll(/\(sample:([A-Za-z0-9_-]+)\)/g)].map((m) => m[1]);
}
