import { CodedError, type ErrorCode } from '../../../shared/errors.js';
import * as lancedb from '@lancedb/lancedb';
import { mkdir, readFile, rename, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CONSENSUS_RULES, DEFAULT_KEEP_THRESHOLD, SCORE_MAX, SCORE_MIN } from '../../../shared/enums.js';
import { TABLES, type TableName } from './table-schemas.js';
import { KeyedMutex, ReadOnlyDatasetError, readOnlyTable, serializedTable } from './table-guard.js';

/** Bumped when the on-disk layout changes incompatibly; older code refuses newer folders. */
export const SCHEMA_VERSION = 1;
export const CONFIG_FILE = 'config.json';
const FORMAT_TAG = 'textbook-studio-dataset';

export const DatasetConfigSchema = z.object({
  format: z.literal(FORMAT_TAG),
  schemaVersion: z.number().int().min(1),
  name: z.string(),
  createdAt: z.string(),
  keepThreshold: z.number().int().min(SCORE_MIN).max(SCORE_MAX).default(DEFAULT_KEEP_THRESHOLD),
  /** How annotators' labels resolve to the human value when no adjudication settles it. */
  consensusRule: z.enum(CONSENSUS_RULES).default('median'),
  /** Blind mode for assigned samples: others' scores and the LLM's stay hidden until I label. */
  blindAssignments: z.boolean().default(true),
  /** `templateId@model`; null = the most recently used LLM source. */
  activeLlmSource: z.string().nullable().default(null),
  /** Classifier model id; null = the newest model. */
  activeModel: z.string().nullable().default(null),
  /** Per-model price overrides in USD per 1M tokens. */
  prices: z.record(z.string(), z.object({ input: z.number(), output: z.number() })).default({}),
  /** Embedder id -> its LanceDB table; vectors of different embedders never share a table. */
  embedders: z
    .record(
      z.string(),
      z.object({
        table: z.string(),
        dims: z.number().int(),
        spec: z.record(z.string(), z.unknown()),
        createdAt: z.string(),
      }),
    )
    .default({}),
  /** Embedder used when none is named (the offline hash embedder by default). */
  defaultEmbedder: z.string().nullable().default(null),
});
export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;

export class DatasetError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode = 'invalid_input',
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface DatasetFolder {
  readonly dir: string;
  readonly db: lancedb.Connection;
  /** Opened for reading only: no table is created, written or compacted, the config is not saved. */
  readonly readOnly: boolean;
  /** Serializes this process's writes per table (and other keyed critical sections). */
  readonly mutex: KeyedMutex;
  config: DatasetConfig;
  table(name: TableName): Promise<lancedb.Table>;
  saveConfig(next: DatasetConfig): Promise<void>;
}

/**
 * Opens a dataset folder, creating it (and its tables) when it is missing or empty.
 * Refuses folders written by a newer schema version and folders that are not datasets.
 */
export async function openDatasetFolder(
  dirArg: string,
  opts: { create?: boolean; readOnly?: boolean } = {},
): Promise<DatasetFolder> {
  // NOTE: resolve() would turn s3://b/k into a local folder "s3:/b/k" and write there silently.
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(dirArg))
    throw new CodedError(
      'invalid_input',
      `${dirArg}: a dataset must be a local or shared POSIX folder (its config, label journal, writer lock and shard folders are plain files); object storage URIs are not supported as --db`,
    );
  const dir = resolve(dirArg);
  const readOnly = opts.readOnly ?? false;
  const configPath = join(dir, CONFIG_FILE);
  let config: DatasetConfig;
  if (existsSync(configPath)) {
    config = await readConfig(configPath);
  } else {
    const entries = existsSync(dir) ? await readdir(dir) : [];
    if (entries.length > 0) {
      throw new DatasetError(
        `${dir} is not a Textbook Studio dataset (no ${CONFIG_FILE}, and the folder is not empty)`,
      );
    }
    if (opts.create === false || readOnly) throw new DatasetError(`no dataset at ${dir}`, 'not_found');
    await mkdir(dir, { recursive: true });
    config = DatasetConfigSchema.parse({
      format: FORMAT_TAG,
      schemaVersion: SCHEMA_VERSION,
      name: dir.split(/[\\/]/).pop() ?? 'dataset',
      createdAt: new Date().toISOString(),
    });
    await writeConfigAtomic(configPath, config);
  }
  const db = await lancedb.connect(join(dir, 'tables'));
  const existing = new Set(await db.tableNames());
  const cache = new Map<TableName, Promise<lancedb.Table>>();
  const mutex = new KeyedMutex();
  // NOTE: a reader must not create the tables a writer has not made yet: it sees them empty, in memory.
  let scratch: Promise<lancedb.Connection> | null = null;
  const emptyTable = async (name: TableName) => {
    scratch ??= lancedb.connect('memory://');
    return (await scratch).createEmptyTable(name, TABLES[name], { existOk: true });
  };
  const why = `dataset ${dir} is open read-only`;
  const folder: DatasetFolder = {
    dir,
    db,
    readOnly,
    mutex,
    config,
    table(name) {
      let t = cache.get(name);
      if (!t) {
        if (readOnly) {
          t = (existing.has(name) ? db.openTable(name) : emptyTable(name)).then((x) => readOnlyTable(x, why));
        } else {
          t = (
            existing.has(name) ? db.openTable(name) : db.createEmptyTable(name, TABLES[name], { existOk: true })
          ).then((x) => serializedTable(x, mutex));
        }
        cache.set(name, t);
      }
      return t;
    },
    async saveConfig(next) {
      if (readOnly) throw new ReadOnlyDatasetError(`cannot save the config: ${why}`);
      folder.config = DatasetConfigSchema.parse(next);
      await writeConfigAtomic(configPath, folder.config);
    },
  };
  return folder;
}

async function readConfig(path: string): Promise<DatasetConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new DatasetError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const obj = raw as { format?: unknown; schemaVersion?: unknown };
  if (obj?.format !== FORMAT_TAG)
    throw new DatasetError(`${path}: not a Textbook Studio dataset (format is ${JSON.stringify(obj?.format)})`);
  if (typeof obj.schemaVersion === 'number' && obj.schemaVersion > SCHEMA_VERSION) {
    throw new DatasetError(
      `${path}: written by a newer Textbook Studio (schema ${obj.schemaVersion}, this build reads up to ${SCHEMA_VERSION}); upgrade the app`,
    );
  }
  const parsed = DatasetConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(`${path}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

async function writeConfigAtomic(path: string, config: DatasetConfig): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n');
  await rename(tmp, path);
}
