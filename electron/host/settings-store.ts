import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { clientAuth } from '../engine/label/client-auth.js';
import type { PublicSettings } from '../../shared/contract/app.js';

/**
 * The studio's own settings (not a dataset's): recent folders, endpoint, model, annotator name,
 * window state, and the API key. Plain Node, so the Electron shell and browser mode share it and
 * tests can check it without Electron.
 *
 * NOTE: the key is held encrypted by a `SecretCodec` (Electron's safeStorage in the desktop app).
 * Without a codec (browser mode, CLI) the key comes from the environment only and cannot be set.
 * No method hands the key to anything that reaches the renderer: `publicView()` only says whether
 * one is set; `apiKey()` exists for the main process's own LLM calls.
 */
export interface SecretCodec {
  isAvailable(): boolean;
  encrypt(plain: string): string;
  decrypt(encrypted: string): string;
}

export const WindowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400),
  height: z.number().int().min(300),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/** Name of the endpoint the top-level `endpoint` / key settings describe. */
export const DEFAULT_ENDPOINT = 'default';
export const ENDPOINT_NAME = /^[a-z0-9][a-z0-9._-]{0,39}$/;

/** A further OpenAI-compatible endpoint a call may pick by name; its key is its own. */
const NamedEndpointSchema = z.object({
  name: z.string().regex(ENDPOINT_NAME),
  url: z.string().url(),
  apiKeyEncrypted: z.string().nullable().default(null),
});
type NamedEndpoint = z.infer<typeof NamedEndpointSchema>;

const StoredSettingsSchema = z.object({
  annotator: z.string().min(1).optional(),
  endpoint: z.string().default(''),
  model: z.string().default(''),
  recent: z.array(z.string()).default([]),
  window: WindowStateSchema.nullable().default(null),
  /** Base64 of the codec's ciphertext; never plain text. */
  apiKeyEncrypted: z.string().nullable().default(null),
  endpoints: z.array(NamedEndpointSchema).default([]),
  /** null = every core of the machine the app runs on. */
  workers: z.number().int().min(1).nullable().default(null),
});
type StoredSettings = z.infer<typeof StoredSettingsSchema>;

export const MAX_RECENT = 10;

export interface SettingsOptions {
  /** JSON file to persist to; null keeps settings in memory (tests, throwaway sessions). */
  file: string | null;
  codec?: SecretCodec;
  /** Environment to take defaults and the browser-mode key from (default process.env). */
  env?: Record<string, string | undefined>;
}

export type SettingsPatch = Partial<Pick<PublicSettings, 'annotator' | 'endpoint' | 'model' | 'workers'>> & {
  apiKey?: string;
  /** Adds or replaces a named endpoint (its key in the same patch when it needs one). */
  saveEndpoint?: { name: string; url: string; apiKey?: string };
  removeEndpoint?: string;
};

/** What an LLM call may use: the URL and the key that belongs to it (main process only). */
export interface ResolvedEndpoint {
  name: string;
  /** '' = the client's default (api.openai.com). */
  url: string;
  apiKey: string | null;
}

