import { useEffect } from 'react';
import { DiffView } from '../../monaco/diff-view.js';
import { useContamination } from '../../state/contamination-slice.js';

/**
 * A flagged sample beside the benchmark item it matched: which benchmark, item and method, the
 * decision so far, and confirm (c) / overrule (o) with a note.
 */
export function ContaminationPane({ id, text, language }: { id: string; text: string; language: string }) {
  const c = useContamination();
  const list = c.matches[id];
  const err = c.errors[id];
  const idx = c.selected[id] ?? 0;
  const load = c.load;
  useEffect(() => {
    void load(id);
  }, [id, load]);
  if (err) return <div className="pad error-text">Could not load the benchmark matches: {err}</div>;
  if (!list) return <div className="pad muted">Loading benchmark matches…</div>;
  const m = list[idx];
  if (!m) return <div className="pad muted">No stored benchmark match for this sample.</div>;
  return (
    <div className="contamination" data-testid="contamination-pane">
      <div className="contamination-head">
        {list.length > 1 ? (
          <select
            value={idx}
            onChange={(e) => c.select(id, Number(e.target.value))}
            aria-label="Benchmark match"
            data-testid="contamination-select"
          >
            {list.map((x, i) => (
              <option key={x.subject + x.method} value={i}>
                {x.subject} · {x.method}
              </option>
            ))}
          </select>
        ) : null}
        <span className="chip warn" data-testid="contamination-subject">
          {m.benchmark} / {m.item}
        </span>
        <span className="chip" data-testid="contamination-method">
          {m.method}
          {m.similarity !== null ? ` ${m.similarity.toFixed(2)}` : ''}
        </span>
        <span className="muted small" data-testid="contamination-decision">
          {m.decision
            ? `${m.decision.verdict === 'overrule' ? 'overruled' : 'confirmed'} by ${m.decision.annotator}${m.decision.note ? ` — ${m.decision.note}` : ''}`
            : 'no decision yet'}
        </span>
        <span className="spacer" />
        <input
          className="input small"
          placeholder="note (why)"
          value={c.notes[id] ?? ''}
          onChange={(e) => c.setNote(id, e.target.value)}
          data-testid="contamination-note"
          aria-label="Decision note"
        />
        <button className="btn" onClick={() => void c.decide(id, 'confirm')} data-testid="contamination-confirm">
          Confirm <kbd className="kbd">c</kbd>
        </button>
        <button className="btn" onClick={() => void c.decide(id, 'overrule')} data-testid="contamination-overrule">
          Overrule <kbd className="kbd">o</kbd>
        </button>
      </div>
      <div className="muted small contamination-legend">
        left: benchmark item · right: this sample · highlighted: the shared span
      </div>
      <DiffView
        original={m.itemCode ?? '(the benchmark item text was not stored)'}
        modified={text}
        language={language}
        originalSpan={m.itemSpan}
        modifiedSpan={m.sampleSpan}
      />
    </div>
  );
}
