import { useMemo } from 'react';
import { Marked, type Tokens } from 'marked';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Markdown of generated text rendered as HTML. The text comes from a model, so raw HTML is shown
 * as text, and links and images render as their text only (nothing is fetched or navigated to).
 */
const md = new Marked({
  gfm: true,
  renderer: {
    html: (t: Tokens.HTML | Tokens.Tag) => escapeHtml(t.text),
    link(t: Tokens.Link) {
      return `<span class="md-link" title="${escapeHtml(t.href)}">${this.parser.parseInline(t.tokens)}</span>`;
    },
    image: (t: Tokens.Image) => `<span class="md-image">[image: ${escapeHtml(t.text)}]</span>`,
  },
});

export function MarkdownView({ text }: { text: string }) {
  const html = useMemo(() => md.parse(text, { async: false }), [text]);
  return <div className="markdown-view" data-testid="markdown-view" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** The Python code blocks of a markdown text, joined for Monaco, each under a marker comment. */
export function codeBlocksOf(text: string): string {
  const blocks: string[] = [];
  const walk = (tokens: ReturnType<Marked['lexer']>) => {
    for (const t of tokens) {
      if (t.type === 'code') blocks.push((t as Tokens.Code).text);
      if ('tokens' in t && Array.isArray(t.tokens)) walk(t.tokens as ReturnType<Marked['lexer']>);
      if (t.type === 'list')
        for (const item of (t as Tokens.List).items) walk(item.tokens as ReturnType<Marked['lexer']>);
    }
  };
  walk(md.lexer(text));
  return blocks.map((b, i) => `# --- code block ${i + 1} of ${blocks.length} ---\n${b}`).join('\n\n');
}
