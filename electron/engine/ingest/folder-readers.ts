/** Folder readers: walking an import folder (links, skipped folders, LICENSE files) and reading its source files. */
import { constants as fsConstants } from 'node:fs';
import { open, opendir, readFile, stat } from 'node:fs/promises';
import { CodedError } from '../../../shared/errors.js';
import { basename, join, relative } from 'node:path';
import { languageFromPath, normalizeLanguage } from './languages.js';
import { LICENSE_FILE, licenseFromLicenseText } from '../hygiene/licenses.js';
import { err, type RawRecord, type ReaderOptions, type ReadItem } from './read-items.js';

const SKIP_DIRS = new Set(['.git', 'node_modules', '__pycache__', '.hg', '.svn', '.tox', '.venv', 'venv']);

/**
 * Files and subfolders of one folder. Symbolic links are skipped unless `follow`; followed links
 * to folders already seen (by device and inode) are skipped too, so link loops end.
 */
export async function listFolder(
  dir: string,
  follow: boolean,
  seen: Set<string>,
): Promise<{ files: string[]; subdirs: string[]; licenseFiles: string[] }> {
  const files: string[] = [];
  const subdirs: string[] = [];
  const licenseFiles: string[] = [];
  for await (const d of await opendir(dir)) {
    const full = join(dir, d.name);
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      if (!follow) continue;
      const st = await stat(full).catch(() => null);
      if (!st) continue;
      isDir = st.isDirectory();
      isFile = st.isFile();
    }
    if (isDir) {
      if (SKIP_DIRS.has(d.name)) continue;
      const st = await stat(full).catch(() => null);
      if (!st) continue;
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      subdirs.push(full);
    } else if (isFile && LICENSE_FILE.test(d.name)) licenseFiles.push(full);
    else if (isFile && languageFromPath(d.name)) files.push(full);
  }
  return { files, subdirs, licenseFiles };
}

export async function folderKey(dir: string): Promise<string> {
  const st = await stat(dir);
  return `${st.dev}:${st.ino}`;
}

/** A folder's LICENSE / COPYING file, read (first 64 KB) and matched against the known license texts. */
async function folderLicense(files: string[], root: string): Promise<RawRecord['licenseFile']> {
  for (const f of files.sort()) {
    try {
      const id = licenseFromLicenseText((await readFile(f)).subarray(0, 64 << 10).toString('utf8'));
      if (id) return { path: relative(root, f), id };
    } catch {
      /* unreadable license file: the folder's license stays as inherited */
    }
  }
  return null;
}

export async function* readFolder(root: string, opts: ReaderOptions): AsyncGenerator<ReadItem> {
  const repo = basename(root);
  // NOTE: each folder inherits the nearest LICENSE / COPYING above it inside the import root.
  const stack: { dir: string; license: RawRecord['licenseFile'] }[] = [{ dir: root, license: null }];
  const seen = new Set<string>([await folderKey(root)]);
  while (stack.length) {
    if (opts.signal?.aborted) return;
    const { dir, license: inherited } = stack.pop()!;
    let entries: string[] = [];
    let subdirs: string[] = [];
    let licenseFiles: string[] = [];
    try {
      ({ files: entries, subdirs, licenseFiles } = await listFolder(dir, opts.followSymlinks ?? false, seen));
    } catch (e) {
      yield { error: err(dir, null, null, `cannot list folder: ${(e as Error).message}`) };
      continue;
    }
    // NOTE: sorted traversal makes imports (and their error lists) reproducible.
    entries = entries.sort();
    const license = (licenseFiles.length ? await folderLicense(licenseFiles, root) : null) ?? inherited;
    stack.push(
      ...subdirs
        .sort()
        .reverse()
        .map((d) => ({ dir: d, license })),
    );
    for (const f of entries) {
      if (opts.signal?.aborted) return;
      yield* readSourceFile(f, relative(root, f), repo, opts, license);
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function* readSourceFile(
  file: string,
  relPath: string,
  repo: string | null,
  opts: ReaderOptions,
  licenseFile: RawRecord['licenseFile'] = null,
): AsyncGenerator<ReadItem> {
  let buf: Buffer;
  try {
    const got = await readCapped(file, opts.maxFileBytes, opts.signal);
    if (got === 'not-regular') {
      yield { error: err(file, null, null, 'not a regular file (device, FIFO or socket)') };
      return;
    }
    if (got === null) {
      yield { error: err(file, null, null, `file is over the ${opts.maxFileBytes}-byte limit`) };
      return;
    }
    buf = got;
  } catch (e) {
    yield { error: err(file, null, null, `cannot read: ${(e as Error).message}`) };
    return;
  }
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    yield { error: err(file, null, null, 'not valid UTF-8 text') };
    return;
  }
  if (text.includes('\u0000')) {
    yield { error: err(file, null, null, 'binary file (NUL bytes)') };
    return;
  }
  if (!text.trim()) {
    // An empty (or blank) file, like most `__init__.py`, has nothing to import: skipped, not an error.
    yield { fileDone: file, bytes: buf.length, skipped: 'empty file' };
    return;
  }
  // NOTE: null for an unknown extension: the importer then checks the content (detect-language.ts).
  const language = opts.lang ? normalizeLanguage(opts.lang) : languageFromPath(file);
  yield {
    record: { text, source: file, repo, path: relPath, language, metadata: {}, bytes: buf.length, licenseFile },
  };
  yield { fileDone: file, bytes: buf.length };
}

/**
 * Reads at most `max` bytes of a regular file, counting what was actually read (a file can grow,
 * and `stat` sizes of special files mean nothing). Null when it is longer. The regularity check
 * is made on the open descriptor (O_NONBLOCK, so a FIFO cannot block the open).
 */
async function readCapped(file: string, max: number, signal?: AbortSignal): Promise<Buffer | null | 'not-regular'> {
  const fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    if (!(await fh.stat()).isFile()) return 'not-regular';
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw new CodedError('cancelled', 'cancelled');
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) return null;
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}
