import { KNOWN_LANGUAGES, normalizeLanguage } from '../ingest/languages.js';
import { z } from 'zod';
import { SCORE_MAX, SCORE_MIN } from '../../../shared/enums.js';
import { o200k, type TokenCodec } from '../ingest/o200k.js';
import { TokenCounter } from '../ingest/token-count.js';
import type { Template } from './templates.js';

let tc: TokenCounter | null = null;
const counter = () => (tc ??= new TokenCounter({ enc: encoder() }));
/** o200k_base, the encoding of the GPT-4o / 4.1 / 5 family. */
export function encoder(): TokenCodec {
  return o200k();
}

/** The template's system text is the same for every call of a run: counted once. */
const systemCounts = new Map<string, number>();
function systemTokens(system: string): number {
  let n = systemCounts.get(system);
  if (n === undefined) {
    if (systemCounts.size >= 64) systemCounts.clear();
    systemCounts.set(system, (n = counter().count(system)));
  }
  return n;
}

/** Counts special-token strings inside code as plain text (code may well contain "<|endoftext|>"). */
export function countTokens(text: string): number {
  return counter().count(text);
}

export interface BuiltPrompt {
  messages: { role: 'system' | 'user'; content: string }[];
  promptTokens: number;
  truncated: boolean;
  sampleTokens: number;
  keptTokens: number;
  injection: string | null;
}

/** Phrases that address a grader or model rather than a program's reader. */
const INJECTION = [
  /ignore (all |any |the )?(previous|prior|above|earlier) (instructions|prompts?|rules)/i,
  /disregard (all |any |the )?(previous|prior|above) /i,
  /\b(rate|score|grade|give|assign|award) (this|me|it|the (code|sample|file))( a| an)? (5|five|10|ten|full marks|high(est)?|perfect)/i,
  /\b(dear|attention|note to|hey) (ai|grader|reviewer|assistant|language model|llm|chatgpt|gpt)\b/i,
  /\byou are (an? )?(ai|assistant|language model|grader|llm)\b/i,
  /\b(system prompt|new instructions:|as an ai language model)\b/i,
];

export function detectInjection(code: string): string | null {
  for (const re of INJECTION) {
    const m = code.match(re);
    if (m) return m[0];
  }
  return null;
}

/**
 * Builds the messages for one sample: truncated to `maxInputTokens` of the sample itself, fenced
 * with a backtick run longer than any inside the code, between explicit markers.
 */
/** A language field that is at least a plain word: anything else is reported as an injection. */
const SAFE_LANGUAGE = /^[A-Za-z0-9][A-Za-z0-9+#._-]{0,31}$/;

export function buildPrompt(t: Template, code: string, languageField: string, maxInputTokens: number): BuiltPrompt {
  // NOTE: the language comes from the imported row; it is pasted outside the fence, so anything
  // but a plain name (newlines, backticks, sentences) is replaced and reported as an injection.
  const languageOk = SAFE_LANGUAGE.test(languageField);
  // NOTE: only a language this project knows reaches the prompt. The field comes from the imported
  // row and is not scanned for secrets, so an address or a key must not pass as a "language".
  const known = normalizeLanguage(languageField);
  const language = languageOk && KNOWN_LANGUAGES.has(known) ? known : 'text';
  // NOTE: one memoized pass counts the sample and finds the cut (see TokenCounter.countAndCut).
  const cut = counter().countAndCut(code, maxInputTokens);
  const sampleTokens = cut.tokens;
  const truncated = cut.kept !== null;
  const kept = cut.kept ?? code;
  const keptTokens = Math.min(sampleTokens, maxInputTokens);
  const longest = Math.max(2, ...(kept.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  const fenced = `${fence}${language}\n${kept}\n${fence}`;
  const note = truncated
    ? `(The sample was truncated to its first ${maxInputTokens} tokens of ${sampleTokens}.)\n`
    : '';
  const user = t.user
    .replaceAll('{{language}}', language)
    .replaceAll('{{truncation_note}}', note)
    .replace('{{fenced_code}}', () => fenced);
  const messages = [
    { role: 'system' as const, content: t.system },
    { role: 'user' as const, content: user },
  ];
  // NOTE: chat formatting adds ~3 tokens per message plus 3 for the reply priming. Counting goes
  // through the memoized counter (exact, ~3.6x faster than encode; the system text is a cache hit).
  const promptTokens = systemTokens(t.system) + counter().count(user) + 3 * messages.length + 3;
  const injection =
    // The field's value is not quoted: it is stored with the label and may hold anything.
    detectInjection(code) ?? (languageOk ? null : 'language field is not a language name');
  return { messages, promptTokens, truncated, sampleTokens, keptTokens, injection };
}

export interface ParsedAnswer {
  score: number | null;
  keep: boolean | null;
  rationale: string;
}

const StructuredScore = z.object({ score: z.number().int().min(SCORE_MIN).max(SCORE_MAX), rationale: z.string() });
const StructuredBinary = z.object({ keep: z.boolean(), rationale: z.string() });

export class UnparseableAnswer extends Error {
  readonly code = 'internal' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UnparseableAnswer';
  }
}

/** Reads a model's answer: the structured JSON when it was asked for, else the plain-text score line. */
export function parseAnswer(t: Template, content: string | null | undefined, structured: boolean): ParsedAnswer {
  const text = (content ?? '').trim();
  if (!text) throw new UnparseableAnswer('empty answer');
  const tryJson = (): ParsedAnswer | null => {
    const m = text.match(/\{[\s\S]*\}/);
    if (!m) return null;
    let obj: unknown;
    try {
      obj = JSON.parse(m[0]);
    } catch {
      return null;
    }
    if (t.output === 'score') {
      const r = StructuredScore.safeParse(obj);
      return r.success ? { score: r.data.score, keep: null, rationale: r.data.rationale } : null;
    }
    const r = StructuredBinary.safeParse(obj);
    return r.success ? { score: null, keep: r.data.keep, rationale: r.data.rationale } : null;
  };
  const j = tryJson();
  if (j) return j;
  if (structured) throw new UnparseableAnswer(`structured answer does not match the schema: ${text.slice(0, 120)}`);
  if (t.output === 'score') {
    const all = [...text.matchAll(/(?:educational\s+)?score\s*[:=]\s*\**\s*([0-5])\b/gi)];
    const m = all.at(-1);
    if (!m) throw new UnparseableAnswer(`no score in answer: ${text.slice(0, 120)}`);
    return {
      score: Number(m[1]),
      keep: null,
      rationale:
        text
          .slice(0, m.index)
          .replace(/rationale\s*:\s*/i, '')
          .trim() || text,
    };
  }
  const v = [...text.matchAll(/verdict\s*[:=]\s*\**\s*(high|low)\b/gi)].at(-1);
  if (!v) throw new UnparseableAnswer(`no verdict in answer: ${text.slice(0, 120)}`);
  return { score: null, keep: v[1].toLowerCase() === 'high', rationale: text.slice(0, v.index).trim() || text };
}
