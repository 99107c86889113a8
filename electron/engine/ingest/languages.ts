/** File extension -> language id (Monaco's ids, so the renderer can highlight directly). */
const BY_EXT: Record<string, string> = {
  py: 'python',
  pyi: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescript',
  jsx: 'javascript',
  java: 'java',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  'c++': 'cpp',
  hh: 'cpp',
  hpp: 'cpp',
  hxx: 'cpp',
  cs: 'csharp',
  go: 'go',
  rs: 'rust',
  rb: 'ruby',
  php: 'php',
  kt: 'kotlin',
  swift: 'swift',
  scala: 'scala',
  sh: 'shell',
  bash: 'shell',
  sql: 'sql',
  r: 'r',
  lua: 'lua',
  pl: 'perl',
  jl: 'julia',
  m: 'objective-c',
};

export function languageFromPath(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return null;
  return BY_EXT[path.slice(dot + 1).toLowerCase()] ?? null;
}

/** Extensions that more than one language uses: a row's own language field may settle them. */
const AMBIGUOUS: Record<string, string[]> = { h: ['c', 'cpp', 'objective-c'] };

/** Other names of languages (The Stack's `lang` values, file-type words) -> language id. */
const ALIASES: Record<string, string> = {
  'c++': 'cpp',
  cplusplus: 'cpp',
  'c#': 'csharp',
  'objective-c++': 'objective-c',
  golang: 'go',
  js: 'javascript',
  node: 'javascript',
  ts: 'typescript',
  py: 'python',
  python3: 'python',
  rs: 'rust',
  sh: 'shell',
  bash: 'shell',
};

/** Language ids this project knows by name; anything else a row claims is only a string. */
export const KNOWN_LANGUAGES: ReadonlySet<string> = new Set([
  ...Object.values(BY_EXT),
  ...Object.values(ALIASES),
  ...'markdown text json yaml toml xml html css scss haskell ocaml fsharp dart elixir erlang clojure fortran matlab assembly powershell dockerfile makefile cmake tex vue zig nim groovy visual-basic pascal prolog scheme lisp racket solidity verilog vhdl cuda'.split(
    ' ',
  ),
]);

/**
 * A language name as users and datasets write it (`C++`, `JavaScript`, `golang`, `ts`) as the
 * id stored in `samples.language` (`cpp`, `javascript`, `go`, `typescript`). Names it does not
 * know are kept, lower-cased.
 */
export function normalizeLanguage(name: string): string {
  const l = name.trim().toLowerCase();
  return ALIASES[l] ?? l;
}

/**
 * A row's language: from its path's extension, else from its own language field, else null
 * (the importer then checks the content). An ambiguous extension (`.h`) defers to the field
 * when the field names one of its languages.
 */
export function languageOfRow(path: string | null, field: string | null): string | null {
  const fromField = field ? normalizeLanguage(field) : null;
  const fromPath = path ? languageFromPath(path) : null;
  if (fromPath && fromField && AMBIGUOUS[extensionOf(path!)]?.includes(fromField)) return fromField;
  return fromPath ?? fromField;
}

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
}