export class SettingsStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private data: StoredSettings,
    private readonly opts: SettingsOptions,
    private readonly env: Record<string, string | undefined>,
  ) {}

  static async load(opts: SettingsOptions): Promise<SettingsStore> {
    let raw: unknown = {};
    if (opts.file) {
      try {
        raw = JSON.parse(await readFile(opts.file, 'utf8'));
      } catch (e) {
        // A missing file is a first run; a corrupt one is ignored rather than blocking startup.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') raw = {};
      }
    }
    const parsed = StoredSettingsSchema.safeParse(raw);
    return new SettingsStore(
      parsed.success ? parsed.data : StoredSettingsSchema.parse({}),
      opts,
      opts.env ?? process.env,
    );
  }

  /** What the renderer may know. */
  publicView(): PublicSettings {
    return {
      annotator: this.data.annotator ?? this.env.TBS_ANNOTATOR ?? safeUserName(),
      endpoint: this.data.endpoint || this.env.OPENAI_BASE_URL || '',
      model: this.data.model || this.env.TBS_MODEL || 'gpt-4o-mini',
      recent: [...this.data.recent],
      hasApiKey: this.apiKey() !== null,
      apiKeyWritable: this.keyWritable(),
      endpoints: this.data.endpoints.map((e) => ({
        name: e.name,
        url: e.url,
        hasApiKey: this.decrypt(e.apiKeyEncrypted) !== null,
      })),
      workers: this.data.workers ?? Math.max(1, availableParallelism()),
    };
  }

  /** The worker count the user chose, or null (every core, as the machine reports them). */
  workersChosen(): number | null {
    return this.data.workers;
  }

  /**
   * The endpoint a call named (default: the top-level one) with its own key, or null when no
   * endpoint has that name. A named endpoint never borrows the default's key.
   */
  resolveEndpoint(name?: string | null): ResolvedEndpoint | null {
    if (!name || name === DEFAULT_ENDPOINT)
      return { name: DEFAULT_ENDPOINT, url: this.publicView().endpoint, apiKey: this.apiKey() };
    const e = this.data.endpoints.find((x) => x.name === name);
    return e ? { name: e.name, url: e.url, apiKey: this.decrypt(e.apiKeyEncrypted) } : null;
  }

  private decrypt(enc: string | null): string | null {
    if (!enc || !this.opts.codec?.isAvailable()) return null;
    try {
      return this.opts.codec.decrypt(enc);
    } catch {
      return null;
    }
  }

  /** The decrypted key (main process only), else the environment's. */
  apiKey(): string | null {
    if (this.data.apiKeyEncrypted && this.opts.codec?.isAvailable()) return this.decrypt(this.data.apiKeyEncrypted);
    // The environment's key belongs to the environment's endpoint: once settings point the default
    // endpoint elsewhere (even with the stored key cleared), it is not lent to that URL.
    const envKey = this.env.OPENAI_API_KEY || null;
    const endpoint = this.data.endpoint || this.env.OPENAI_BASE_URL || '';
    return envKey && clientAuth({ baseURL: endpoint || undefined }, this.env).apiKey === envKey ? envKey : null;
  }

  keyWritable(): boolean {
    return Boolean(this.opts.codec?.isAvailable());
  }

  async update(patch: SettingsPatch): Promise<PublicSettings> {
    const next = { ...this.data };
    // NOTE: the key and its endpoint are a pair: pointing a configured key at another URL would
    // send it there, so a new endpoint needs the key entered again (or cleared) in the same update.
    const norm = (u: string) => u.trim().replace(/\/+$/, '');
    if (
      patch.endpoint !== undefined &&
      norm(patch.endpoint) !== norm(this.publicView().endpoint) &&
      patch.apiKey === undefined &&
      this.apiKey() !== null
    )
      throw new SettingsError(
        'changing the LLM endpoint needs the API key entered again: the key is only sent to the endpoint it was set for',
      );
    if (patch.annotator !== undefined) next.annotator = patch.annotator.trim();
    if (patch.endpoint !== undefined) next.endpoint = patch.endpoint.trim();
    if (patch.model !== undefined) next.model = patch.model.trim();
    if (patch.workers !== undefined) {
      if (!Number.isInteger(patch.workers) || patch.workers < 1)
        throw new SettingsError(`workers must be a positive integer, got ${patch.workers}`);
      next.workers = patch.workers;
    }
    if (patch.apiKey !== undefined) {
      if (!this.keyWritable())
        throw new SettingsError('the API key cannot be stored here; set OPENAI_API_KEY in the environment');
      next.apiKeyEncrypted = patch.apiKey === '' ? null : this.opts.codec!.encrypt(patch.apiKey);
    }
    if (patch.saveEndpoint) next.endpoints = this.savedEndpoint(patch.saveEndpoint);
    if (patch.removeEndpoint !== undefined) {
      if (!next.endpoints.some((e) => e.name === patch.removeEndpoint))
        throw new SettingsError(`no endpoint named ${JSON.stringify(patch.removeEndpoint)}`);
      next.endpoints = next.endpoints.filter((e) => e.name !== patch.removeEndpoint);
    }
    this.data = next;
    await this.persist();
    return this.publicView();
  }

  /** The endpoint list with `ep` added or replaced; the same key-and-URL-are-a-pair rule as the default's. */
  private savedEndpoint(ep: { name: string; url: string; apiKey?: string }): NamedEndpoint[] {
    const name = ep.name.trim();
    if (name === DEFAULT_ENDPOINT || !ENDPOINT_NAME.test(name))
      throw new SettingsError(
        `endpoint name ${JSON.stringify(ep.name)}: use 1-40 lower-case letters, digits, '.', '_' or '-' (not "default")`,
      );
    const url = ep.url.trim().replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/.test(url))
      throw new SettingsError(`endpoint ${name}: ${JSON.stringify(ep.url)} is not an http(s) URL`);
    const old = this.data.endpoints.find((e) => e.name === name);
    let apiKeyEncrypted = old && old.url === url ? old.apiKeyEncrypted : null;
    if (ep.apiKey !== undefined) {
      if (ep.apiKey !== '' && !this.keyWritable())
        throw new SettingsError(
          `endpoint ${name}: keys cannot be stored here (browser mode); a named endpoint without a key suits local servers`,
        );
      apiKeyEncrypted = ep.apiKey === '' ? null : this.opts.codec!.encrypt(ep.apiKey);
    } else if (old?.apiKeyEncrypted && old.url !== url)
      throw new SettingsError(
        `endpoint ${name}: a new URL needs its API key entered again: a key is only sent to the URL it was set for`,
      );
    const saved = { name, url, apiKeyEncrypted };
    return old ? this.data.endpoints.map((e) => (e.name === name ? saved : e)) : [...this.data.endpoints, saved];
  }

  async addRecent(dir: string): Promise<void> {
    const abs = resolve(dir);
    this.data = { ...this.data, recent: [abs, ...this.data.recent.filter((d) => d !== abs)].slice(0, MAX_RECENT) };
    await this.persist();
  }

  windowState(): WindowState | null {
    return this.data.window;
  }

  async setWindowState(w: WindowState): Promise<void> {
    this.data = { ...this.data, window: WindowStateSchema.parse(w) };
    await this.persist();
  }

  /** Serialized atomic writes (temp file + rename), so a crash never leaves half a file. */
  private persist(): Promise<void> {
    const file = this.opts.file;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify(this.data, null, 2);
    this.writing = this.writing
      .catch(() => {})
      .then(async () => {
        await mkdir(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, snapshot, { mode: 0o600 });
        await rename(tmp, file);
      });
    return this.writing;
  }
}

export class SettingsError extends Error {
  readonly code = 'invalid_input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function safeUserName(): string {
  try {
    return userInfo().username || 'annotator';
  } catch {
    return 'annotator';
  }
}
