import { z } from 'zod';
import { UnparseableAnswer } from '../label/prompt.js';
import { markdownCodeBlocks } from '../ingest/imports.js';
import type { SynthKind } from '../../../shared/enums.js';

/** The text a generation call produced: the exercise's code, or the textbook section's markdown. */
export interface SynthAnswer {
  text: string;
  title: string | null;
}

const Exercise = z.object({ exercise: z.string() });
const Textbook = z.object({ title: z.string(), markdown: z.string() });

/**
 * Reads a generation answer: the structured JSON when it was asked for, else plain text (the
 * first fenced Python block of an exercise, the whole markdown of a section). Only an empty or
 * shapeless answer is unparseable (and retried); bad code is the syntax gate's business.
 */
export function parseSynthAnswer(
  kind: SynthKind,
  content: string | null | undefined,
  structured: boolean,
): SynthAnswer {
  const text = (content ?? '').trim();
  if (!text) throw new UnparseableAnswer('empty answer');
  let obj: unknown = null;
  const m = text.match(/^\{[\s\S]*\}$/);
  if (m)
    try {
      obj = JSON.parse(m[0]);
    } catch {
      obj = null;
    }
  if (kind === 'exercises') {
    const r = Exercise.safeParse(obj);
    if (r.success && r.data.exercise.trim()) return { text: stripFence(r.data.exercise), title: null };
    if (structured) throw new UnparseableAnswer(`structured answer does not match the schema: ${text.slice(0, 120)}`);
    const block = markdownCodeBlocks(text).find((b) => ['python', 'py', 'python3', ''].includes(b.lang));
    return { text: block ? block.code : text, title: null };
  }
  const r = Textbook.safeParse(obj);
  if (r.success && r.data.markdown.trim()) return { text: r.data.markdown.trim(), title: r.data.title };
  if (structured) throw new UnparseableAnswer(`structured answer does not match the schema: ${text.slice(0, 120)}`);
  const title = /^#{1,3}\s+(.+)$/m.exec(text)?.[1] ?? null;
  return { text, title };
}

/** Models sometimes fence the code inside the JSON string too. */
function stripFence(code: string): string {
  const block = markdownCodeBlocks(code.trim())[0];
  return block && code.trim().startsWith('```') ? block.code : code;
}
