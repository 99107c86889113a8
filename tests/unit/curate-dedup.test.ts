import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DecisionTier, ExportCandidate } from '../../electron/engine/curate/candidate.js';
import {
  contentHash,
  normalizeSlow,
  normalizeText,
  exactDedup,
  nearDedupEmbeddings,
  type NearDupOptions,
} from '../../electron/engine/curate/dedup.js';
import { mulberry32, seededShuffle } from '../../electron/engine/curate/hashing.js';
import { CosineLsh } from '../../electron/engine/curate/cosine-lsh.js';
import { packUnitVectors } from '../../electron/engine/curate/unit-vectors.js';
import { chooseBands, jaccardSorted, nearDedupMinhash, wordShingles } from '../../electron/engine/curate/minhash.js';
import type { RankedCandidate } from '../../electron/engine/curate/select.js';
import { STDLIB } from '../support/temp.ts';
import { createCpuPool, type CpuPool } from '../../electron/engine/workers/cpu-pool.js';
import {
  nearDedupEmbeddingsStreaming,
  startPrehash,
  type NearDupThreads,
} from '../../electron/engine/curate/near-dup-stream.js';
import { LshHasher, prehashRotations } from '../../electron/engine/curate/lsh-hasher.js';

/** The LSH pass's work on a pool's 2 threads, as the export hands it over. */
function poolThreads(pool: CpuPool, more: Partial<NearDupThreads> = {}): NearDupThreads {
  return { shares: 2, hash: pool.lshHash, sortTables: pool.lshTables, candidates: pool.lshCandidates, ...more };
}

const TIER_INDEX: Record<DecisionTier, number> = { human: 0, llm: 1, classifier: 2 };

function ranked(
  id: string,
  value: number,
  o: Partial<ExportCandidate> = {},
  tier: DecisionTier = 'llm',
): RankedCandidate {
  const candidate: ExportCandidate = {
    id,
    text: `text of ${id}`,
    language: 'python',
    source: 'stack',
    repo: null,
    path: null,
    tokens: 10,
    llmScore: value,
    humanScore: null,
    llmKeep: null,
    humanKeep: null,
    classifierScore: null,
    embedding: null,
    metadata: {},
    ...o,
  };
  return { candidate, tier, tierIndex: TIER_INDEX[tier], value };
}

function gaussian(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function randomVec(rand: () => number, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, () => gaussian(rand));
}

/** A copy of `v` at roughly the given cosine: v + noise scaled by tan(acos(cos)). */
function nearCopy(v: Float32Array, cos: number, rand: () => number): Float32Array {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  const scale = (Math.tan(Math.acos(cos)) * norm) / Math.sqrt(v.length);
  return Float32Array.from(v, (x) => x + scale * gaussian(rand));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0,
    x = 0,
    y = 0;
  for (let k = 0; k < a.length; k++) {
    s += a[k] * b[k];
    x += a[k] * a[k];
    y += b[k] * b[k];
  }
  return s / Math.sqrt(x * y);
}

const FN = `def has_close_elements(numbers, threshold):
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2 and abs(elem - elem2) < threshold:
                return True
    return False
`;
const FN_EDITED = FN.replace(/elem2/g, 'other').replace('return False', 'return False  # none close');

