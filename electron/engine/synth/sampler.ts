import { CodedError } from '../../../shared/errors.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fnv1a32 } from '../curate/hashing.js';
import { mulberry32, randInt } from '../classify/prng.js';
import { SYNTH_DIR, type SynthParams } from './synth-templates.js';

export interface SynthLists {
  topics: string[];
  audiences: string[];
  styles: string[];
  /** Hash of the three lists, recorded per sample: the same index under other lists is another draw. */
  hash: string;
  files: { topics: string; audiences: string; styles: string };
}

/** Reads one list: a line per entry, `#` comments and blank lines skipped; an empty list is an error naming the file. */
async function readList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CodedError('not_found', `cannot read ${file}: ${(e as Error).message}`);
  }
  const items = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (!items.length) throw new CodedError('invalid_input', `${file}: no entries (one a line; # starts a comment)`);
  return items;
}

export async function loadSynthLists(
  o: { topics?: string; audiences?: string; styles?: string } = {},
): Promise<SynthLists> {
  const files = {
    topics: o.topics ?? join(SYNTH_DIR, 'topics.txt'),
    audiences: o.audiences ?? join(SYNTH_DIR, 'audiences.txt'),
    styles: o.styles ?? join(SYNTH_DIR, 'styles.txt'),
  };
  const [topics, audiences, styles] = await Promise.all([
    readList(files.topics),
    readList(files.audiences),
    readList(files.styles),
  ]);
  const hash = createHash('sha256')
    .update(JSON.stringify([topics, audiences, styles]))
    .digest('hex')
    .slice(0, 12);
  return { topics, audiences, styles, hash, files };
}

/**
 * The draw for one index: a PRNG seeded by (seed, index) alone, so index i gets the same topic,
 * audience and style whatever the count, the concurrency or the order calls finish in.
 */
export function drawParams(lists: SynthLists, seed: number, index: number): SynthParams {
  const rng = mulberry32(fnv1a32(`${seed}:${index}`));
  return {
    topic: lists.topics[randInt(rng, lists.topics.length)],
    audience: lists.audiences[randInt(rng, lists.audiences.length)],
    style: lists.styles[randInt(rng, lists.styles.length)],
  };
}
