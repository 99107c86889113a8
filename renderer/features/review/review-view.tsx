import { useEffect, useRef } from 'react';
import { useApp } from '../../state/app-slice.js';
import { useModels } from '../../state/models-slice.js';
import { currentRow, useReview } from '../../state/review-slice.js';
import { useContamination } from '../../state/contamination-slice.js';
import { isTyping } from '../../ui/widgets.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { KeyHints } from './key-hints.js';
import { LabelPane } from './label-pane.js';
import { QueuePane } from './queue-pane.js';
import { SamplePane } from './sample-pane.js';

/** Review: queue left, code centre, judgement right, key hints below. Keyboard first. */
export function ReviewView() {
  const dataset = useApp((s) => s.dataset);
  const counts = useApp((s) => s.counts);
  const started = useRef(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const r = useReview.getState();
    if (!started.current && r.total === null && !r.loading) void r.startQueue(r.queue);
    started.current = true;
    void useModels.getState().load();
  }, [dataset?.dir]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (useApp.getState().shortcutsOpen || useApp.getState().settingsOpen) return;
      if (isTyping(e)) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      const r = useReview.getState();
      const k = e.key;
      if (k >= '0' && k <= '5' && k.length === 1) {
        e.preventDefault();
        r.label(Number(k));
        return;
      }
      switch (k) {
        case 'Enter':
        case 'a':
          e.preventDefault();
          r.acceptLlm();
          return;
        case 'j':
        case 'ArrowDown':
          e.preventDefault();
          r.move(1);
          return;
        case 'k':
        case 'ArrowUp':
          e.preventDefault();
          r.move(-1);
          return;
        case 'u':
          e.preventDefault();
          void r.undo();
          return;
        case 'c':
        case 'o': {
          // Decisions on a benchmark match of the current sample (only flagged samples have one).
          const row = currentRow(r);
          if (!row?.contamination) return;
          e.preventDefault();
          void useContamination.getState().decide(row.id, k === 'c' ? 'confirm' : 'overrule');
          return;
        }
        case 'n':
          e.preventDefault();
          noteRef.current?.focus();
          return;
        case 's':
          if (useApp.getState().has('samples.similar')) {
            e.preventDefault();
            r.toggleSimilar();
          }
          return;
        case '/':
          e.preventDefault();
          searchRef.current?.focus();
          searchRef.current?.select();
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (counts && counts.total === 0) return <DatasetEmpty />;

  return (
    <div className="review-wrap">
      <div className="review" data-testid="review-view">
        <QueuePane searchRef={searchRef} />
        <SamplePane />
        <LabelPane noteRef={noteRef} />
      </div>
      <KeyHints />
    </div>
  );
}
