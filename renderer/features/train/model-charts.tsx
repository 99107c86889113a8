import type { ModelSummary } from '../../../shared/contract/pipeline.js';
import { fmtInt } from '../../ui/format.js';

/** Precision-recall curve with the chosen threshold marked (inline SVG; no chart runtime needed). */
export function PrCurve({ model }: { model: ModelSummary }) {
  const pts = model.metrics.prCurve;
  const W = 260;
  const H = 180;
  const P = 28;
  const x = (r: number) => P + r * (W - P - 8);
  const y = (p: number) => H - P - p * (H - P - 8);
  if (!pts.length) return <p className="muted small">No held-out curve.</p>;
  const path = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.recall).toFixed(1)},${y(p.precision).toFixed(1)}`).join(' ');
  const at = pts.reduce(
    (best, p) => (Math.abs(p.threshold - model.threshold) < Math.abs(best.threshold - model.threshold) ? p : best),
    pts[0],
  );
  return (
    <svg className="chart-svg" width={W} height={H} role="img" aria-label="Precision-recall curve">
      <line x1={P} y1={H - P} x2={W - 8} y2={H - P} className="axis" />
      <line x1={P} y1={8} x2={P} y2={H - P} className="axis" />
      {[0, 0.5, 1].map((t) => (
        <text key={`x${t}`} x={x(t)} y={H - P + 14} className="tick" textAnchor="middle">
          {t}
        </text>
      ))}
      {[0, 0.5, 1].map((t) => (
        <text key={`y${t}`} x={P - 6} y={y(t) + 4} className="tick" textAnchor="end">
          {t}
        </text>
      ))}
      <text x={(W + P) / 2} y={H - 2} className="tick" textAnchor="middle">
        recall
      </text>
      <text x={10} y={H / 2 - 10} className="tick" textAnchor="middle" transform={`rotate(-90 10 ${H / 2 - 10})`}>
        precision
      </text>
      <path d={path} className="curve" />
      <circle cx={x(at.recall)} cy={y(at.precision)} r={4} className="marker">
        <title>
          threshold {model.threshold.toFixed(2)}: P {at.precision.toFixed(2)}, R {at.recall.toFixed(2)}
        </title>
      </circle>
    </svg>
  );
}

export function Confusion({ model }: { model: ModelSummary }) {
  const c = model.metrics.confusion;
  return (
    <table className="confusion">
      <thead>
        <tr>
          <th />
          <th>predicted keep</th>
          <th>predicted drop</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th>labeled keep</th>
          <td className="good">{fmtInt(c.tp)}</td>
          <td className="bad">{fmtInt(c.fn)}</td>
        </tr>
        <tr>
          <th>labeled drop</th>
          <td className="bad">{fmtInt(c.fp)}</td>
          <td className="good">{fmtInt(c.tn)}</td>
        </tr>
      </tbody>
    </table>
  );
}
