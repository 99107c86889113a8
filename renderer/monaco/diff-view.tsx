import { useEffect, useRef } from 'react';
import { applyTheme, monaco, monacoLanguage } from './setup.js';

/**
 * Read-only side-by-side diff: a benchmark item (left) against a sample (right), with the shared
 * span highlighted on both sides and scrolled into view on the sample side.
 */
export function DiffView({
  original,
  modified,
  language,
  originalSpan,
  modifiedSpan,
}: {
  original: string;
  modified: string;
  language: string;
  originalSpan: [number, number] | null;
  modifiedSpan: [number, number] | null;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneDiffEditor | null>(null);

  useEffect(() => {
    if (!host.current) return;
    applyTheme();
    const ed = monaco.editor.createDiffEditor(host.current, {
      readOnly: true,
      originalEditable: false,
      automaticLayout: true,
      renderSideBySide: true,
      // The review pane is narrower than Monaco's 900 px breakpoint: keep the two sides anyway.
      useInlineViewWhenSpaceIsLimited: false,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
      lineHeight: 20,
      contextmenu: false,
      renderOverviewRuler: false,
      // Keys belong to the review shortcuts, not to the editor.
      enableSplitViewResizing: true,
    });
    editor.current = ed;
    return () => {
      const m = ed.getModel();
      ed.dispose();
      m?.original.dispose();
      m?.modified.dispose();
      editor.current = null;
    };
  }, []);

  useEffect(() => {
    const ed = editor.current;
    if (!ed) return;
    const old = ed.getModel();
    const lang = monacoLanguage(language);
    const o = monaco.editor.createModel(original, lang);
    const m = monaco.editor.createModel(modified, lang);
    ed.setModel({ original: o, modified: m });
    const mark = (e: monaco.editor.ICodeEditor, model: monaco.editor.ITextModel, span: [number, number] | null) => {
      if (!span) return null;
      const a = model.getPositionAt(span[0]);
      const b = model.getPositionAt(span[1]);
      const range = new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
      e.createDecorationsCollection([
        { range, options: { inlineClassName: 'shared-span', className: 'shared-span-line', isWholeLine: false } },
      ]);
      return range;
    };
    mark(ed.getOriginalEditor(), o, originalSpan);
    const r = mark(ed.getModifiedEditor(), m, modifiedSpan);
    // The diff editor resets the scroll when its diff arrives (and again when it lays out the
    // two sides): reveal the span after each of those, until the models change.
    const reveal = () => {
      if (r) ed.getModifiedEditor().revealRangeInCenter(r, monaco.editor.ScrollType.Immediate);
    };
    reveal();
    const sub = ed.onDidUpdateDiff(() => {
      reveal();
      setTimeout(reveal, 50);
    });
    const timers = [setTimeout(reveal, 100), setTimeout(reveal, 400)];
    old?.original.dispose();
    old?.modified.dispose();
    return () => {
      sub.dispose();
      timers.forEach(clearTimeout);
    };
  }, [original, modified, language, originalSpan, modifiedSpan]);

  return <div className="code-view diff-view" ref={host} data-testid="diff-view" />;
}
