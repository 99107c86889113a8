import { useEffect, useState } from 'react';
import { HygieneRuleSchema, SENSITIVE_SPAN_KINDS, type HygieneRuleView } from '../../../shared/hygiene.js';
import { fmtInt } from '../../ui/format.js';

type Heuristics = HygieneRuleView['heuristics'];
type NumKey = 'maxLineLength' | 'meanLineLength' | 'minAlnumFraction' | 'minLines' | 'maxLines';

/** The defaults the engine applies when the rule says nothing (bigcode's basic filter on, the rest off). */
export const DEFAULT_HYGIENE: HygieneRuleView = HygieneRuleSchema.parse({});

/**
 * One row per heuristic filter: `stage` is its funnel step, `source` says where the default comes
 * from, `suggest` is the value a filter that is off by default starts at when turned on.
 */
const NUMERIC: {
  key: NumKey;
  stage: string;
  label: string;
  unit: string;
  step: number;
  source: string;
  suggest: number;
}[] = [
  {
    key: 'maxLineLength',
    stage: 'max-line-length',
    label: 'Longest line ≤',
    unit: 'chars',
    step: 50,
    source: 'StarCoder',
    suggest: 1000,
  },
  {
    key: 'meanLineLength',
    stage: 'mean-line-length',
    label: 'Mean line length ≤',
    unit: 'chars',
    step: 5,
    source: 'StarCoder',
    suggest: 100,
  },
  {
    key: 'minAlnumFraction',
    stage: 'alnum-fraction',
    label: 'Alphanumeric fraction ≥',
    unit: '',
    step: 0.05,
    source: 'StarCoder',
    suggest: 0.25,
  },
  {
    key: 'minLines',
    stage: 'min-lines',
    label: 'Min lines ≥',
    unit: '',
    step: 1,
    source: 'none published',
    suggest: 3,
  },
  {
    key: 'maxLines',
    stage: 'max-lines',
    label: 'Max lines ≤',
    unit: '',
    step: 100,
    source: 'none published',
    suggest: 10_000,
  },
];

const KIND_LABEL: Record<(typeof SENSITIVE_SPAN_KINDS)[number], string> = {
  secret: 'secrets',
  private_key: 'private keys',
  email: 'emails',
  ip: 'IP addresses',
};

/**
 * The hygiene part of the export rule: redaction or dropping of flagged samples and the heuristic
 * filters, each with its default and where that default comes from, and what it removes now
 * (from the live preview's funnel).
 */
