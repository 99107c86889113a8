import { readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeLanguage } from '../../electron/engine/ingest/grammars.js';
import { sampleIdOf } from '../../electron/engine/ingest/normalize.js';
import { loadCorpus, readCodeFile, shuffled, type CorpusFile } from './corpus.js';

/**
 * Real source code of each language with a grammar, found on this machine (nothing invented):
 * one walk of `/` (without /proc, /sys, /dev, /run, /tmp, /var/tmp and /work, where other
 * sessions' checkouts and this repo's own test fixtures live) plus this repo's node_modules.
 * Files are deduplicated by the importer's normalized-content id, skipped when the importer would
 * refuse them (> 2 MB, not UTF-8, NUL, blank), and picked in a seeded order up to a byte cap,
 * group by group (a language's better sources first, e.g. C's .c files before /usr/include headers).
 */
const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_NODE_MODULES = join(HERE, '../../node_modules');
const PRUNE = new Set(['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/work', '/snap', '/mnt', '/media']);
const SKIP_DIRS = new Set(['.git', '__pycache__', '.cache']);

export interface LangGroup {
  /** How the note names it (`.c files`, `/usr/include headers`). */
  label: string;
  match: (path: string) => boolean;
}
export interface LangSpec {
  language: CodeLanguage;
  groups: LangGroup[];
}

const ext = (p: string) => extname(p).slice(1).toLowerCase();
const inAny = (p: string, roots: string[]) => roots.some((r) => p.startsWith(r + '/'));
const CXX_INCLUDE = (p: string) => p.startsWith('/usr/include/') && p.includes('/c++/');
const JS_ROOTS = ['/usr/lib/node_modules', '/usr/local/lib/node_modules', '/usr/share/nodejs', '/usr/share/javascript'];
const isDeclaration = (p: string) => /\.d\.[mc]?ts$/.test(p);

export const SPECS: LangSpec[] = [
  {
    language: 'javascript',
    groups: [
      {
        label: `.js/.mjs/.cjs in ${JS_ROOTS.join(', ')} (no .min.js)`,
        match: (p) => inAny(p, JS_ROOTS) && ['js', 'mjs', 'cjs'].includes(ext(p)) && !p.includes('.min.'),
      },
      {
        label: '.js/.mjs/.cjs in the repo node_modules (no .min.js)',
        match: (p) => inAny(p, [REPO_NODE_MODULES]) && ['js', 'mjs', 'cjs'].includes(ext(p)) && !p.includes('.min.'),
      },
    ],
  },
  {
    language: 'typescript',
    groups: [
      {
        label: '.ts/.mts/.cts/.tsx sources in the repo node_modules',
        match: (p) =>
          inAny(p, [REPO_NODE_MODULES]) && ['ts', 'mts', 'cts', 'tsx'].includes(ext(p)) && !isDeclaration(p),
      },
      {
        label: '.d.ts declarations in the repo node_modules',
        match: (p) => inAny(p, [REPO_NODE_MODULES]) && isDeclaration(p),
      },
    ],
  },
  {
    language: 'c',
    groups: [
      { label: '.c files anywhere', match: (p) => ext(p) === 'c' },
      {
        label: '/usr/include .h (not C++)',
        match: (p) => p.startsWith('/usr/include/') && ext(p) === 'h' && !CXX_INCLUDE(p),
      },
    ],
  },
  {
    language: 'cpp',
    groups: [
      {
        label: '.cc/.cpp/.cxx/.hpp/.hh/.hxx anywhere',
        match: (p) => ['cc', 'cpp', 'cxx', 'c++', 'hpp', 'hh', 'hxx'].includes(ext(p)) && !CXX_INCLUDE(p),
      },
      // libstdc++'s headers are extensionless (<vector>), .h or .tcc: copied as .hpp so the importer sees C++.
      { label: '/usr/include/**/c++/ headers (any extension, copied as .hpp)', match: CXX_INCLUDE },
    ],
  },
  { language: 'go', groups: [{ label: '.go files anywhere', match: (p) => ext(p) === 'go' }] },
  { language: 'rust', groups: [{ label: '.rs files anywhere', match: (p) => ext(p) === 'rs' }] },
  { language: 'java', groups: [{ label: '.java files anywhere', match: (p) => ext(p) === 'java' }] },
];

function walk(dir: string, out: string[]) {
  let ents;
  try {
    ents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of ents) {
    const p = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
    // Symbolic links are not followed (loops, and the same file twice).
    if (e.isDirectory()) {
      if (!PRUNE.has(p) && !SKIP_DIRS.has(e.name)) walk(p, out);
    } else if (e.isFile()) out.push(p);
  }
}

let allPaths: string[] | null = null;
/** Every regular file under / (pruned) and the repo's node_modules, sorted. */
export function machinePaths(): string[] {
  if (allPaths) return allPaths;
  const out: string[] = [];
  walk('/', out);
  walk(REPO_NODE_MODULES, out);
  allPaths = [...new Set(out)].sort();
  return allPaths;
}

export interface LangCorpus {
  language: CodeLanguage;
  files: CorpusFile[];
  bytes: number;
  /** Unique importable files found, and their bytes, before the cap. */
  available: number;
  availableBytes: number;
  seen: number;
  duplicates: number;
  skipped: number;
  /** Per group: label, files picked, bytes picked. */
  picked: { label: string; files: number; bytes: number; available: number }[];
}

/** A seeded pick of up to `cap` bytes of unique real `spec.language` files. */
export function langCorpus(spec: LangSpec, cap: number, seed: number): LangCorpus {
  const paths = machinePaths();
  const ids = new Set<string>();
  const c: LangCorpus = {
    language: spec.language,
    files: [],
    bytes: 0,
    available: 0,
    availableBytes: 0,
    seen: 0,
    duplicates: 0,
    skipped: 0,
    picked: [],
  };
  const taken = new Set<string>();
  for (const g of spec.groups) {
    const unique: CorpusFile[] = [];
    for (const p of paths) {
      if (taken.has(p) || !g.match(p)) continue;
      taken.add(p);
      c.seen++;
      const f = readCodeFile(p);
      if (!f) {
        c.skipped++;
        continue;
      }
      const id = sampleIdOf(f.text);
      if (ids.has(id)) {
        c.duplicates++;
        continue;
      }
      ids.add(id);
      unique.push({ path: p, text: f.text, bytes: f.bytes });
    }
    const pick = { label: g.label, files: 0, bytes: 0, available: unique.length };
    for (const f of shuffled(unique, seed)) {
      c.available++;
      c.availableBytes += f.bytes;
      if (c.bytes >= cap) continue;
      c.files.push(f);
      c.bytes += f.bytes;
      pick.files++;
      pick.bytes += f.bytes;
    }
    c.picked.push(pick);
  }
  return c;
}

/** The comparison row: a seeded pick of the machine's unique Python (corpus.ts). */
export function pythonCorpus(cap: number, seed: number): LangCorpus {
  const py = loadCorpus();
  const c: LangCorpus = {
    language: 'python',
    files: [],
    bytes: 0,
    available: py.files.length,
    availableBytes: py.bytes,
    seen: py.seen,
    duplicates: py.duplicates,
    skipped: py.skipped,
    picked: [],
  };
  for (const f of shuffled(py.files, seed)) {
    if (c.bytes >= cap) break;
    c.files.push(f);
    c.bytes += f.bytes;
  }
  c.picked.push({
    label: '.py in /usr/lib/python3*, /root/.pyenv/versions/*/lib',
    files: c.files.length,
    bytes: c.bytes,
    available: py.files.length,
  });
  return c;
}
