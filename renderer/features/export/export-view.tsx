import { useEffect, useMemo, useState } from 'react';
import type { StudioInput, StudioOutput } from '../../../shared/contract/app.js';
import { DECISION_TIERS, EXPORT_SUBSETS, type ExportSubset } from '../../../shared/enums.js';
import { useApp } from '../../state/app-slice.js';
import { call } from '../../transport/studio-client.js';
import { fmtInt } from '../../ui/format.js';
import { EmptyState } from '../../ui/widgets.js';
import { DatasetEmpty } from '../datasets/dataset-empty.js';
import { DEFAULT_HYGIENE, HygieneCard } from './hygiene-card.js';
import type { HygieneRuleView } from '../../../shared/hygiene.js';

type Tier = 'human' | 'llm' | 'classifier';
const TIERS: { tier: Tier; label: string }[] = [
  { tier: 'human', label: 'human' },
  { tier: 'llm', label: 'LLM' },
  { tier: 'classifier', label: 'classifier' },
];
const SUBSET_HINT: Record<ExportSubset, string> = {
  filtered: 'imported code (every non-synthetic source)',
  textbook: 'synthetic:textbook',
  exercises: 'synthetic:exercises',
};
const optNum = (v: string) => (v.trim() === '' ? null : Number(v));
const lines = (v: string) =>
  v
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Export: the rule on the left, the funnel updating live on the right, then one button. */
export function ExportView() {
  const { has, dataset, mode } = useApp();
  const counts = useApp((s) => s.counts);
  const [precedence, setPrecedence] = useState<Tier[]>([...DECISION_TIERS]);
  const [minScore, setMinScore] = useState(dataset?.keepThreshold ?? 3);
  const [minProb, setMinProb] = useState('');
  const [nearDup, setNearDup] = useState('');
  const [budget, setBudget] = useState('');
  const [languages, setLanguages] = useState('');
  const [benchmarks, setBenchmarks] = useState('');
  // None checked: one default config, as always; any checked: one config per subset.
  const [subsets, setSubsets] = useState<ExportSubset[]>([]);
  const [hygiene, setHygiene] = useState<HygieneRuleView>(DEFAULT_HYGIENE);
  const [outDir, setOutDir] = useState(dataset ? `${dataset.dir}-export` : '');
  const [format, setFormat] = useState<'parquet' | 'jsonl' | 'jsonl.gz'>('parquet');
  const [overwrite, setOverwrite] = useState(false);
  const [preview, setPreview] = useState<StudioOutput<'export.preview'> | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [result, setResult] = useState<StudioOutput<'export.run'> | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  const rule: StudioInput<'export.preview'> = useMemo(
    () => ({
      precedence: precedence.length ? precedence : ['human'],
      minScore,
      minProb: optNum(minProb),
      nearDup: optNum(nearDup),
      budgetTokens: optNum(budget),
      languages: lines(languages).length ? lines(languages) : undefined,
      benchmarks: lines(benchmarks),
      subsets: subsets.length ? EXPORT_SUBSETS.filter((s) => subsets.includes(s)) : undefined,
      hygiene,
    }),
    [precedence, minScore, minProb, nearDup, budget, languages, benchmarks, subsets, hygiene],
  );

  useEffect(() => {
    if (!has('export.preview')) return;
    let live = true;
    const t = setTimeout(() => {
      call('export.preview', rule)
        .then((p) => {
          if (live) {
            setPreview(p);
            setPreviewError(null);
          }
        })
        .catch((e: Error) => {
          if (live) setPreviewError(e.message);
        });
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [rule, has]);

  if (!has('export.run'))
    return (
      <div className="page">
        <EmptyState title="Export is not part of this build">
          Curated exports arrive with the export.run command.
        </EmptyState>
      </div>
    );
  if (counts && counts.total === 0) return <DatasetEmpty />;

  const run = async () => {
    setRunning(true);
    setRunError(null);
    setResult(null);
    try {
      setResult(await call('export.run', { ...rule, outDir, format, overwrite }));
    } catch (e) {
      setRunError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };
  const toggleTier = (t: Tier) =>
    setPrecedence(precedence.includes(t) ? precedence.filter((x) => x !== t) : [...precedence, t]);
  const toggleSubset = (s: ExportSubset) =>
    setSubsets(subsets.includes(s) ? subsets.filter((x) => x !== s) : [...subsets, s]);
  const maxSamples = Math.max(1, ...(preview?.funnel.map((f) => f.samples) ?? [1]));

  return (
    <div className="page export" data-testid="export-view">
      <div className="page-grid export-grid">
        <div className="col">
          <section className="card">
            <header className="card-head">
              <h3>Rule</h3>
            </header>
            <div className="form">
              <div className="field">
                <span>Decide each sample by the first label it has, in this order</span>
                <div className="row gap">
                  {TIERS.map(({ tier, label }) => (
                    <label key={tier} className="check">
                      <input type="checkbox" checked={precedence.includes(tier)} onChange={() => toggleTier(tier)} />{' '}
                      {label}
                      {precedence.includes(tier) && (
                        <span className="muted small"> #{precedence.indexOf(tier) + 1}</span>
                      )}
                    </label>
                  ))}
                </div>
              </div>
              <label className="field">
                <span>Keep scores ≥ {minScore}</span>
                <input
                  type="range"
                  min={0}
                  max={5}
                  step={1}
                  value={minScore}
                  onChange={(e) => setMinScore(Number(e.target.value))}
                />
              </label>
              <div className="form-grid">
                <label className="field">
                  <span>Classifier p(keep) ≥</span>
                  <input
                    type="number"
                    min={0}
                    max={1}
                    step={0.05}
                    value={minProb}
                    onChange={(e) => setMinProb(e.target.value)}
                    placeholder="model threshold"
                  />
                </label>
                <label className="field">
                  <span>Near-duplicate cosine (embeddings)</span>
                  <input
                    type="number"
                    min={0}
                    max={1}
                    step={0.05}
                    value={nearDup}
                    onChange={(e) => setNearDup(e.target.value)}
                    placeholder="off (e.g. 0.8)"
                  />
                </label>
                <label className="field">
                  <span>Token budget</span>
                  <input
                    type="number"
                    min={1}
                    value={budget}
                    onChange={(e) => setBudget(e.target.value)}
                    placeholder="no limit"
                  />
                </label>
                <label className="field">
                  <span>Languages</span>
                  <input
                    value={languages}
                    onChange={(e) => setLanguages(e.target.value)}
                    placeholder="all (e.g. python)"
                  />
                </label>
              </div>
              <label className="field">
                <span>
                  Decontaminate against benchmark files <span className="muted small">(JSONL paths, one per line)</span>
                </span>
                <textarea
                  className="mono"
                  rows={2}
                  value={benchmarks}
                  onChange={(e) => setBenchmarks(e.target.value)}
                  placeholder="/data/humaneval.jsonl"
                />
              </label>
            </div>
          </section>
          <HygieneCard value={hygiene} onChange={setHygiene} funnel={preview?.funnel} />
          <section className="card">
            <header className="card-head">
              <h3>Output</h3>
            </header>
            <div className="form">
              <label className="field">
                <span>
                  Folder {mode === 'browser' && <span className="muted small">(on the machine running tbs serve)</span>}
                </span>
                <div className="row gap">
                  <input className="mono grow" value={outDir} onChange={(e) => setOutDir(e.target.value)} />
                  {mode === 'electron' && (
                    <button
                      className="btn"
                      onClick={() =>
                        void call('dialog.pickPaths', { purpose: 'export-folder' }).then(
                          (r) => r.paths[0] && setOutDir(r.paths[0]),
                        )
                      }
                    >
                      Choose…
                    </button>
                  )}
                </div>
              </label>
              <div className="field" data-testid="export-subsets">
                <span>
                  Subsets as separate configs{' '}
                  <span className="muted small">(none checked: one default config with everything)</span>
                </span>
                <div className="row gap">
                  {EXPORT_SUBSETS.map((s) => (
                    <label key={s} className="check" title={SUBSET_HINT[s]}>
                      <input type="checkbox" checked={subsets.includes(s)} onChange={() => toggleSubset(s)} /> {s}
                    </label>
                  ))}
                </div>
              </div>
              <div className="row gap">
                <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)} aria-label="Format">
                  <option value="parquet">Parquet</option>
                  <option value="jsonl">JSONL</option>
                  <option value="jsonl.gz">JSONL (gzip)</option>
                </select>
                <label className="check">
                  <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> replace
                  an existing export
                </label>
                <span className="spacer" />
                {/* A benchmark that cannot be checked blocks the export: no unchecked "decontaminated" set. */}
                <button
                  className="btn btn-primary"
                  disabled={running || !outDir.trim() || Boolean(previewError)}
                  title={previewError ?? undefined}
                  data-testid="export-run"
                  onClick={() => void run()}
                >
                  {running ? 'Exporting…' : 'Export'}
                </button>
              </div>
              {result && (
                <p className="ok-text">
                  Wrote {fmtInt(result.files)} file{result.files === 1 ? '' : 's'}
                  {result.manifestPath ? (
                    <>
                      {' '}
                      · manifest <span className="mono">{result.manifestPath}</span>
                    </>
                  ) : null}
                </p>
              )}
              {runError && (
                <p className="error-text" role="alert">
                  {runError}
                </p>
              )}
            </div>
          </section>
        </div>
        <div className="col">
          <section className="card" data-testid="export-funnel">
            <header className="card-head">
              <h3>Funnel</h3>
              <span className="spacer" />
              {!preview && !previewError && <span className="muted small">computing…</span>}
            </header>
            {previewError && <p className="error-text">{previewError}</p>}
            {preview && (
              <table className="table table-compact funnel">
                <thead>
                  <tr>
                    <th>Step</th>
                    <th className="num">Samples</th>
                    <th className="num">Tokens</th>
                    <th className="num">Removed</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {preview.funnel.map((f) => (
                    <tr key={f.step}>
                      <td>{f.step}</td>
                      <td className="num">{fmtInt(f.samples)}</td>
                      <td className="num">{fmtInt(Math.round(f.tokens))}</td>
                      <td className="num muted">{f.removed ? `−${fmtInt(f.removed)}` : ''}</td>
                      <td className="funnel-bar">
                        <span style={{ width: `${(100 * f.samples) / maxSamples}%` }} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {preview?.subsets?.map((s) => (
              <div key={s.name} data-testid={`subset-funnel-${s.name}`}>
                <h4>
                  {s.name} <span className="muted small">{SUBSET_HINT[s.name]}</span>
                  <span className="muted small">
                    {' '}
                    · {fmtInt(s.rows)} rows · {fmtInt(Math.round(s.tokens))} tokens
                  </span>
                </h4>
                <table className="table table-compact funnel">
                  <tbody>
                    {s.funnel.map((f) => (
                      <tr key={f.step}>
                        <td>{f.step}</td>
                        <td className="num">{fmtInt(f.samples)}</td>
                        <td className="num muted">{f.removed ? `−${fmtInt(f.removed)}` : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
            {preview?.warnings.map((w) => (
              <p key={w} className="warn-text small">
                {w}
              </p>
            ))}
            {preview && Object.keys(preview.dropReasons).length > 0 && (
              <p className="muted small">
                Dropped:{' '}
                {Object.entries(preview.dropReasons)
                  .map(([k, v]) => `${k} ${fmtInt(v)}`)
                  .join(' · ')}
              </p>
            )}
          </section>
          {preview &&
            Object.entries(preview.histogram).map(([name, h]) => {
              const max = Math.max(1, ...h.bins.map((b) => b.count));
              return (
                <section className="card chart" key={name}>
                  <header className="card-head">
                    <h3>{name}</h3>
                    <span className="spacer" />
                    <span className="muted small">{fmtInt(h.total)}</span>
                  </header>
                  {h.total === 0 ? (
                    <p className="muted small">None of the selected samples has a {name} label.</p>
                  ) : (
                    <div className="bars bars-short">
                      {h.bins.map((b) => (
                        <div className="bar-col" key={b.label} title={`${b.label}: ${fmtInt(b.count)}`}>
                          <span className="bar-count small">{b.count ? fmtInt(b.count) : ''}</span>
                          <div className="bar-area">
                            <div className="bar" style={{ height: `${(100 * b.count) / max}%` }} />
                          </div>
                          <span className="bar-label small">{b.label}</span>
                        </div>
                      ))}
                    </div>
                  )}
                </section>
              );
            })}
        </div>
      </div>
    </div>
  );
}
