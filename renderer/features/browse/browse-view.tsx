import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { LABEL_STATES } from '../../../shared/api.js';
import { useApp } from '../../state/app-slice.js';
import {
  browseQuery,
  HYGIENE_FILTERS,
  rowAt,
  useBrowse,
  type BrowseFilters,
  type SortField,
} from '../../state/browse-slice.js';
import { browseQueue } from '../../state/queue-defs.js';
import { useReview } from '../../state/review-slice.js';
import { counted, fmtInt, shortPath } from '../../ui/format.js';
import { ProbBar, ScoreBadge } from '../../ui/widgets.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { useCompare } from '../../state/compare-slice.js';

/** Compare two selected samples, or the top and bottom of the current filter, side by side. */
function CompareBar() {
  const b = useBrowse();
  const { selected, clearSelection } = useCompare();
  const [note, setNote] = useState<string | null>(null);
  const open = () => useApp.getState().setView('compare');
  return (
    <div className="compare-bar filterbar" data-testid="compare-bar">
      <button
        className="btn btn-small"
        disabled={selected.length !== 2}
        data-testid="compare-selected"
        onClick={() => {
          useCompare.getState().compare(selected[0], selected[1], 'two samples selected in Browse');
          open();
        }}
      >
        Compare {selected.length}/2 selected
      </button>
      {selected.length > 0 && (
        <button className="btn btn-small btn-ghost" onClick={clearSelection}>
          Clear selection
        </button>
      )}
      <button
        className="btn btn-small"
        data-testid="compare-top-bottom"
        title="the highest- and lowest-scored samples of the current filter, side by side"
        onClick={() => {
          setNote(null);
          void useCompare
            .getState()
            .topVsBottom(browseQuery(b))
            .then((err) => (err ? setNote(err) : open()))
            .catch((e: Error) => setNote(e.message));
        }}
      >
        Top vs bottom
      </button>
      {note && <span className="muted small">{note}</span>}
    </div>
  );
}

const ROW_H = 30;
const LABEL_STATE_NAMES: Record<(typeof LABEL_STATES)[number], string> = {
  any: 'Any label state',
  unlabeled: 'No label at all',
  llm: 'Has LLM label',
  human: 'Has human label',
  'no-human': 'No human label',
  both: 'LLM and human',
  disagree: 'LLM ≠ human (keep/drop)',
};

const COLUMNS: { field: SortField | null; label: string; cls: string; title?: string }[] = [
  { field: null, label: '', cls: 'c-sel', title: 'select two samples to compare' },
  { field: 'id', label: 'ID', cls: 'c-id' },
  { field: 'source', label: 'Source / path', cls: 'c-src' },
  { field: null, label: 'Lang', cls: 'c-lang' },
  { field: 'tokens', label: 'Tokens', cls: 'c-tok num' },
  { field: 'llm_score', label: 'LLM', cls: 'c-score', title: 'LLM score 0–5' },
  { field: 'human_score', label: 'Human', cls: 'c-score', title: 'human score 0–5' },
  { field: 'classifier_score', label: 'Classifier', cls: 'c-prob', title: 'classifier p(keep)' },
  { field: 'disagreement', label: 'Δ', cls: 'c-dis num', title: '|LLM − human|' },
];

function RangeInput({
  label,
  lo,
  hi,
  step,
  max,
  onChange,
  testId,
}: {
  label: string;
  lo: number | null;
  hi: number | null;
  step: number;
  max: number;
  onChange: (lo: number | null, hi: number | null) => void;
  testId?: string;
}) {
  const parse = (v: string) => (v === '' ? null : Math.max(0, Math.min(max, Number(v))));
  return (
    <div className="range" data-testid={testId}>
      <span className="range-label">{label}</span>
      <input
        type="number"
        min={0}
        max={max}
        step={step}
        value={lo ?? ''}
        placeholder="min"
        onChange={(e) => onChange(parse(e.target.value), hi)}
        aria-label={`${label} minimum`}
      />
      <span className="muted">–</span>
      <input
        type="number"
        min={0}
        max={max}
        step={step}
        value={hi ?? ''}
        placeholder="max"
        onChange={(e) => onChange(lo, parse(e.target.value))}
        aria-label={`${label} maximum`}
      />
    </div>
  );
}

