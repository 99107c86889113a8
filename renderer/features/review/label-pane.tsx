import { useState, type RefObject } from 'react';
import type { LabelRecord } from '../../../shared/domain.js';
import { useApp } from '../../state/app-slice.js';
import { activeModel, useModels } from '../../state/models-slice.js';
import { currentRow, useReview } from '../../state/review-slice.js';
import { agentParts, fmtTime } from '../../ui/format.js';
import { ProbBar, ScoreBadge } from '../../ui/widgets.js';
import { SimilarCard } from './similar-card.js';
import { myName, useTeam } from '../../state/team-slice.js';
import { AnnotatorsCard, currentHumanLabels } from './team-cards.js';

/** The additive rubric (FineWeb-Edu / phi-1 style): what reaching each score means. */
const RUBRIC = [
  'no educational value: not code, data, broken or obfuscated',
  'valid code, even boilerplate or configuration',
  'addresses practical programming concepts',
  'suitable for teaching: structured, readable, commented',
  'self-contained and close to a school exercise or tutorial',
  'outstanding, textbook quality',
];

function latestLlm(labels: LabelRecord[]): LabelRecord | null {
  for (let i = labels.length - 1; i >= 0; i--) if (labels[i].kind === 'llm') return labels[i];
  return null;
}

function History({ labels }: { labels: LabelRecord[] }) {
  if (!labels.length) return <p className="muted small">No labels yet.</p>;
  const retracted = new Set(labels.filter((l) => l.retracts).map((l) => l.retracts));
  return (
    <ol className="history" data-testid="label-history">
      {[...labels].reverse().map((l) => (
        <li
          key={l.labelId}
          className={retracted.has(l.labelId) ? 'retracted' : ''}
          title={retracted.has(l.labelId) ? 'undone' : undefined}
        >
          <span className="history-kind">{l.retracts ? 'undo' : l.kind}</span>
          <span className="history-what">
            {l.retracts ? (
              <span className="muted">undid a label</span>
            ) : (
              <ScoreBadge score={l.score} kind={l.kind === 'llm' ? 'llm' : 'human'} />
            )}
            <span className="history-who" title={l.agent}>
              {l.kind === 'llm' ? agentParts(l.agent).model : l.agent}
            </span>
            {l.origin && !l.retracts && <span className="chip chip-small">{l.origin}</span>}
          </span>
          <time className="muted small" dateTime={l.createdAt} title={l.createdAt}>
            {fmtTime(l.createdAt)}
          </time>
          {l.note && <div className="history-note">“{l.note}”</div>}
        </li>
      ))}
    </ol>
  );
}

