import { useEffect, useRef } from 'react';
import { useApp } from '../../state/app-slice.js';
import { useModels } from '../../state/models-slice.js';
import { useReview } from '../../state/review-slice.js';
import { isTyping } from '../../ui/widgets.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { KeyHints } from './key-hints.js';
import { actionForKey } from './keymap.js';
import { LabelPane } from './label-pane.js';
import { QueuePane } from './queue-pane.js';
import { SamplePane } from './sample-pane.js';
import { GuidelinesPanel } from './guidelines-panel.js';
import { useTeam } from '../../state/team-slice.js';
import { queueByKind } from '../../state/queue-defs.js';

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
    // An annotator on a team server starts in their own assignments.
    void useTeam
      .getState()
      .load()
      .then(() => {
        const me = useTeam.getState().me;
        const q = queueByKind('assigned');
        if (me?.team && me.role === 'annotator' && q && useReview.getState().queue.kind !== 'assigned')
          void useReview.getState().startQueue(q);
      })
      .catch(() => {});
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
      const hit = actionForKey(e.key);
      if (!hit) return;
      if (hit.action === 'similar' && !useApp.getState().has('samples.similar')) return;
      if (hit.action === 'guidelines' && !useApp.getState().has('guidelines.get')) return;
      e.preventDefault();
      switch (hit.action) {
        case 'score':
          return r.label(hit.score!);
        case 'accept-llm':
          return r.acceptLlm();
        case 'next':
          return r.move(1);
        case 'prev':
          return r.move(-1);
        case 'undo':
          return void r.undo();
        case 'note':
          return noteRef.current?.focus();
        case 'similar':
          return r.toggleSimilar();
        case 'guidelines':
          return useTeam.getState().toggleGuidelines();
        case 'search':
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
        <GuidelinesPanel />
      </div>
      <KeyHints />
    </div>
  );
}
