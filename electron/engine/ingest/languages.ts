/** File extension -> language id (Monaco's ids, so the renderer can highlight directly). */
const BY_EXT: Record<string, string> = {
  py: 'python',
  pyi: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  jsx: 'javascript',
  java: 'java',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
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