describe('exact dedup', () => {
  it('treats line endings, trailing spaces and blank edges as the same content', () => {
    assert.equal(contentHash('a = 1  \r\nb = 2\r\n\n'), contentHash('\na = 1\nb = 2'));
    assert.notEqual(contentHash('a = 1\nb = 2'), contentHash('a = 1\nb =  2'));
  });

  it('the fast path normalizes exactly as the definition, on edge cases and real files', () => {
    const cases = [
      '',
      '\n',
      '\n\n x \t\v\f\n\r\r\n',
      'x\u2028  \ny  ',
      'a \u00a0 \nb',
      'a\t\r\n\t\r\n',
      'z  \r',
      '\n\ndef f():\n    return 1\n\n\n',
      'def f():\n    return 1',
      'tab\t\nend',
      'no trailing\nblank ',
      '\u3000full width\u3000\n',
    ];
    for (const f of readdirSync(STDLIB)
      .filter((n) => n.endsWith('.py'))
      .slice(0, 200)) {
      const t = readFileSync(join(STDLIB, f), 'utf8');
      // As found, then with CRLF and with trailing blanks (the slow path).
      cases.push(t, t.replace(/\n/g, '\r\n'), t.replace(/\n/g, ' \t\n'));
    }
    for (const t of cases) assert.equal(normalizeText(t), normalizeSlow(t), JSON.stringify(t.slice(0, 60)));
  });

  it('keeps the best-ranked copy: tier precedence beats a higher score', () => {
    const items = [
      ranked('aaa', 5, { text: FN }),
      ranked('bbb', 3, { text: FN.replace(/\n/g, '\r\n') }, 'human'),
      ranked('ccc', 4, { text: `${FN}\n\n` }),
      ranked('ddd', 4, { text: FN_EDITED }),
    ];
    const res = exactDedup(items);
    assert.deepEqual(
      res.kept.map((r) => r.candidate.id),
      ['bbb', 'ddd'],
    );
    assert.deepEqual(res.clusters, [{ keptId: 'bbb', removedIds: ['aaa', 'ccc'], maxSimilarity: 1, method: 'exact' }]);
  });
});

