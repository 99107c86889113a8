import { useEffect, useMemo } from 'react';
import type { SensitiveSpanView } from '../../../shared/hygiene.js';
import { CodeView, type CodeHighlight } from '../../monaco/code-view.js';
import { ContaminationPane } from './contamination-pane.js';
import { useApp } from '../../state/app-slice.js';
import { QUEUES } from '../../state/queue-defs.js';
import { currentRow, useReview } from '../../state/review-slice.js';
import { fmtInt } from '../../ui/format.js';
import { EmptyState } from '../../ui/widgets.js';
import { codeBlocksOf, MarkdownView } from '../../ui/markdown-view.js';

const PLACEHOLDER: Record<SensitiveSpanView['kind'], string> = {
  secret: '<SECRET>',
  private_key: '<PRIVATE_KEY>',
  email: '<EMAIL>',
  ip: '<IP_ADDRESS>',
};

/** Secret / PII spans as Monaco highlights: the hover names the finding and what an export writes instead. */
export function sensitiveHighlights(spans: readonly SensitiveSpanView[] | null | undefined): CodeHighlight[] {
  return (spans ?? []).map((s) => ({
    start: s.start,
    end: s.end,
    hover: `**${s.flag}** — exports and LLM prompts get \`${PLACEHOLDER[s.kind]}\` here`,
    className: s.kind === 'email' || s.kind === 'ip' ? 'sensitive-span pii' : 'sensitive-span secret',
  }));
}

/** Centre: the sample's source path and line range above read-only Monaco. */
export function SamplePane() {
  const s = useReview();
  const counts = useApp((a) => a.counts);
  const row = currentRow(s);
  const detail = row ? s.details[row.id] : undefined;
  const err = row ? s.detailErrors[row.id] : undefined;
  const ensureDetail = s.ensureDetail;
  const spans = detail?.hygiene.spans;
  const highlights = useMemo(() => sensitiveHighlights(spans), [spans]);
  const flags = [...new Set((spans ?? []).map((x) => x.flag))];
  useEffect(() => {
    if (row && !detail && !err) ensureDetail(row.id);
  }, [row, detail, err, ensureDetail]);

  if (!row) {
    if (s.loading && s.rows.length === 0)
      return (
        <section className="pane code-pane">
          <div className="pad muted">Loading queue…</div>
        </section>
      );
    const atEnd = s.rows.length > 0;
    const allReviewed = counts !== null && counts.total > 0 && counts.reviewed >= counts.total;
    const other = allReviewed
      ? QUEUES.find((q) => q.kind === 'all')
      : QUEUES.find((q) => q.kind !== s.queue.kind && q.paging === 'keyset');
    return (
      <section className="pane code-pane">
        <EmptyState
          icon={atEnd ? '✓' : '∅'}
          title={
            atEnd
              ? 'You reached the end of this queue'
              : allReviewed && !s.search
                ? 'Every sample has a human label'
                : s.search
                  ? 'Nothing matches this search'
                  : `Nothing in “${s.queue.label}”`
          }
          actions={
            <>
              {atEnd && (
                <button className="btn" onClick={() => s.move(-1)}>
                  Back to the last sample <kbd className="kbd">k</kbd>
                </button>
              )}
              {other && (
                <button className="btn btn-primary" onClick={() => void s.startQueue(other)}>
                  Open “{other.label}”
                </button>
              )}
            </>
          }
        >
          <p>
            {atEnd
              ? 'Every sample loaded for this queue has been shown. Pick another queue, or import more code from Datasets.'
              : s.queue.kind === 'llm-unreviewed'
                ? 'No sample has an LLM score without a human label. Run an LLM labeling job from Train.'
                : s.queue.kind === 'disagree'
                  ? 'No LLM and human labels disagree on keep/drop.'
                  : s.queue.kind === 'sensitive'
                    ? 'No sample has a secret or PII finding. Datasets imported before scanning existed need `tbs scan` first.'
                    : 'Pick another queue, or import more code from Datasets.'}
          </p>
        </EmptyState>
      </section>
    );
  }

  const lines = detail ? detail.sample.text.split('\n').length : 0;
  const start = detail?.sample.startLine ?? 1;
  const range = detail
    ? detail.sample.startLine !== null
      ? `lines ${detail.sample.startLine}–${detail.sample.endLine}`
      : `whole file · ${fmtInt(lines)} lines`
    : '';
  return (
    <section className="pane code-pane" aria-label="Code">
      <div className="code-head" data-testid="sample-head" data-sample-id={row.id}>
        <div className="code-path mono" title={row.source}>
          {detail?.sample.path ?? row.path ?? row.source}
        </div>
        <div className="code-meta">
          <span className="chip">{row.language}</span>
          {range && (
            <span className="muted small" data-testid="line-range">
              {range}
            </span>
          )}
          <span className="muted small">
            {fmtInt(row.tokens)} tokens{detail && !detail.sample.tokensExact ? ' (est.)' : ''}
          </span>
          {detail?.sample.repo && <span className="muted small">repo {detail.sample.repo}</span>}
          <span className="spacer" />
          <span className="muted small mono" title="sample id (content hash)">
            {row.id.slice(0, 12)}
          </span>
        </div>
        {flags.length > 0 && (
          <div className="code-flags" data-testid="sample-flags">
            <span className="muted small">Sensitive (redacted on export):</span>
            {flags.map((f) => (
              <span
                key={f}
                className={`chip chip-small sensitive-chip ${f.startsWith('pii:') ? 'pii' : 'secret'}`}
                title="found by the secret / PII scan; highlighted in the code; redacted on export"
                data-testid="flag-chip"
              >
                {f}
              </span>
            ))}
          </div>
        )}
      </div>
      <div className="code-body">
        {detail && row.contamination ? (
          <ContaminationPane id={row.id} text={detail.sample.text} language={detail.sample.language} />
        ) : detail && detail.sample.language === 'markdown' ? (
          <div className="markdown-split">
            <MarkdownView text={detail.sample.text} />
            <div className="md-code">
              <CodeView text={codeBlocksOf(detail.sample.text)} language="python" firstLine={1} />
            </div>
          </div>
        ) : detail ? (
          <CodeView
            text={detail.sample.text}
            language={detail.sample.language}
            firstLine={start}
            highlights={highlights}
          />
        ) : (
          <div className="pad muted">
            {err && err !== 'loading' ? (
              <span className="error-text">Could not load this sample: {err}</span>
            ) : (
              'Loading code…'
            )}
          </div>
        )}
      </div>
    </section>
  );
}
