import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DatasetStore } from '../store/dataset-store.js';
import { sqlString } from '../store/dataset-store.js';

/** Prompt templates are data: id, version, text and output schema, stored in the dataset by content hash. */
export const TemplateSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, . _ -'),
  version: z.number().int().min(1),
  description: z.string().default(''),
  /** `score`: 0-5 rubric; `binary`: keep/drop verdict (score null). */
  output: z.enum(['score', 'binary']),
  system: z.string().min(1),
  /** Placeholders: {{language}}, {{fenced_code}}, {{truncation_note}}. */
  user: z.string().includes('{{fenced_code}}', { message: 'must contain {{fenced_code}}' }),
  schema: z.record(z.string(), z.unknown()),
});
export type Template = z.infer<typeof TemplateSchema>;

export const RESOURCES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../resources');

/** Content hash over exactly what reaches the model (and how its answer is read). */
export function templateHash(t: Template): string {
  const canon = JSON.stringify({
    id: t.id,
    version: t.version,
    output: t.output,
    system: t.system,
    user: t.user,
    schema: t.schema,
  });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

export async function builtinTemplates(): Promise<Template[]> {
  const dir = join(RESOURCES_DIR, 'prompts');
  const out: Template[] = [];
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    out.push(parseTemplate(await readFile(join(dir, f), 'utf8'), join(dir, f)));
  }
  return out;
}

export function parseTemplate(text: string, file: string): Template {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CodedError('invalid_input', `${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = TemplateSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CodedError('invalid_input', `${file}: field ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Templates the dataset knows (built-ins plus user-added), latest version per id unless `id@hash` is asked. */
export async function datasetTemplates(
  store: DatasetStore,
): Promise<{ template: Template; hash: string; builtin: boolean }[]> {
  const out = new Map<string, { template: Template; hash: string; builtin: boolean }>();
  for (const t of await builtinTemplates())
    out.set(templateHash(t), { template: t, hash: templateHash(t), builtin: true });
  const table = await store.table('templates');
  for (const row of await table.query().toArray()) {
    const body = JSON.parse(row.body as string) as { purpose?: string };
    // Generation templates share the table (stored by hash the same way) but are not labelers.
    if (body.purpose === 'synth') continue;
    const t = TemplateSchema.parse(body);
    if (!out.has(row.template_hash as string))
      out.set(row.template_hash as string, { template: t, hash: row.template_hash as string, builtin: false });
  }
  return [...out.values()];
}

/** Resolves `id`, `id@version` or `id@hash` to one template. */
export async function resolveTemplate(store: DatasetStore, ref: string): Promise<{ template: Template; hash: string }> {
  const [id, qual] = ref.split('@');
  const all = (await datasetTemplates(store)).filter((t) => t.template.id === id);
  if (!all.length)
    throw new CodedError(
      'not_found',
      `unknown template ${JSON.stringify(ref)}; add one with \`tbs templates add FILE\``,
    );
  const pick = qual
    ? all.find((t) => t.hash.startsWith(qual) || String(t.template.version) === qual)
    : all.sort((a, b) => b.template.version - a.template.version || Number(b.builtin) - Number(a.builtin))[0];
  if (!pick) throw new CodedError('not_found', `template ${id} has no version or hash ${JSON.stringify(qual)}`);
  return { template: pick.template, hash: pick.hash };
}

/** Stores a template in the dataset by content hash (idempotent). */
export async function saveTemplate(store: DatasetStore, t: Template): Promise<string> {
  const hash = templateHash(t);
  await saveTemplateBody(store, { hash, id: t.id, version: t.version, body: t });
  return hash;
}

/** Stores any versioned template (labeling or generation) under its content hash, once. */
export async function saveTemplateBody(
  store: DatasetStore,
  t: { hash: string; id: string; version: number; body: unknown },
): Promise<void> {
  const table = await store.table('templates');
  if ((await table.countRows(`template_hash = ${sqlString(t.hash)}`)) === 0) {
    await table.add([
      {
        template_hash: t.hash,
        template_id: t.id,
        version: t.version,
        body: JSON.stringify(t.body),
        created_at: new Date().toISOString(),
      },
    ]);
  }
}