describe('near-dup by embedding', () => {
  it('removes a lightly edited copy with a close embedding, keeping the higher-ranked one', () => {
    const rand = mulberry32(11);
    const base = randomVec(rand, 64);
    const edited = nearCopy(base, 0.985, rand);
    const items = [
      ranked('orig', 4, { text: FN, embedding: base }),
      ranked('edit', 5, { text: FN_EDITED, embedding: edited }),
      ranked('other', 5, { text: 'print(1)', embedding: randomVec(rand, 64) }),
      ranked('noemb', 5, { text: 'x = 2', embedding: null }),
    ];
    const res = nearDedupEmbeddings(items, { threshold: 0.95 });
    assert.equal(res.mode, 'exhaustive');
    assert.equal(res.withoutEmbedding, 1);
    assert.deepEqual(res.kept.map((r) => r.candidate.id).sort(), ['edit', 'noemb', 'other']);
    assert.equal(res.clusters.length, 1);
    assert.equal(res.clusters[0].keptId, 'edit');
    assert.deepEqual(res.clusters[0].removedIds, ['orig']);
    assert.ok(Math.abs(res.clusters[0].maxSimilarity - cosine(base, edited)) < 1e-5);
    // Below the threshold nothing is removed.
    assert.equal(nearDedupEmbeddings(items, { threshold: 0.995 }).clusters.length, 0);
  });

  it('is not transitive: A~B and B~C with A!~C removes only B', () => {
    const e = (x: number, y: number) => Float32Array.from([x, y]);
    const a = (deg: number) => e(Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180));
    const items = [
      ranked('A', 5, { embedding: a(0) }),
      ranked('B', 4, { embedding: a(15) }),
      ranked('C', 3, { embedding: a(30) }),
    ];
    const res = nearDedupEmbeddings(items, { threshold: Math.cos((20 * Math.PI) / 180) });
    assert.deepEqual(
      res.kept.map((r) => r.candidate.id),
      ['A', 'C'],
    );
    assert.deepEqual(
      res.clusters.map((c) => [c.keptId, c.removedIds]),
      [['A', ['B']]],
    );
  });

  /** Random vectors plus planted groups of near-copies, with many score ties. */
  function plantedSet(
    n: number,
    dim: number,
    groups: number,
    seed: number,
    opts: { maxCopies?: number; minCos?: number } = {},
  ): RankedCandidate[] {
    const rand = mulberry32(seed);
    const items: RankedCandidate[] = [];
    for (let i = 0; i < n; i++) {
      items.push(
        ranked(`s${String(i).padStart(6, '0')}`, Math.floor(rand() * 3) + 3, { embedding: randomVec(rand, dim) }),
      );
    }
    const minCos = opts.minCos ?? 0.97;
    for (let g = 0; g < groups; g++) {
      const src = items[g * Math.floor(n / groups)].candidate.embedding as Float32Array;
      const copies = 1 + Math.floor(rand() * (opts.maxCopies ?? 3));
      for (let c = 0; c < copies; c++) {
        const emb = nearCopy(src, minCos + rand() * (0.998 - minCos), rand);
        items.push(
          ranked(
            `g${String(g).padStart(4, '0')}-${c}`,
            Math.floor(rand() * 3) + 3,
            { embedding: emb },
            rand() < 0.2 ? 'human' : 'llm',
          ),
        );
      }
    }
    return items;
  }

  const signature = (r: ReturnType<typeof nearDedupEmbeddings>) =>
    JSON.stringify({ kept: r.kept.map((k) => k.candidate.id), clusters: r.clusters });
  // Compared as booleans: a failing deepEqual of 3k ids would print megabytes.
  const same = (a: string, b: string, what: string) => assert.ok(a === b, `${what}: results differ`);

  for (const mode of ['exhaustive', 'lsh'] as const) {
    it(`gives identical kept set and clusters for shuffled input (${mode})`, () => {
      const items = plantedSet(1500, 48, 120, 5);
      const opts: NearDupOptions = { threshold: 0.95, candidates: mode };
      const first = nearDedupEmbeddings(items, opts);
      assert.ok(first.clusters.length >= 100, `found ${first.clusters.length} clusters`);
      for (const seed of [1, 2, 3])
        same(signature(nearDedupEmbeddings(seededShuffle(items, seed), opts)), signature(first), `shuffle ${seed}`);
    });
  }

  it('never keeps two samples at or above the threshold in exhaustive mode', () => {
    const items = plantedSet(800, 32, 150, 6, { minCos: 0.9 });
    const res = nearDedupEmbeddings(items, { threshold: 0.95, candidates: 'exhaustive' });
    const kept = res.kept.map((r) => r.candidate.embedding as Float32Array);
    for (let i = 0; i < kept.length; i++)
      for (let j = i + 1; j < kept.length; j++) assert.ok(cosine(kept[i], kept[j]) < 0.95 + 1e-6);
  });

  it('LSH proposals lead to the same decisions as exhaustive on planted near-copies', () => {
    const items = plantedSet(3000, 64, 200, 8, { maxCopies: 1, minCos: 0.985 });
    const ex = nearDedupEmbeddings(items, { threshold: 0.95, candidates: 'exhaustive' });
    const lsh = nearDedupEmbeddings(items, { threshold: 0.95, candidates: 'lsh' });
    assert.equal(ex.clusters.length, 200);
    assert.ok(lsh.lsh && lsh.lsh.recallAtThreshold >= 0.97);
    same(signature(lsh), signature(ex), 'lsh vs exhaustive');
    assert.ok(lsh.comparisons < ex.comparisons / 100, `lsh ${lsh.comparisons} vs exhaustive ${ex.comparisons}`);
    // Another index seed builds different tables, yet the decisions stay the same.
    same(
      signature(nearDedupEmbeddings(items, { threshold: 0.95, candidates: 'lsh', lsh: { seed: 99 } })),
      signature(ex),
      'lsh seed 99',
    );
  });

  it('an LSH query skips removed items before any sketch work, and proposes the same others', () => {
    const items = plantedSet(3000, 64, 200, 8, { maxCopies: 2, minCos: 0.97 });
    const vecs = packUnitVectors(items.map((r) => r.candidate.embedding));
    const index = new CosineLsh(vecs, { bits: 16, tables: 20, threshold: 0.95 });
    const removed = new Int32Array(vecs.count).fill(-1);
    const rand = mulberry32(5);
    for (let j = 0; j < vecs.count; j++) if (rand() < 0.4) removed[j] = 0;
    let proposals = 0;
    for (let i = 0; i < vecs.count; i++) {
      const all: number[] = [];
      const alive: number[] = [];
      index.forEachCandidateOfItem(i, (j) => all.push(j), true);
      index.forEachCandidateOfItem(i, (j) => alive.push(j), true, removed);
      proposals += all.length;
      assert.deepEqual(
        alive,
        all.filter((j) => removed[j] < 0),
        `item ${i}`,
      );
    }
    assert.ok(proposals > 100, `${proposals} proposals`);
  });

  it("a forward scan proposes exactly the later, live items an item query proposes, through the tables' compactions", () => {
    const items = plantedSet(12000, 64, 600, 8, { maxCopies: 3, minCos: 0.96 });
    const vecs = packUnitVectors(items.map((r) => r.candidate.embedding));
    const opts = { bits: 12, tables: 16, threshold: 0.95 };
    const reference = new CosineLsh(vecs, opts);
    const forward = new CosineLsh(vecs, opts);
    const removed = new Int32Array(vecs.count).fill(-1);
    const rand = mulberry32(11);
    let proposals = 0;
    for (let i = 0; i < vecs.count; i++) {
      if (removed[i] >= 0) continue;
      const want: number[] = [];
      const got: number[] = [];
      // The reference scans whole buckets (no reliance on bucket order) and keeps later items.
      reference.forEachCandidateOfItem(i, (j) => j > i && want.push(j), false, removed);
      forward.forEachLaterCandidate(i, (j) => got.push(j), removed);
      assert.deepEqual(got, want, `item ${i}`);
      proposals += got.length;
      // Removals grow as a greedy pass's do: some proposals and some random later items.
      for (const j of got) if (rand() < 0.5) removed[j] = i;
      const k = i + 1 + Math.floor(rand() * 500);
      if (k < vecs.count && rand() < 0.3) removed[k] = i;
    }
    assert.ok(proposals > 1000, `${proposals} proposals`);
    assert.throws(() => forward.forEachLaterCandidate(5, () => {}, removed), /went back/);
    assert.throws(() => forward.forEachCandidateOfItem(5, () => {}), /consumed/);
  });

  it('the streaming pass gives the same result, handing over every survivor once, in rank order', async () => {
    const items = plantedSet(6000, 64, 300, 9, { maxCopies: 3, minCos: 0.96 });
    const opts: NearDupOptions = { threshold: 0.95, candidates: 'lsh' };
    const whole = nearDedupEmbeddings(items, opts);
    const handed: string[][] = [];
    const streamed = await nearDedupEmbeddingsStreaming(seededShuffle(items, 4), {
      ...opts,
      step: 500,
      onFinal: (kept) => handed.push(kept.map((k) => k.candidate.id)),
    });
    same(signature(streamed), signature(whole), 'streaming vs whole');
    assert.ok(handed.length >= 10, `${handed.length} hand-overs`);
    assert.deepEqual(
      handed.flat(),
      whole.kept.map((k) => k.candidate.id),
    );
    assert.ok(whole.kept.length < items.length - 250, `${whole.kept.length} kept of ${items.length}`);
  });

  it('the LSH pass on worker threads (hashing, table sorts, proposals ahead of the decisions) gives the same result and the same cosines', async () => {
    const items = plantedSet(9000, 64, 300, 13, { maxCopies: 3, minCos: 0.96 });
    // Some rows without a vector: the threads skip them as the inline pass does.
    for (let k = 0; k < items.length; k += 97)
      items[k] = { ...items[k], candidate: { ...items[k].candidate, embedding: null } };
    const opts: NearDupOptions = { threshold: 0.95, candidates: 'lsh' };
    const whole = nearDedupEmbeddings(items, opts);
    const pool = await createCpuPool(2);
    try {
      for (const block of [1, 37, 256, 20_000]) {
        const hashed: [number, number][] = [];
        const sorted: [number, number][] = [];
        const proposed: [number, number][] = [];
        const handed: string[] = [];
        const streamed = await nearDedupEmbeddingsStreaming(items, {
          ...opts,
          block,
          onFinal: (kept) => handed.push(...kept.map((k) => k.candidate.id)),
          threads: {
            shares: 3,
            hash: (t) => {
              hashed.push([t.from, t.to]);
              assert.ok(t.data.buffer instanceof SharedArrayBuffer && t.keys.buffer instanceof SharedArrayBuffer);
              return pool.lshHash(t);
            },
            sortTables: (t) => {
              sorted.push([t.tFrom, t.tTo]);
              return pool.lshTables(t);
            },
            candidates: (t) => {
              proposed.push([t.from, t.to]);
              assert.ok(
                t.removed.buffer instanceof SharedArrayBuffer && t.tables.order.buffer instanceof SharedArrayBuffer,
              );
              return pool.lshCandidates(t);
            },
          },
        });
        same(signature(streamed), signature(whole), `on threads (block ${block}) vs inline`);
        // The same proposals reach the decisions: as many exact cosines, not just the same survivors.
        assert.equal(streamed.comparisons, whole.comparisons, `block ${block}`);
        assert.deepEqual(
          handed,
          whole.kept.map((k) => k.candidate.id),
        );
        assert.ok(hashed.length >= 3, `${hashed.length} hashing shares`);
        assert.equal(
          hashed.at(-1)![1],
          hashed.reduce((a, [f, t]) => a + t - f, 0),
          'the shares cover every member once',
        );
        assert.equal(sorted.at(-1)![1], streamed.lsh!.tables, 'every table sorted');
        assert.equal(
          sorted.reduce((a, [f, t]) => a + t - f, 0),
          streamed.lsh!.tables,
          'each table once',
        );
        assert.equal(proposed.length, Math.ceil(items.length / block), `block ${block}: every item proposed for once`);
      }
      assert.ok(whole.kept.length < items.length - 250, `${whole.kept.length} kept of ${items.length}`);
    } finally {
      await pool.close();
    }
  });

  it('keys and sketches derived from pool bits hashed ahead are the ones hashed from the vectors', () => {
    const rand = mulberry32(7);
    // The last four have pools shorter than a sketch word (the prehash's word holds more bits).
    for (const [dim, bits, tables, seed, maxRotations] of [
      [256, 26, 61, 1, undefined],
      [256, 12, 8, undefined, undefined],
      [64, 20, 40, 3, undefined],
      [300, 32, 64, 9, undefined],
      [8, 30, 2, 5, undefined],
      [4, 10, 8, 1, undefined],
      [2, 6, 8, 3, undefined],
      [16, 12, 12, 2, 1],
      [8, 20, 4, 4, 2],
    ] as const) {
      const n = 50;
      const vecs = packUnitVectors(
        Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => rand() - 0.5)),
      );
      const h = new LshHasher({ dim, bits, tables, seed, maxRotations });
      const pre = new LshHasher({ dim, bits: 1, tables: 1, seed, rotations: prehashRotations(dim, { maxRotations }) });
      assert.ok(h.coveredBy(pre), `${dim}/${bits}/${tables}`);
      assert.ok(!h.coveredBy({ dim, seed: pre.seed + 1, rotations: pre.rotations }), 'another seed does not cover');
      const words = new Uint32Array(pre.poolWords);
      for (let i = 0; i < n; i++) {
        const want = new Uint32Array(tables);
        const wantSketch = new Uint32Array(h.sketchWords);
        h.keysFor(vecs.data, i, want);
        h.writeSketch(wantSketch, 0);
        pre.poolBitsFor(vecs.data, i, words, 0);
        const got = new Uint32Array(tables);
        const gotSketch = new Uint32Array(h.sketchWords);
        h.keysFromBits(words, 0, got, 0, gotSketch, 0);
        assert.deepEqual(got, want, `keys, ${dim}/${bits}/${tables}, row ${i}`);
        assert.deepEqual(gotSketch, wantSketch, `sketch, ${dim}/${bits}/${tables}, row ${i}`);
      }
    }
  });

  it('the threaded pass with the vectors hashed ahead (startPrehash) decides as the inline pass; a vector missing from them means hashing from scratch', async () => {
    const items = plantedSet(9000, 64, 300, 13, { maxCopies: 3, minCos: 0.96 });
    for (let k = 0; k < items.length; k += 97)
      items[k] = { ...items[k], candidate: { ...items[k].candidate, embedding: null } };
    const opts: NearDupOptions = { threshold: 0.95, candidates: 'lsh' };
    const whole = nearDedupEmbeddings(items, opts);
    const vectors = items.map((r) => r.candidate.embedding).filter((v): v is Float32Array => v !== null);
    const pool = await createCpuPool(2);
    try {
      for (const [label, list] of [
        ['all vectors', vectors],
        ['one missing', vectors.slice(1)],
      ] as const) {
        let prebitTasks = 0;
        const prehash = startPrehash(list, undefined, (t) => (prebitTasks++, pool.lshPrebits(t)), { chunk: 1000 })!;
        const usedPre: boolean[] = [];
        const streamed = await nearDedupEmbeddingsStreaming(items, {
          ...opts,
          onFinal: () => {},
          threads: {
            shares: 2,
            hash: (t) => (usedPre.push(t.pre !== undefined), pool.lshHash(t)),
            sortTables: pool.lshTables,
            candidates: pool.lshCandidates,
            prehash,
          },
        });
        same(signature(streamed), signature(whole), `${label}: threaded vs inline`);
        assert.equal(streamed.comparisons, whole.comparisons, label);
        if (label === 'all vectors')
          assert.equal(prebitTasks, Math.ceil(list.length / 1000), `${label}: every vector hashed ahead once`);
        // Unusable (a member is missing): stopped at once, not hashed to the end beside the pass.
        else assert.ok(prebitTasks < Math.ceil(list.length / 1000), `${label}: ${prebitTasks} tasks`);
        assert.ok(usedPre.length > 0);
        assert.ok(
          usedPre.every((u) => u === (label === 'all vectors')),
          `${label}: ${usedPre.join(',')}`,
        );
      }
      // Stopped before the pass asks: it hashes from the vectors, with the same result.
      const stopped = startPrehash(vectors, undefined, pool.lshPrebits, { chunk: 1000, paused: true })!;
      stopped.stop();
      assert.equal(await stopped.finish(2), false);
      // A prehash the pass cannot use (another seed) is stopped at once, not left running beside it.
      let tasks = 0;
      const other = startPrehash(vectors, { seed: 99 }, (t) => (tasks++, pool.lshPrebits(t)), {
        chunk: 1000,
        paused: true,
      })!;
      const r = await nearDedupEmbeddingsStreaming(items, {
        ...opts,
        onFinal: () => {},
        threads: poolThreads(pool, { prehash: other }),
      });
      same(signature(r), signature(whole), 'another seed');
      assert.equal(await other.finish(2), false);
      assert.equal(tasks, 0, 'nothing hashed ahead for nothing');
      // A cancel while the pass waits for the prehash stops it after the tasks in flight.
      const held: (() => void)[] = [];
      let started = 0;
      const slow = startPrehash(
        vectors,
        undefined,
        async (t) => {
          started++;
          await new Promise<void>((resolve) => held.push(resolve));
          return pool.lshPrebits(t);
        },
        { chunk: 500, paused: true },
      )!;
      const ac = new AbortController();
      const pass = nearDedupEmbeddingsStreaming(items, {
        ...opts,
        signal: ac.signal,
        onFinal: () => {},
        threads: poolThreads(pool, { prehash: slow }),
      });
      while (started < 2) await new Promise((r) => setImmediate(r));
      ac.abort();
      for (const release of held.splice(0)) release();
      await assert.rejects(pass);
      assert.equal(started, 2, `${started} tasks started: none after the cancel`);
    } finally {
      await pool.close();
    }
  });

  it('the threaded LSH pass keeps every sample when none has a usable vector, and takes an empty list', async () => {
    const items = plantedSet(300, 16, 10, 5, { maxCopies: 1, minCos: 0.96 }).map((r, k) => ({
      ...r,
      candidate: { ...r.candidate, embedding: k % 2 ? null : new Float32Array(16) },
    }));
    const pool = await createCpuPool(2);
    try {
      const threads = poolThreads(pool);
      for (const list of [items, []]) {
        const opts: NearDupOptions = { threshold: 0.95, candidates: 'lsh' };
        const whole = nearDedupEmbeddings(list, opts);
        const streamed = await nearDedupEmbeddingsStreaming(list, { ...opts, threads, onFinal: () => {} });
        same(signature(streamed), signature(whole), `${list.length} items`);
        assert.equal(streamed.kept.length, list.length);
        assert.equal(streamed.withoutEmbedding, list.length);
      }
    } finally {
      await pool.close();
    }
  });

  it('scales to 30k vectors with planted duplicates: a small fraction of the pairs is compared', () => {
    const items = plantedSet(30_000, 128, 400, 21, { maxCopies: 1, minCos: 0.96 });
    const res = nearDedupEmbeddings(items, { threshold: 0.95 });
    assert.equal(res.mode, 'lsh');
    // Exact cosines computed, not time (the bench times it): 399 of the 4.5e8 pairs with this seed.
    assert.ok(res.comparisons < 3_000, `${res.comparisons} comparisons`);
    // A planted pair is missed only if both members survived: with perfect recall that cannot happen.
    const kept = new Set(res.kept.map((r) => r.candidate.id));
    const missed = Array.from({ length: 400 }, (_, g) => g).filter(
      (g) => kept.has(`g${String(g).padStart(4, '0')}-0`) && kept.has(`s${String(g * 75).padStart(6, '0')}`),
    );
    assert.ok(missed.length <= 8, `missed ${missed.length} of 400 planted pairs`);
  });
});

