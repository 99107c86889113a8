// Monaco, set up once: the lean editor API, the languages the importer assigns, and the editor
// worker bundled locally by vite (never a CDN). Read-only use needs no language workers.
import * as monaco from 'monaco-editor/editor/editor.api';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
// The lean API has no hover: Review's secret / PII marks explain themselves on hover.
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/typescript/register';
import 'monaco-editor/languages/definitions/java/register';
import 'monaco-editor/languages/definitions/cpp/register';
import 'monaco-editor/languages/definitions/csharp/register';
import 'monaco-editor/languages/definitions/go/register';
import 'monaco-editor/languages/definitions/rust/register';
import 'monaco-editor/languages/definitions/ruby/register';
import 'monaco-editor/languages/definitions/php/register';
import 'monaco-editor/languages/definitions/kotlin/register';
import 'monaco-editor/languages/definitions/swift/register';
import 'monaco-editor/languages/definitions/scala/register';
import 'monaco-editor/languages/definitions/shell/register';
import 'monaco-editor/languages/definitions/sql/register';
import 'monaco-editor/languages/definitions/r/register';
import 'monaco-editor/languages/definitions/lua/register';
import 'monaco-editor/languages/definitions/perl/register';
import 'monaco-editor/languages/definitions/julia/register';
import 'monaco-editor/languages/definitions/objective-c/register';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/yaml/register';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

/** Importer language ids are Monaco's; a few aliases map onto the nearest grammar. */
const ALIASES: Record<string, string> = {
  c: 'cpp',
  'c++': 'cpp',
  bash: 'shell',
  sh: 'shell',
  js: 'javascript',
  ts: 'typescript',
  py: 'python',
};
export function monacoLanguage(lang: string): string {
  const id = ALIASES[lang] ?? lang;
  return monaco.languages.getLanguages().some((l) => l.id === id) ? id : 'plaintext';
}

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

monaco.editor.defineTheme('studio-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: {
    'editor.background': '#15171c',
    'editorGutter.background': '#15171c',
    'editorLineNumber.foreground': '#5b6170',
    'editor.lineHighlightBackground': '#1d2027',
  },
});
monaco.editor.defineTheme('studio-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: {
    'editor.background': '#ffffff',
    'editorLineNumber.foreground': '#9aa1ad',
    'editor.lineHighlightBackground': '#f4f6f9',
  },
});

/** Follows the OS theme, live. */
export function applyTheme() {
  monaco.editor.setTheme(dark() ? 'studio-dark' : 'studio-light');
}
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);

export { monaco };
