// The CLI as plain JavaScript, built from the TypeScript sources with esbuild and rebuilt whenever
// a source it was built from changes. Loading ~200 source modules through tsx's loader thread cost
// ~0.6 s at every `tbs` start and again in every worker thread; the bundle loads in a fraction of
// that. Packages stay external (resolved from node_modules as usual).
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bump when the build's options or layout change: older builds are then rebuilt. */
const FORMAT = 3;
const ENTRIES = { tbs: 'electron/cli/tbs.ts', 'cpu-worker': 'electron/engine/workers/cpu-worker.ts' };
const BUILD_NAME = /^b-[0-9a-f]+$/;
/** Besides the sources, a build depends on how it is made and on the packages' versions. */
const BUILD_INPUTS = ['bin/cli-bundle.mjs', 'tsconfig.json', 'package-lock.json'];
/** A build no longer current is removed this long after it was replaced, if no `tbs` runs from it. */
const KEEP_RETIRED_MS = 7 * 24 * 3600e3;
/** A half-written build or metadata file this old is a killed build's leftover (a build takes ~0.3 s). */
const LEFTOVER_MS = 3600e3;

/** This host's name as a file name (a hostname may hold any byte but NUL). */
const HOST = hostname().replace(/[^A-Za-z0-9._]/g, '_');

export function bundleCacheDir(root) {
  return join(root, 'node_modules', '.cache', 'tbs-cli');
}

/** Failures that mean "this cache cannot be written" (a read-only install): no warning. */
class CacheNotWritable extends Error {}

/**
 * Builds embed their sources' absolute URLs (resources, worker files and the launcher are found
 * from them), so each checkout has its own build and its own `current-<key>.json`, also when two
 * checkouts share one node_modules. A moved checkout rebuilds once.
 */
function rootKey(realRoot) {
  return createHash('sha256').update(realRoot).digest('hex').slice(0, 12);
}

/** Hash of the build's inputs as they are now (`read`), or null when one is gone. */
function inputsHash(realRoot, inputs, read) {
  const h = createHash('sha256').update(`format ${FORMAT}\n${realRoot}\n`);
  for (const file of inputs) {
    let bytes;
    try {
      bytes = read(file);
    } catch {
      return null;
    }
    h.update(`${file}\n${bytes.length}\n`).update(bytes);
  }
  return h.digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The current build's folder if every file it was built from is unchanged, else null. */
function currentBuild(realRoot, dir) {
  const meta = readJson(join(dir, `current-${rootKey(realRoot)}.json`));
  if (!meta || meta.format !== FORMAT || !Array.isArray(meta.inputs) || !BUILD_NAME.test(meta.build)) return null;
  if (inputsHash(realRoot, meta.inputs, (f) => readFileSync(join(realRoot, f))) !== meta.hash) return null;
  const out = join(dir, meta.build);
  // Every file of the build, the chunks loaded later included: a damaged build is rebuilt.
  const files = Array.isArray(meta.outputs) ? meta.outputs : [];
  return files.length && files.every((f) => existsSync(join(out, f))) ? out : null;
}

/**
 * Resolves `./x.js` to `./x.ts` when that exists, as tsx does (esbuild would take a stray x.js),
 * makes each source's `import.meta.url` its own file's URL, and records the bytes it compiled.
 */
function sourcesPlugin(realRoot, seen) {
  return {
    name: 'tbs-sources',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
        if (!args.importer.endsWith('.ts')) return undefined;
        const ts = join(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        return existsSync(ts) ? { path: ts } : undefined;
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const bytes = readFileSync(args.path);
        // The build is keyed by what it compiled: an edit made during the build means a rebuild.
        seen.set(relative(realRoot, args.path).split(sep).join('/'), bytes);
        let contents = bytes.toString('utf8');
        if (contents.includes('import.meta.url'))
          contents = contents.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
        return { contents, loader: 'ts' };
      });
    },
  };
}

