import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetStore } from '../store/dataset-store.js';
import { countTokens } from '../label/prompt.js';
import { RESOURCES_DIR, saveTemplateBody } from '../label/templates.js';
import { SYNTH_KINDS } from '../../../shared/enums.js';

/** A generation template: data like a labeling template, stored in the dataset by content hash. */
export const SynthTemplateSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, . _ -'),
  version: z.number().int().min(1),
  purpose: z.literal('synth'),
  kind: z.enum(SYNTH_KINDS),
  description: z.string().default(''),
  /** Where the wording comes from (phi-1's own phrases, quoted). */
  provenance: z.string().default(''),
  system: z.string().min(1),
  /** Placeholders: {{topic}}, {{audience}}, {{style}}. */
  user: z.string().includes('{{topic}}', { message: 'must contain {{topic}}' }),
  schema: z.record(z.string(), z.unknown()),
});
export type SynthTemplate = z.infer<typeof SynthTemplateSchema>;

export const SYNTH_DIR = join(RESOURCES_DIR, 'synth');

/** Content hash over exactly what reaches the model and how its answer is read. */
export function synthTemplateHash(t: SynthTemplate): string {
  const canon = JSON.stringify({
    id: t.id,
    version: t.version,
    kind: t.kind,
    system: t.system,
    user: t.user,
    schema: t.schema,
  });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

function parse(text: string, file: string): SynthTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CodedError('invalid_input', `${file}: not valid JSON (${(e as Error).message})`);
  }
  const r = SynthTemplateSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CodedError('invalid_input', `${file}: field ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** Resolves `id`, `id@version` or a template file path to one generation template. */
export async function resolveSynthTemplate(
  ref: string,
  kind: SynthTemplate['kind'],
): Promise<{ template: SynthTemplate; hash: string }> {
  let template: SynthTemplate | undefined;
  if (ref.endsWith('.json')) template = parse(await readFile(ref, 'utf8'), ref);
  else {
    const [id, version] = ref.split('@');
    const dir = join(SYNTH_DIR, 'templates');
    const all: SynthTemplate[] = [];
    for (const f of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort())
      all.push(parse(await readFile(join(dir, f), 'utf8'), join(dir, f)));
    template = all
      .filter((t) => t.id === id && (!version || String(t.version) === version))
      .sort((a, b) => b.version - a.version)[0];
    if (!template)
      throw new CodedError(
        'invalid_input',
        `unknown generation template ${JSON.stringify(ref)} (built-in: ${all.map((t) => t.id).join(', ')})`,
      );
  }
  if (template.kind !== kind)
    throw new CodedError('invalid_input', `template ${template.id} generates ${template.kind}, not ${kind}`);
  return { template, hash: synthTemplateHash(template) };
}

export async function saveSynthTemplate(store: DatasetStore, t: SynthTemplate, hash: string): Promise<void> {
  await saveTemplateBody(store, { hash, id: t.id, version: t.version, body: t });
}

export interface SynthParams {
  topic: string;
  audience: string;
  style: string;
}

export interface BuiltSynthPrompt {
  messages: { role: 'system' | 'user'; content: string }[];
  promptTokens: number;
}

/** The messages of one generation call, and their exact o200k_base prompt tokens (as the labeler counts). */
export function buildSynthPrompt(t: SynthTemplate, p: SynthParams): BuiltSynthPrompt {
  const user = t.user
    .replaceAll('{{topic}}', p.topic)
    .replaceAll('{{audience}}', p.audience)
    .replaceAll('{{style}}', p.style);
  const messages = [
    { role: 'system' as const, content: t.system },
    { role: 'user' as const, content: user },
  ];
  // NOTE: the chat format adds ~3 tokens per message plus 3 priming the reply (same rule as labeling).
  const promptTokens = countTokens(t.system) + countTokens(user) + 3 * messages.length + 3;
  return { messages, promptTokens };
}
