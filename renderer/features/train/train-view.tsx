import { useEffect, useState } from 'react';
import { useApp } from '../../state/app-slice.js';
import { useModels } from '../../state/models-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt, fmtTime } from '../../ui/format.js';
import { EmptyState } from '../../ui/widgets.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { LlmCard } from './llm-card.js';
import { Confusion, PrCurve } from './model-charts.js';

const pct = (v: number | null) => (v === null ? '–' : v.toFixed(3));

/** Train: LLM labeling runs, then classifiers side by side with their held-out metrics. */
export function TrainView() {
  const has = useApp((s) => s.has);
  const counts = useApp((s) => s.counts);
  const { models, load, error } = useModels();
  const [algo, setAlgo] = useState<'forest' | 'logistic'>('forest');
  const [sources, setSources] = useState<('human' | 'llm')[]>(['human', 'llm']);
  const [busy, setBusy] = useState<string | null>(null);
  const [msg, setMsg] = useState<{ text: string; error?: boolean } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    void load();
  }, [load]);

  if (!has('model.train')) {
    return (
      <div className="page">
        <EmptyState title="Training is not part of this build">
          Classifier training arrives with the model.train command.
        </EmptyState>
      </div>
    );
  }
  if (counts && counts.total === 0) return <DatasetEmpty />;

  const act = async (what: string, fn: () => Promise<string>) => {
    setBusy(what);
    setMsg(null);
    try {
      setMsg({ text: await fn() });
      await load();
      await useApp.getState().refreshCounts();
    } catch (e) {
      setMsg({ text: (e as Error).message, error: true });
    } finally {
      setBusy(null);
    }
  };
  const train = () =>
    act('train', async () => {
      const m = await call('model.train', { algo, sources });
      setSelected(m.modelId);
      return `Trained ${m.algo} on ${fmtInt(m.labelSnapshot.labeled)} labels: F1 ${pct(m.metrics.f1)} at threshold ${m.threshold.toFixed(2)}`;
    });
  const shown = models.find((m) => m.modelId === selected) ?? models.find((m) => m.active) ?? models[0];
  const toggle = (s: 'human' | 'llm') =>
    setSources(sources.includes(s) ? sources.filter((x) => x !== s) : [...sources, s]);

  return (
    <div className="page train" data-testid="train-view">
      <div className="page-grid">
        <div className="col">
          {has('llm.run') && <LlmCard onDone={() => void useApp.getState().refreshCounts()} />}
          <section className="card">
            <header className="card-head">
              <h3>Classifiers</h3>
            </header>
            <div className="row gap wrap">
              <select
                value={algo}
                onChange={(e) => setAlgo(e.target.value as 'forest' | 'logistic')}
                aria-label="Algorithm"
              >
                <option value="forest">Random forest (phi-1)</option>
                <option value="logistic">Logistic regression</option>
              </select>
              <label className="check">
                <input type="checkbox" checked={sources.includes('human')} onChange={() => toggle('human')} /> human
                labels
              </label>
              <label className="check">
                <input type="checkbox" checked={sources.includes('llm')} onChange={() => toggle('llm')} /> LLM labels
              </label>
              <span className="spacer" />
              <button
                className="btn btn-primary"
                disabled={busy !== null || !sources.length}
                onClick={() => void train()}
              >
                {busy === 'train' ? 'Embedding + training…' : 'Train on embeddings'}
              </button>
            </div>
            {msg && (
              <p className={msg.error ? 'error-text' : 'ok-text'} role="status">
                {msg.text}
              </p>
            )}
            {error && <p className="error-text">{error}</p>}
            {models.length === 0 ? (
              <p className="muted small">
                No model yet. Label a few hundred samples (LLM or human), then train: the classifier learns the label
                from code embeddings and scores everything else.
              </p>
            ) : (
              <table className="table table-compact models">
                <thead>
                  <tr>
                    <th>Created</th>
                    <th>Algo</th>
                    <th className="num">Labels</th>
                    <th className="num">F1</th>
                    <th className="num">Prec.</th>
                    <th className="num">Recall</th>
                    <th className="num">PR-AUC</th>
                    <th className="num">Thresh.</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {models.map((m) => (
                    <tr
                      key={m.modelId}
                      className={m.modelId === shown?.modelId ? 'selected' : ''}
                      onClick={() => setSelected(m.modelId)}
                    >
                      <td>
                        {fmtTime(m.createdAt)} {m.active && <span className="chip chip-keep">active</span>}
                      </td>
                      <td title={m.embedderId}>{m.algo}</td>
                      <td className="num">{fmtInt(m.labelSnapshot.labeled)}</td>
                      <td className="num">{pct(m.metrics.f1)}</td>
                      <td className="num">{pct(m.metrics.precision)}</td>
                      <td className="num">{pct(m.metrics.recall)}</td>
                      <td className="num">{pct(m.metrics.prAuc)}</td>
                      <td className="num">{m.threshold.toFixed(2)}</td>
                      <td className="actions">
                        {!m.active && (
                          <button
                            className="btn btn-small"
                            disabled={busy !== null}
                            onClick={(e) => {
                              e.stopPropagation();
                              void act('activate', async () => {
                                await call('model.activate', { modelId: m.modelId });
                                return 'Activated';
                              });
                            }}
                          >
                            Activate
                          </button>
                        )}
                        <button
                          className="btn btn-small"
                          disabled={busy !== null}
                          onClick={(e) => {
                            e.stopPropagation();
                            void act('score', async () => {
                              const r = await call('model.score', { modelId: m.modelId });
                              return `Scored ${fmtInt(r.scored)} samples (${fmtInt(r.alreadyScored)} already scored)`;
                            });
                          }}
                        >
                          Score all
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
        <div className="col">
          {shown && (
            <section className="card">
              <header className="card-head">
                <h3>Held-out metrics</h3>
                <span className="spacer" />
                <span className="muted small mono ellipsis" title={shown.modelId}>
                  {shown.modelId}
                </span>
              </header>
              <PrCurve model={shown} />
              <Confusion model={shown} />
              <p className="muted small">
                Threshold {shown.threshold.toFixed(2)} ({shown.thresholdSource}) · {fmtInt(shown.metrics.trainSize)}{' '}
                train / {fmtInt(shown.metrics.testSize)} test · baselines: majority F1 {pct(shown.baselines.majorityF1)}
                , always-keep F1 {pct(shown.baselines.alwaysKeepF1)}, length-only F1 {pct(shown.baselines.lengthOnlyF1)}
              </p>
            </section>
          )}
        </div>
      </div>
    </div>
  );
}