async function buildBundle(realRoot, dir) {
  const tmp = join(dir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
    mkdirSync(tmp);
  } catch (e) {
    throw new CacheNotWritable(e.message);
  }
  const seen = new Map();
  try {
    // The bundle imports packages by name, and Node resolves them from its real location: a cache
    // linked to another disk would find none.
    try {
      createRequire(join(realpathSync(tmp), 'probe.mjs')).resolve('commander');
    } catch {
      throw new Error(`the packages (node_modules) cannot be found from ${realpathSync(tmp)}`);
    }
    const { build } = await import('esbuild');
    const result = await build({
      absWorkingDir: realRoot,
      entryPoints: ENTRIES,
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // What the sources import lazily stays lazy (a chunk each): a worker thread that only parses
      // never loads LanceDB, openai or secretlint.
      splitting: true,
      // For stack traces with NODE_OPTIONS=--enable-source-maps; costs nothing otherwise.
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      // Marks the bundle: cpu-pool.ts starts its worker threads from the bundled cpu-worker.mjs.
      banner: { js: 'const __tbsBundleUrl = import.meta.url;' },
      plugins: [sourcesPlugin(realRoot, seen)],
    });
    const inputs = [
      ...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')),
      ...BUILD_INPUTS.filter((f) => existsSync(join(realRoot, f))),
    ].sort();
    const hash = inputsHash(realRoot, inputs, (f) => seen.get(f) ?? readFileSync(join(realRoot, f)));
    if (!hash) throw new Error('a source was removed during the build');
    const outputs = readdirSync(tmp).sort(); // esbuild writes every file at the top
    const name = `b-${hash.slice(0, 16)}`;
    const out = join(dir, name);
    try {
      renameSync(tmp, out);
    } catch (e) {
      // The same sources were built before (by another `tbs`, or this build is current again): the
      // files are the same; any that went missing are put back, and nothing a `tbs` uses moves.
      if (!existsSync(out)) throw e;
      for (const f of outputs) if (!existsSync(join(out, f))) renameSync(join(tmp, f), join(out, f));
      rmSync(tmp, { recursive: true, force: true });
    }
    const currentFile = join(dir, `current-${rootKey(realRoot)}.json`);
    const previous = readJson(currentFile)?.build;
    const meta = `${currentFile}.${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(meta, JSON.stringify({ format: FORMAT, root: realRoot, build: name, hash, inputs, outputs }));
    renameSync(meta, currentFile);
    if (typeof previous === 'string' && previous !== name && BUILD_NAME.test(previous))
      try {
        writeFileSync(join(dir, previous, 'retired'), new Date().toISOString());
      } catch {
        // Already removed.
      }
    removeOldBuilds(dir);
    return out;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Whether a `tbs` runs from `build`: a pin of this host whose pid is alive (dead ones are removed),
 * or a pin of another host refreshed within KEEP_RETIRED_MS (a running `tbs` touches its pin hourly).
 * NOTE: a pid is checked in this pid namespace: containers that share a hostname and a checkout
 * but not their pids see each other's pins as dead.
 */
function inUse(build) {
  let pins;
  try {
    pins = readdirSync(join(build, 'pins'));
  } catch {
    return false;
  }
  let used = false;
  for (const pin of pins) {
    const at = pin.lastIndexOf('-');
    const [pinHost, pid] = [pin.slice(0, at), Number(pin.slice(at + 1))];
    const file = join(build, 'pins', pin);
    try {
      if (pinHost !== HOST) used ||= Date.now() - statSync(file).mtimeMs < KEEP_RETIRED_MS;
      else if (pidAlive(pid)) used = true;
      else unlinkSync(file); // left by a `tbs` killed by a signal
    } catch {
      // Removed meanwhile.
    }
  }
  return used;
}

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** This cache's own leftovers: half-written builds and metadata, and the format-1 pointer. */
const LEFTOVER = /^(tmp-.+|current(-[0-9a-f]+)?\.json\..+|current\.json)$/;

/**
 * Removes, from this cache only:
 * - builds that no checkout has as current, replaced more than KEEP_RETIRED_MS ago (a build
 *   without a `retired` marker, e.g. from an older format, gets one now) and used by no `tbs`;
 * - the pointer (`current-<key>.json`) of a checkout that is gone (or of an older format), which
 *   then retires its build;
 * - half-written builds and metadata left by a killed build, after an hour.
 * It runs when a start builds; dead pins are removed from every build on the way.
 */
function removeOldBuilds(dir) {
  const names = readdirSync(dir);
  const current = new Set();
  for (const n of names.filter((n) => /^current-[0-9a-f]+\.json$/.test(n))) {
    const meta = readJson(join(dir, n));
    if (meta?.format !== FORMAT || typeof meta.root !== 'string' || !existsSync(join(meta.root, ENTRIES.tbs))) {
      rmSync(join(dir, n), { force: true });
      continue;
    }
    current.add(meta?.build);
  }
  const age = (file) => Date.now() - statSync(file).mtimeMs;
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (LEFTOVER.test(name)) {
        if (age(path) > LEFTOVER_MS) rmSync(path, { recursive: true, force: true });
      } else if (BUILD_NAME.test(name)) {
        const used = inUse(path);
        if (current.has(name)) continue;
        const retired = join(path, 'retired');
        if (!existsSync(retired)) writeFileSync(retired, new Date().toISOString());
        else if (age(retired) > KEEP_RETIRED_MS && !used) rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Removed by another `tbs` meanwhile.
    }
  }
}

/** Marks `bundle`'s build as used by this process until it exits (see `inUse`). */
export function pinBuild(bundle) {
  const pins = join(dirname(bundle), 'pins');
  const pin = join(pins, `${HOST}-${process.pid}`);
  try {
    mkdirSync(pins, { recursive: true });
    writeFileSync(pin, '');
    // Other hosts judge a pin by its age: a long run (a Slurm task, `tbs serve`) keeps it fresh.
    setInterval(() => {
      try {
        const now = new Date();
        utimesSync(pin, now, now);
      } catch {
        // Removed: nothing to refresh.
      }
    }, 3600e3).unref();
    process.once('exit', () => {
      try {
        unlinkSync(pin);
      } catch {
        // Gone already.
      }
    });
  } catch {
    // A read-only cache: nothing removes builds there either.
  }
}

/**
 * Path of the bundled CLI (`tbs.mjs`) for the sources under `root`, built first if they changed;
 * null when it cannot be built, and the caller runs the sources through tsx. A cache that cannot be
 * written (a read-only install) is silent; any other failure is named in one line through `warn`.
 */
export async function ensureBundle(root, { dir = bundleCacheDir(root), warn = (m) => process.stderr.write(m) } = {}) {
  let realRoot;
  try {
    realRoot = realpathSync(root);
    const current = currentBuild(realRoot, dir);
    if (current) return join(current, 'tbs.mjs');
    return join(await buildBundle(realRoot, dir), 'tbs.mjs');
  } catch (e) {
    if (!(e instanceof CacheNotWritable)) {
      const why = String(e?.message ?? e)
        .split('\n')[0]
        .slice(0, 300);
      warn(`tbs: running from sources (could not build the CLI bundle in ${dir}: ${why})\n`);
    }
    return null;
  }
}
