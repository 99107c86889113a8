/**
 * Which key an OpenAI-compatible client may send where. The environment's key belongs to the
 * environment's endpoint (OPENAI_BASE_URL, else api.openai.com): a base URL from anywhere else (a
 * dataset's embedder spec, a request) never receives it. A caller that means to send a key to
 * another URL passes it explicitly: the CLI does, for the `--base-url` its user typed.
 */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

const norm = (u: string | undefined) => (u || OPENAI_DEFAULT_BASE_URL).trim().replace(/\/+$/, '').toLowerCase();

export function clientAuth(
  o: { baseURL?: string; apiKey?: string },
  env: Record<string, string | undefined> = process.env,
): { baseURL?: string; apiKey?: string } {
  const envBase = env.OPENAI_BASE_URL || undefined;
  const baseURL = o.baseURL || envBase;
  if (o.apiKey) return { baseURL, apiKey: o.apiKey };
  const envKey = env.OPENAI_API_KEY || undefined;
  if (envKey && norm(baseURL) === norm(envBase)) return { baseURL, apiKey: envKey };
  // A local server needs no key; the real API without one gets the client's own clear error below.
  return { baseURL, apiKey: baseURL ? 'not-needed' : undefined };
}