function FilterBar() {
  const { filters, setFilters, clearFilters, total } = useBrowse();
  const [source, setSource] = useState(filters.source);
  const [text, setText] = useState(filters.text);
  const [where, setWhere] = useState(filters.where);
  const apply = (patch: Partial<BrowseFilters>) => setFilters(patch);
  const dirty =
    JSON.stringify(filters) !==
    JSON.stringify({
      ...filters,
      labelState: 'any',
      llmMin: null,
      llmMax: null,
      humanMin: null,
      humanMax: null,
      probMin: null,
      probMax: null,
      source: '',
      text: '',
      contaminated: false,
      hygiene: '',
      where: '',
    });
  return (
    <div className="filterbar" data-testid="browse-filters">
      <select
        value={filters.labelState}
        onChange={(e) => apply({ labelState: e.target.value as BrowseFilters['labelState'] })}
        data-testid="filter-label-state"
        aria-label="Label state"
      >
        {LABEL_STATES.map((s) => (
          <option key={s} value={s}>
            {LABEL_STATE_NAMES[s]}
          </option>
        ))}
      </select>
      <RangeInput
        label="LLM"
        lo={filters.llmMin}
        hi={filters.llmMax}
        step={1}
        max={5}
        onChange={(lo, hi) => apply({ llmMin: lo, llmMax: hi })}
        testId="filter-llm"
      />
      <RangeInput
        label="Human"
        lo={filters.humanMin}
        hi={filters.humanMax}
        step={1}
        max={5}
        onChange={(lo, hi) => apply({ humanMin: lo, humanMax: hi })}
      />
      <label className="check small" title="samples with a benchmark match nobody overruled">
        <input
          type="checkbox"
          checked={filters.contaminated}
          onChange={(e) => apply({ contaminated: e.target.checked })}
          data-testid="filter-contaminated"
        />{' '}
        Contaminated
      </label>
      <select
        value={filters.hygiene}
        onChange={(e) => apply({ hygiene: e.target.value })}
        data-testid="filter-hygiene"
        aria-label="Hygiene"
        title="secret / PII flags and the heuristic filters' values (as the Export view's Hygiene card uses them)"
      >
        <option value="">Hygiene: any</option>
        {HYGIENE_FILTERS.map((h) => (
          <option key={h.where} value={h.where}>
            {h.label}
          </option>
        ))}
      </select>
      <RangeInput
        label="p(keep)"
        lo={filters.probMin}
        hi={filters.probMax}
        step={0.05}
        max={1}
        onChange={(lo, hi) => apply({ probMin: lo, probMax: hi })}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply({ source, text, where });
        }}
        className="filter-text"
      >
        <input
          value={source}
          onChange={(e) => setSource(e.target.value)}
          placeholder="source contains"
          aria-label="Source contains"
          onBlur={() => source !== filters.source && apply({ source })}
        />
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="code contains"
          aria-label="Code contains"
          onBlur={() => text !== filters.text && apply({ text })}
          data-testid="filter-text"
        />
        <input
          className="mono where"
          value={where}
          onChange={(e) => setWhere(e.target.value)}
          placeholder="where  tokens < 500 AND path LIKE '%util%'"
          aria-label="Where expression"
          onBlur={() => where !== filters.where && apply({ where })}
        />
        <button type="submit" className="btn btn-small">
          Apply
        </button>
      </form>
      {dirty && (
        <button
          className="btn btn-small btn-ghost"
          onClick={() => {
            setSource('');
            setText('');
            setWhere('');
            clearFilters();
          }}
        >
          Clear
        </button>
      )}
      <span className="spacer" />
      <span className="muted small" data-testid="browse-total">
        {total === null ? 'Loading…' : counted(total, 'sample')}
      </span>
    </div>
  );
}