export function LabelPane({ noteRef }: { noteRef: RefObject<HTMLTextAreaElement | null> }) {
  const s = useReview();
  const [hover, setHover] = useState<number | null>(null);
  const blindOn = useTeam((t) => t.settings?.blindAssignments);
  const models = useModels((m) => m.models);
  const keepThreshold = useApp((a) => a.dataset?.keepThreshold ?? 3);
  const row = currentRow(s);
  if (!row) return <aside className="pane label-pane" aria-label="Labels" />;
  const detail = s.details[row.id];
  const allLabels = detail?.labels ?? [];
  const me = myName();
  const mine = currentHumanLabels(allLabels).votes.find((l) => l.agent === me) ?? null;
  const adjudicating = s.queue.kind === 'disagreements';
  const save0 = [...s.saves].reverse().find((x) => x.sampleId === row.id);
  // Blind mode: in My assignments, until I have labeled this sample, nobody else's score shows.
  const blind = s.queue.kind === 'assigned' && (blindOn ?? true) && !mine && !save0;
  const labels = blind ? allLabels.filter((l) => l.kind === 'human' && l.agent === me) : allLabels;
  const llm = blind ? null : latestLlm(labels);
  const llmScore = blind ? null : (detail?.row.llm_score ?? row.llm_score);
  const resolved = detail?.row.human_score ?? row.human_score;
  // The buttons show my own score in team queues (the resolved value mixes everyone's), else the resolved one.
  const human =
    s.queue.kind === 'assigned'
      ? (save0?.score ?? mine?.score ?? null)
      : adjudicating
        ? (currentHumanLabels(allLabels).adjudication?.score ?? null)
        : resolved;
  const model = activeModel(models);
  const threshold = model?.threshold ?? 0.5;
  const prob = blind ? null : (detail?.row.classifier_score ?? row.classifier_score);
  const save = [...s.saves].reverse().find((x) => x.sampleId === row.id);
  const agent = llm ? agentParts(llm.agent) : null;
  const shown = hover ?? (human === null || human === undefined ? null : Math.round(human));

  return (
    <aside className="pane label-pane" aria-label="Labels" data-testid="label-pane">
      <section className="card">
        <header className="card-head">
          <h3>LLM</h3>
          <span className="spacer" />
          {llmScore !== null && llmScore !== undefined && (
            <span className={`chip ${llmScore >= keepThreshold ? 'chip-keep' : 'chip-drop'}`}>
              {llmScore >= keepThreshold ? 'keep' : 'drop'}
            </span>
          )}
          {llmScore !== null && llmScore !== undefined && (
            <ScoreBadge score={llmScore} kind="llm" title="LLM score (0–5)" />
          )}
        </header>
        {blind ? (
          <p className="muted small blind-note" data-testid="blind-note">
            Hidden until you label: blind mode keeps the LLM’s and other people’s scores out of your judgement.
          </p>
        ) : llm ? (
          <>
            {llm.rationale && (
              <p className="rationale" data-testid="llm-rationale">
                {llm.rationale}
              </p>
            )}
            <p className="muted small agent" title={llm.agent}>
              {agent!.model} · {agent!.template}
              {agent!.hash && (
                <>
                  {' '}
                  · <span className="mono">{agent!.hash}</span>
                </>
              )}
            </p>
            <p className="muted small">
              Accept with <kbd className="kbd">Enter</kbd> or <kbd className="kbd">a</kbd>
            </p>
          </>
        ) : !detail ? (
          <p className="muted small">Loading…</p>
        ) : (
          <p className="muted small">
            No LLM label yet{useApp.getState().has('llm.run') ? ' — start an LLM labeling job in Train.' : '.'}
          </p>
        )}
      </section>

      <section className="card">
        <header className="card-head">
          <h3>Classifier</h3>
          <span className="spacer" />
          {prob !== null && prob !== undefined && (
            <span className={`chip ${prob >= threshold ? 'chip-keep' : 'chip-drop'}`}>
              {prob >= threshold ? 'keep' : 'drop'}
            </span>
          )}
        </header>
        {prob !== null && prob !== undefined ? (
          <>
            <ProbBar prob={prob} threshold={threshold} />
            <p className="muted small">
              p(keep) against threshold {threshold.toFixed(2)}
              {model ? ` · ${model.algo}` : ''}
            </p>
          </>
        ) : (
          <p className="muted small">No classifier score yet — train a model and score the dataset in Train.</p>
        )}
      </section>

      <section className="card card-human">
        <header className="card-head">
          <h3>{adjudicating ? 'Final score (adjudication)' : 'Your score'}</h3>
          <span className="spacer" />
          {saveStatus()}
        </header>
        <div className="score-buttons" role="group" aria-label="Your score">
          {RUBRIC.map((name, i) => (
            <button
              key={i}
              className={`score-btn score-s${i}${human === i ? ' selected' : ''}`}
              onClick={() => s.label(i)}
              title={`${i}: ${name} (key ${i})`}
              data-testid={`score-${i}`}
              aria-pressed={human === i}
              onMouseEnter={() => setHover(i)}
              onMouseLeave={() => setHover(null)}
            >
              {i}
            </button>
          ))}
        </div>
        <p className="rubric small" data-testid="rubric-line">
          {shown !== null && shown !== undefined ? (
            <>
              <strong>{shown}</strong> · {RUBRIC[shown]}
            </>
          ) : (
            <span className="muted">
              Press 0–5: +1 valid code · +1 practical · +1 teachable · +1 exercise-like · +1 textbook
            </span>
          )}
        </p>
        <textarea
          ref={noteRef}
          className="note"
          rows={2}
          placeholder="Note (n) — saved with your next label here"
          data-testid="note-input"
          value={s.notes[row.id] ?? ''}
          onChange={(e) => s.setNote(row.id, e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
        />
        {save && save.status === 'failed' && (
          <div className="save-failed" role="alert">
            <span>
              Label {save.score} was refused: {save.error}
            </span>
            <button className="btn btn-small" onClick={() => s.dismiss(save.key)}>
              Dismiss
            </button>
          </div>
        )}
      </section>

      {!blind && <AnnotatorsCard labels={allLabels} adjudicating={adjudicating} />}

      {useApp.getState().has('samples.similar') && (
        <SimilarCard sampleId={row.id} open={s.similarOpen} onToggle={s.toggleSimilar} />
      )}

      <section className="card card-history">
        <header className="card-head">
          <h3>History</h3>
        </header>
        {detail ? <History labels={labels} /> : <p className="muted small">Loading…</p>}
      </section>
    </aside>
  );

  function saveStatus() {
    if (!save)
      return human !== null && human !== undefined ? (
        <span className="save-status saved" data-testid="save-status">
          labeled
        </span>
      ) : null;
    switch (save.status) {
      case 'saving':
        return (
          <span className="save-status saving" data-testid="save-status">
            saving…
          </span>
        );
      case 'saved':
        return (
          <span className="save-status saved" data-testid="save-status" title={`label ${save.labelId}`}>
            ✓ saved
          </span>
        );
      case 'retrying':
        return (
          <span className="save-status retrying" data-testid="save-status" title={save.error}>
            not saved · retrying
          </span>
        );
      case 'failed':
        return (
          <span className="save-status failed" data-testid="save-status">
            not saved
          </span>
        );
    }
  }
}