describe('MinHash near-dup', () => {
  const long = `${FN}\n${FN.replace('has_close_elements', 'has_close_pairs')}`;

  it('shingles words and measures exact Jaccard', () => {
    const a = wordShingles('a b c d e f', 5);
    assert.equal(a.length, 2);
    assert.equal(wordShingles('a b', 5).length, 1);
    assert.equal(wordShingles('', 5).length, 0);
    assert.equal(jaccardSorted(a, a), 1);
    assert.equal(jaccardSorted(a, wordShingles('a b c d e g', 5)), 1 / 3);
  });

  it('picks a banding that proposes pairs at the threshold with high probability', () => {
    const { bands, rows } = chooseBands(0.85, 128);
    assert.ok(bands * rows <= 128);
    assert.ok(1 - Math.pow(1 - Math.pow(0.85, rows), bands) >= 0.97);
  });

  it('removes a lexical near-copy and keeps unrelated code, independent of input order', async () => {
    const items = [
      ranked('orig', 5, { text: long }),
      ranked('copy', 4, { text: long.replace('threshold):', 'limit):') }),
      ranked('far', 4, {
        text: 'class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n',
      }),
      ranked('tiny', 3, { text: '' }),
    ];
    const rule = { threshold: 0.8, ngram: 5, numPerm: 128 };
    const res = await nearDedupMinhash(items, rule);
    assert.deepEqual(
      res.kept.map((r) => r.candidate.id),
      ['orig', 'far', 'tiny'],
    );
    assert.equal(res.clusters.length, 1);
    assert.equal(res.clusters[0].method, 'minhash');
    assert.deepEqual(res.clusters[0].removedIds, ['copy']);
    assert.ok(res.clusters[0].maxSimilarity >= 0.8 && res.clusters[0].maxSimilarity < 1);
    assert.deepEqual(await nearDedupMinhash(seededShuffle(items, 4), rule), res);
  });
});