export function BrowseView() {
  const b = useBrowse();
  const counts = useApp((s) => s.counts);
  const selected = useCompare((s) => s.selected);
  const parent = useRef<HTMLDivElement>(null);
  const count = b.total ?? 0;
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => ROW_H, overscan: 20 });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (b.total === null && !b.error) b.ensureRange(0, 0);
  }, [b.total, b.error, b.version]);
  useEffect(() => {
    if (count) b.ensureRange(first, last);
  }, [first, last, count, b.version]);
  useEffect(() => {
    v.scrollToOffset(0);
  }, [b.version]);

  const openAt = (index: number) => {
    const row = rowAt(b.pages, index);
    void useReview.getState().startQueue(browseQueue(browseQuery(b)), { startOffset: index, focusId: row?.id });
    useApp.getState().setView('review');
  };

  if (counts && counts.total === 0) return <DatasetEmpty />;

  return (
    <div className="page browse" data-testid="browse-view">
      <FilterBar />
      <CompareBar />
      {b.error && (
        <div className="error-banner" role="alert">
          {b.error}
        </div>
      )}
      <div className="table-wrap">
        <div className="thead" role="row">
          {COLUMNS.map((c) => (
            <div
              key={c.label}
              className={`th ${c.cls}${c.field ? ' sortable' : ''}${b.sort === c.field ? ' sorted' : ''}`}
              title={c.title}
              role="columnheader"
              aria-sort={b.sort === c.field ? (b.desc ? 'descending' : 'ascending') : 'none'}
              onClick={() => c.field && b.setSort(c.field)}
              data-testid={c.field ? `sort-${c.field}` : undefined}
            >
              {c.label}
              {b.sort === c.field && <span className="sort-arrow">{b.desc ? '▼' : '▲'}</span>}
            </div>
          ))}
        </div>
        <div className="tbody" ref={parent} data-testid="browse-table">
          {b.total === 0 && (
            <div className="pad muted">
              No sample matches these filters.{' '}
              <button className="linklike" onClick={() => b.clearFilters()}>
                Clear filters
              </button>
            </div>
          )}
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const r = rowAt(b.pages, it.index);
              return (
                <div
                  key={it.key}
                  className={`tr${it.index % 2 ? ' odd' : ''}`}
                  style={{ transform: `translateY(${it.start}px)`, height: ROW_H }}
                  onClick={() => r && openAt(it.index)}
                  role="row"
                  data-testid="browse-row"
                  data-index={it.index}
                  tabIndex={0}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && r) openAt(it.index);
                  }}
                >
                  {r ? (
                    <>
                      <div className="td c-sel" onClick={(e) => e.stopPropagation()}>
                        <input
                          type="checkbox"
                          aria-label={`select ${r.id.slice(0, 10)} to compare`}
                          data-testid="select-row"
                          checked={selected.includes(r.id)}
                          onChange={() => useCompare.getState().toggle(r.id)}
                        />
                      </div>
                      <div className="td c-id mono">{r.id.slice(0, 10)}</div>
                      <div className="td c-src" title={r.source}>
                        {shortPath(r.path ?? r.source, 4)}
                      </div>
                      <div className="td c-lang muted">{r.language}</div>
                      <div className="td c-tok num" data-testid="cell-tokens">
                        {fmtInt(r.tokens)}
                      </div>
                      <div className="td c-score">
                        <ScoreBadge score={r.llm_score} kind="llm" />
                      </div>
                      <div className="td c-score">
                        <ScoreBadge score={r.human_score} kind="human" />
                      </div>
                      <div className="td c-prob">
                        <ProbBar prob={r.classifier_score} compact />
                      </div>
                      <div className="td c-dis num">{r.disagreement ?? ''}</div>
                    </>
                  ) : (
                    <div className="td muted">…</div>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
