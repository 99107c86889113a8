// The CLI as one plain-JavaScript file per entry, built from the TypeScript sources with esbuild
// and rebuilt whenever a source it was built from changes. Loading ~200 source modules through
// tsx's loader thread cost ~0.6 s at every `tbs` start and again in every worker thread; the
// bundle loads in a fraction of that. Packages stay external (resolved from node_modules as usual).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Bump when the build's options or layout change: older builds are then rebuilt. */
const FORMAT = 1;
const ENTRIES = { tbs: 'electron/cli/tbs.ts', 'cpu-worker': 'electron/engine/workers/cpu-worker.ts' };
const BUILD_INPUTS = ['bin/cli-bundle.mjs', 'tsconfig.json', 'package-lock.json'];
/** Builds other than the current one are removed once this old (a running `tbs` may still use one). */
const KEEP_OLD_MS = 7 * 24 * 3600e3;

export function bundleCacheDir(root) {
  return join(root, 'node_modules', '.cache', 'tbs-cli');
}

/**
 * Hash of the build's inputs as they are now, or null when one is gone. It covers where the
 * sources lie from the cache too: a build's URLs point there (a node_modules shared by two
 * checkouts holds one build for each).
 */
function inputsHash(root, dir, inputs, read = (file) => readFileSync(join(root, file))) {
  const h = createHash('sha256').update(`format ${FORMAT}\n${relative(dir, root)}\n`);
  for (const file of inputs) {
    let text;
    try {
      text = read(file);
    } catch {
      return null;
    }
    h.update(`${file}\n${text.length}\n`).update(text);
  }
  return h.digest('hex');
}

/** The current build's `tbs.mjs` if every source it was built from is unchanged, else null. */
function currentBuild(root, dir) {
  let meta;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8'));
  } catch {
    return null;
  }
  if (meta.format !== FORMAT || !Array.isArray(meta.inputs) || typeof meta.build !== 'string') return null;
  if (inputsHash(root, dir, meta.inputs) !== meta.hash) return null;
  const out = join(dir, meta.build);
  return Object.keys(ENTRIES).every((name) => existsSync(join(out, `${name}.mjs`))) ? join(out, 'tbs.mjs') : null;
}

/**
 * Each source's `import.meta.url` becomes its own file's URL, relative to the bundle: paths the
 * sources resolve from it (resources/, chat-worker.mjs, grammars, package.json) stay right, also
 * when the checkout is moved.
 */
function sourceUrlPlugin(root, outDir, seen) {
  return {
    name: 'tbs-source-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const bytes = readFileSync(args.path);
        // The build is keyed by what it compiled: an edit made during the build means a rebuild.
        seen.set(relative(root, args.path).split('\\').join('/'), bytes);
        let contents = bytes.toString('utf8');
        if (contents.includes('import.meta.url')) {
          const rel = relative(outDir, args.path).split('\\').join('/');
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

async function buildBundle(root, dir) {
  const { build } = await import('esbuild');
  mkdirSync(dir, { recursive: true });
  // Built beside the final folder (same depth, so the relative URLs hold), then renamed into place.
  const tmp = join(dir, `tmp-${process.pid}-${Date.now().toString(36)}`);
  const seen = new Map();
  try {
    const result = await build({
      absWorkingDir: root,
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
      plugins: [sourceUrlPlugin(root, tmp, seen)],
    });
    // The build also depends on how it is made (this file, tsconfig) and on the packages' versions.
    const inputs = [
      ...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')),
      ...BUILD_INPUTS.filter((f) => existsSync(join(root, f))),
    ].sort();
    const hash = inputsHash(root, dir, inputs, (file) => seen.get(file) ?? readFileSync(join(root, file)));
    if (!hash) throw new Error('a source was removed during the build');
    const name = `b-${hash.slice(0, 16)}`;
    const out = join(dir, name);
    try {
      renameSync(tmp, out);
    } catch (e) {
      // Another `tbs` built the same sources first: theirs is as good.
      if (!existsSync(join(out, 'tbs.mjs'))) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
    const meta = join(dir, `current.json.${process.pid}`);
    writeFileSync(meta, JSON.stringify({ format: FORMAT, build: name, hash, inputs }));
    renameSync(meta, join(dir, 'current.json'));
    removeOldBuilds(dir, name);
    return join(out, 'tbs.mjs');
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Removes this cache's builds (b-*, tmp-*) other than `keep` that are older than KEEP_OLD_MS. */
function removeOldBuilds(dir, keep) {
  for (const name of readdirSync(dir)) {
    if (name === keep || !/^(b|tmp)-/.test(name)) continue;
    try {
      if (Date.now() - statSync(join(dir, name)).mtimeMs > KEEP_OLD_MS) rmSync(join(dir, name), { recursive: true });
    } catch {
      // Removed by another `tbs` meanwhile.
    }
  }
}

/**
 * Path of the bundled CLI for the sources under `root`, built first if they changed; null when it
 * cannot be built (e.g. a read-only install), and the caller runs the sources through tsx.
 */
export async function ensureBundle(root, { dir = bundleCacheDir(root), warn = (m) => process.stderr.write(m) } = {}) {
  const current = currentBuild(root, dir);
  if (current) return current;
  try {
    return await buildBundle(root, dir);
  } catch (e) {
    // NOTE: a read-only checkout is normal and silent; anything else is worth a line.
    if (!['EACCES', 'EROFS', 'EPERM'].includes(e?.code))
      warn(`tbs: running from sources (could not build ${dir}: ${e?.message ?? e})\n`);
    return null;
  }
}