export function HygieneCard({
  value,
  onChange,
  funnel,
}: {
  value: HygieneRuleView;
  onChange: (v: HygieneRuleView) => void;
  funnel: { step: string; removed: number }[] | undefined;
}) {
  const h = value.heuristics;
  const setH = (patch: Partial<Heuristics>) => onChange({ ...value, heuristics: { ...h, ...patch } });
  const removed = (stage: string) => {
    const f = funnel?.find((x) => x.step === stage);
    return f ? <span className="muted small num hyg-removed">{f.removed ? `−${fmtInt(f.removed)}` : '0'}</span> : null;
  };
  const commentOn = h.minCommentRatio !== null || h.maxCommentRatio !== null;
  // Licenses apply when the field is left (or Enter): a half-typed id is not an error yet.
  const [licenses, setLicenses] = useState((value.licenses ?? []).join(', '));
  useEffect(() => setLicenses((value.licenses ?? []).join(', ')), [value.licenses]);
  const applyLicenses = () => {
    const list = licenses
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    const next = list.length ? list : null;
    if (JSON.stringify(next) !== JSON.stringify(value.licenses)) onChange({ ...value, licenses: next });
  };
  return (
    <section className="card" data-testid="export-hygiene">
      <header className="card-head">
        <h3>Hygiene</h3>
        <span className="spacer" />
        <button
          className="btn btn-small btn-ghost"
          onClick={() => onChange(DEFAULT_HYGIENE)}
          disabled={JSON.stringify(value) === JSON.stringify(DEFAULT_HYGIENE)}
        >
          Defaults
        </button>
      </header>
      <div className="form">
        <label className="check">
          <input
            type="checkbox"
            checked={value.redact}
            onChange={(e) => onChange({ ...value, redact: e.target.checked })}
            data-testid="hyg-redact"
          />{' '}
          Redact secrets and PII{' '}
          <span className="muted small">(&lt;SECRET&gt;, &lt;EMAIL&gt;, … as StarCoder did)</span>
        </label>
        <div className="row gap wrap">
          <span className="small">Drop samples with</span>
          {SENSITIVE_SPAN_KINDS.map((k) => (
            <label key={k} className="check small">
              <input
                type="checkbox"
                checked={value.dropFlagged.includes(k)}
                onChange={(e) =>
                  onChange({
                    ...value,
                    dropFlagged: e.target.checked
                      ? [...value.dropFlagged, k]
                      : value.dropFlagged.filter((x) => x !== k),
                  })
                }
                data-testid={`hyg-drop-${k}`}
              />{' '}
              {KIND_LABEL[k]}
            </label>
          ))}
          {removed('drop-flagged')}
        </div>
        <label className="field">
          <span>
            Licenses <span className="muted small">(SPDX ids, “permissive”, “unknown”; empty keeps all)</span>
          </span>
          <span className="row gap">
            <input
              className="grow"
              value={licenses}
              onChange={(e) => setLicenses(e.target.value)}
              onBlur={applyLicenses}
              onKeyDown={(e) => e.key === 'Enter' && applyLicenses()}
              placeholder="all (e.g. permissive, unknown)"
              data-testid="hyg-licenses"
            />
            {removed('license')}
          </span>
        </label>
        <table className="table table-compact hyg-table">
          <thead>
            <tr>
              <th>Heuristic filter</th>
              <th>Keep when</th>
              <th>Default</th>
              <th className="num">Removes</th>
            </tr>
          </thead>
          <tbody>
            {NUMERIC.map((n) => {
              const v = h[n.key];
              const def = DEFAULT_HYGIENE.heuristics[n.key];
              return (
                <tr key={n.key} data-testid={`hyg-${n.stage}`}>
                  <td>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={v !== null}
                        onChange={(e) => setH({ [n.key]: e.target.checked ? (def ?? n.suggest) : null })}
                        aria-label={`${n.label} on`}
                      />{' '}
                      {n.label.replace(/ [≤≥]$/, '')}
                    </label>
                  </td>
                  <td>
                    <span className="row gap">
                      <span className="muted">{n.label.slice(-1)}</span>
                      <input
                        type="number"
                        className="hyg-num"
                        min={0}
                        step={n.step}
                        value={v ?? ''}
                        placeholder="off"
                        disabled={v === null}
                        onChange={(e) => {
                          const x = Number(e.target.value);
                          if (e.target.value !== '' && Number.isFinite(x) && x > 0) setH({ [n.key]: x });
                        }}
                        aria-label={n.label}
                      />
                      <span className="muted small">{n.unit}</span>
                    </span>
                  </td>
                  <td className="small">
                    {def === null ? (
                      <span className="muted">off · {n.source}</span>
                    ) : (
                      <>
                        {def} <span className="chip chip-small">{n.source}</span>
                      </>
                    )}
                  </td>
                  <td className="num">{removed(n.stage)}</td>
                </tr>
              );
            })}
            <tr data-testid="hyg-comment-ratio">
              <td>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={commentOn}
                    onChange={(e) =>
                      setH(
                        e.target.checked
                          ? { minCommentRatio: 0.01, maxCommentRatio: 0.8 }
                          : { minCommentRatio: null, maxCommentRatio: null },
                      )
                    }
                    aria-label="Comment-to-code ratio on"
                  />{' '}
                  Comment ratio
                </label>
              </td>
              <td>
                <span className="row gap">
                  {(['minCommentRatio', 'maxCommentRatio'] as const).map((k, i) => (
                    <input
                      key={k}
                      type="number"
                      className="hyg-num"
                      min={0}
                      max={1}
                      step={0.01}
                      value={h[k] ?? ''}
                      placeholder={i ? 'max' : 'min'}
                      disabled={!commentOn}
                      onChange={(e) => setH({ [k]: e.target.value === '' ? null : Number(e.target.value) })}
                      aria-label={i ? 'Comment ratio at most' : 'Comment ratio at least'}
                    />
                  ))}
                </span>
              </td>
              <td className="small muted" title="bigcode-dataset offers 0.01–0.8; StarCoder did not train with it">
                off · bigcode 0.01–0.8
              </td>
              <td className="num">{removed('comment-ratio')}</td>
            </tr>
            {(
              [
                ['autogenerated', 'Not auto-generated', 'a “generated by” / “do not edit” marker in the first 5 lines'],
                ['dataBlobs', 'No data blobs', 'base64 / hex runs over 1024 chars or half the text'],
              ] as const
            ).map(([key, label, what]) => (
              <tr key={key} data-testid={`hyg-${key === 'dataBlobs' ? 'data-blobs' : key}`}>
                <td colSpan={2}>
                  <label className="check" title={what}>
                    <input type="checkbox" checked={h[key]} onChange={(e) => setH({ [key]: e.target.checked })} />{' '}
                    {label}
                  </label>
                </td>
                <td className="small muted">off · none published</td>
                <td className="num">{removed(key === 'dataBlobs' ? 'data-blobs' : key)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">
          StarCoder = The Stack / StarCoder’s basic filter (bigcode-dataset, after Codex). A filter without a published
          default is off until you turn it on. Each filter is a funnel step; Browse filters on the same values (Hygiene
          menu, or <span className="mono">max_line_length &gt; 1000</span> in where).
        </p>
      </div>
    </section>
  );
}
