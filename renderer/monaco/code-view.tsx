import { useEffect, useRef } from 'react';
import { applyTheme, monaco, monacoLanguage } from './setup.js';

/** A span of the text to mark, with the hover that says why (offsets are UTF-16, end exclusive). */
export interface CodeHighlight {
  start: number;
  end: number;
  hover: string;
  /** CSS class of the marked characters. */
  className: string;
}

/**
 * Read-only Monaco for one sample. One editor for the view's lifetime; the model changes with
 * the sample, and line numbers follow the chunk's position in its source file.
 */
export function CodeView({
  text,
  language,
  firstLine,
  highlights,
}: {
  text: string;
  language: string;
  firstLine: number;
  highlights?: readonly CodeHighlight[];
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const marks = useRef<monaco.editor.IEditorDecorationsCollection | null>(null);

  useEffect(() => {
    if (!host.current) return;
    applyTheme();
    const ed = monaco.editor.create(host.current, {
      readOnly: true,
      domReadOnly: true,
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontFamily:
        'ui-monospace, "SF Mono", "JetBrains Mono", "Cascadia Code", Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 20,
      renderLineHighlight: 'none',
      contextmenu: false,
      folding: true,
      wordWrap: 'off',
      padding: { top: 10, bottom: 10 },
      scrollbar: { verticalScrollbarSize: 10, horizontalScrollbarSize: 10 },
      occurrencesHighlight: 'off',
      selectionHighlight: false,
      links: false,
      stickyScroll: { enabled: false },
      // Keys belong to the review shortcuts, not to the editor.
      tabIndex: -1,
    });
    editor.current = ed;
    marks.current = ed.createDecorationsCollection();
    return () => {
      ed.getModel()?.dispose();
      ed.dispose();
      editor.current = null;
    };
  }, []);

  useEffect(() => {
    const ed = editor.current;
    if (!ed) return;
    const old = ed.getModel();
    const model = monaco.editor.createModel(text, monacoLanguage(language));
    ed.setModel(model);
    ed.updateOptions({
      lineNumbers: (n: number) => String(n + firstLine - 1),
      lineNumbersMinChars: Math.max(3, String(firstLine + model.getLineCount()).length),
    });
    ed.setScrollTop(0);
    old?.dispose();
  }, [text, language, firstLine]);

  useEffect(() => {
    const ed = editor.current;
    const model = ed?.getModel();
    if (!ed || !model || !marks.current) return;
    const len = model.getValueLength();
    // Offsets come from the stored text, which is this model's text: positions map one to one.
    const ranges = (highlights ?? [])
      .filter((h) => h.start < h.end && h.end <= len)
      .map((h) => {
        const a = model.getPositionAt(h.start);
        const b = model.getPositionAt(h.end);
        return {
          range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column),
          options: {
            inlineClassName: h.className,
            hoverMessage: { value: h.hover },
            overviewRuler: { color: 'rgba(220, 60, 60, 0.8)', position: monaco.editor.OverviewRulerLane.Right },
          },
        };
      });
    marks.current.set(ranges);
    // The first finding is where the reviewer needs to look: bring it into view.
    if (ranges.length) ed.revealRangeInCenterIfOutsideViewport(ranges[0].range);
  }, [highlights, text, language, firstLine]);

  return <div className="code-view" ref={host} data-testid="code-view" data-highlights={highlights?.length ?? 0} />;
}
