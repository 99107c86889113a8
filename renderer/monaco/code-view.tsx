import { useEffect, useRef } from 'react';
import { applyTheme, monaco, monacoLanguage } from './setup.js';

/**
 * Read-only Monaco for one sample. One editor for the view's lifetime; the model changes with
 * the sample, and line numbers follow the chunk's position in its source file.
 */
export function CodeView({ text, language, firstLine }: { text: string; language: string; firstLine: number }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);

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

  return <div className="code-view" ref={host} data-testid="code-view" />;
}
