import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useApp } from '../../state/app-slice.js';
import { QUEUES, queueByKind, type QueueKind } from '../../state/queue-defs.js';
import { useReview } from '../../state/review-slice.js';
import { useTeam } from '../../state/team-slice.js';
import { fmtInt, shortPath } from '../../ui/format.js';
import { ScoreBadge } from '../../ui/widgets.js';

const ROW_H = 46;
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;
const dirName = (p: string) => p.split(/[\\/]/).slice(0, -1).join('/');

/** The queue as a virtualized list: path, tokens, score badges; the current row marked and kept in view. */
export function QueuePane({ searchRef }: { searchRef: RefObject<HTMLInputElement | null> }) {
  const { queue, rows, total, cursor, loading, exhausted, loadError, search, saves } = useReview();
  const has = useApp((s) => s.has);
  const [draft, setDraft] = useState(search);
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length + (exhausted ? 0 : 1),
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_H,
    overscan: 12,
  });

  useEffect(() => {
    if (cursor < rows.length) v.scrollToIndex(cursor, { align: 'auto' });
  }, [cursor, rows.length, v]);
  useEffect(() => {
    const items = v.getVirtualItems();
    const last = items[items.length - 1];
    if (last && last.index >= rows.length - 1 && !exhausted && !loading) void useReview.getState().loadMore();
  });

  const pending = new Map(saves.filter((s) => s.status !== 'saved').map((s) => [s.sampleId, s.status]));
  // Blind mode: in My assignments, no LLM badge until I have labeled that row here.
  const blindSettings = useTeam((t) => t.settings?.blindAssignments ?? true);
  const labeledHere = new Set(saves.map((s) => s.sampleId));
  const blindRow = (id: string) => queue.kind === 'assigned' && blindSettings && !labeledHere.has(id);
  const available = QUEUES.filter((q) => !q.requires || has(q.requires));
  const options = queue.kind === 'browse' ? [queue, ...available] : available;

  return (
    <aside className="pane queue-pane" aria-label="Queue">
      <div className="pane-head">
        <select
          className="queue-select"
          value={queue.kind}
          data-testid="queue-select"
          title={queue.hint}
          onChange={(e) => {
            const q = queueByKind(e.target.value as QueueKind);
            if (q) void useReview.getState().startQueue(q);
          }}
        >
          {options.map((q) => (
            <option key={q.kind} value={q.kind}>
              {q.label}
            </option>
          ))}
        </select>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            useReview.getState().setSearch(draft);
            (document.activeElement as HTMLElement)?.blur();
          }}
        >
          <input
            ref={searchRef}
            className="search"
            type="search"
            placeholder="Search code  /"
            value={draft}
            data-testid="queue-search"
            onChange={(e) => {
              setDraft(e.target.value);
              if (e.target.value === '' && search) useReview.getState().setSearch('');
            }}
          />
        </form>
        <div className="queue-meta muted small">
          {total === null ? (
            loading ? (
              'Loading…'
            ) : (
              ''
            )
          ) : (
            <>
              {fmtInt(total)} in queue{rows.length ? <> · #{fmtInt(Math.min(cursor + 1, rows.length))}</> : null}
            </>
          )}
        </div>
      </div>
      {loadError && <div className="error-text pad small">{loadError}</div>}
      <div className="queue-list" ref={parent} data-testid="queue-list">
        {rows.length === 0 && !loading && !loadError && (
          <div className="pad muted small">
            {search ? `No sample in this queue contains “${search}”.` : 'This queue is empty.'}
          </div>
        )}
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((it) => {
            const r = rows[it.index];
            if (!r)
              return (
                <div
                  key="more"
                  className="queue-row loading muted small"
                  style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}
                >
                  Loading more…
                </div>
              );
            const state = pending.get(r.id);
            return (
              <div
                key={r.id}
                className={`queue-row${it.index === cursor ? ' current' : ''}`}
                style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}
                onClick={() => useReview.getState().select(it.index)}
                data-testid="queue-row"
                aria-current={it.index === cursor}
              >
                <div className="queue-line">
                  <span className="queue-file" title={r.source}>
                    {baseName(r.path ?? r.source)}
                    {r.unit && <span className="queue-unit"> · {r.unit}</span>}
                  </span>
                  {state && <span className={`save-dot save-${state}`} title={`label ${state}`} />}
                  {!blindRow(r.id) && <ScoreBadge score={r.llm_score} kind="llm" title="LLM score" />}
                  {!blindRow(r.id) && <ScoreBadge score={r.human_score} kind="human" title="human score" />}
                </div>
                <div className="queue-line muted small">
                  <span className="queue-dir">{shortPath(dirName(r.path ?? r.source), 3)}</span>
                  {r.flags && r.flags.length > 0 && (
                    <span
                      className={`chip chip-small sensitive-chip ${r.flags.some((f) => f.startsWith('secret:')) ? 'secret' : 'pii'}`}
                      title={r.flags.join(', ')}
                    >
                      {r.flags.length === 1 ? r.flags[0] : `${r.flags.length} flags`}
                    </span>
                  )}
                  <span className="queue-tok">{fmtInt(r.tokens)} tok</span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </aside>
  );
}
