/**
 * The phi-1 imports chart as SVG (pure: no DOM), drawn the way the paper's audit of CodeExercises
 * draws it: one bar per module sorted from most to least imported, a log-scale y axis labelled
 * "Log Number of Times", an x axis "Imports" with its labels rotated 90 degrees. The Stats view
 * and the exported dataset card render this same string.
 */
export interface ImportBar {
  module: string;
  count: number;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const tickLabel = (v: number) =>
  v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : v >= 1 ? String(v) : String(+v.toPrecision(1));

export function importsChartSvg(rows: readonly ImportBar[], opts: { title?: string; barWidth?: number } = {}): string {
  const bars = [...rows].sort((a, b) => b.count - a.count || (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  // NOTE: few bars get wider ones so a short chart still reads as a chart.
  const bw = opts.barWidth ?? Math.round(Math.max(14, Math.min(36, 640 / Math.max(1, rows.length))));
  const gap = 4;
  const plotH = 240;
  const longest = Math.max(6, ...bars.map((b) => b.module.length));
  const labelH = Math.min(160, 7 * longest + 10);
  const left = 64;
  const top = opts.title ? 34 : 14;
  const plotW = Math.max(120, bars.length * (bw + gap) + gap);
  const width = left + plotW + 16;
  const height = top + plotH + labelH + 34;
  const maxCount = Math.max(1, ...bars.map((b) => b.count));
  const minCount = Math.max(1, Math.min(...bars.map((b) => b.count), maxCount));
  // NOTE: the axis starts a decade-ish below the smallest bar so the smallest bar stays visible.
  const lo = Math.floor(Math.log10(minCount) - 0.3);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(maxCount)));
  const y = (v: number) => top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(opts.title ?? 'Imports chart')}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (opts.title)
    out.push(
      `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
    );
  for (let k = lo; k <= hi; k++) {
    const v = 10 ** k;
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${tickLabel(v)}</text>`);
  }
  bars.forEach((b, i) => {
    const x = left + gap + i * (bw + gap);
    const yt = y(Math.max(b.count, 10 ** lo));
    out.push(
      `<rect class="imp-bar" x="${x}" y="${yt.toFixed(1)}" width="${bw}" height="${(top + plotH - yt).toFixed(1)}" fill="#4c72b0"><title>${esc(b.module)}: ${b.count}</title></rect>`,
    );
    const cx = x + bw / 2;
    const ly = top + plotH + 6;
    out.push(
      `<text class="x-label" x="${cx}" y="${ly}" transform="rotate(90 ${cx} ${ly})" dominant-baseline="middle">${esc(b.module)}</text>`,
    );
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  const cy = top + plotH / 2;
  out.push(
    `<text class="y-title" x="16" y="${cy}" transform="rotate(-90 16 ${cy})" text-anchor="middle" font-size="12">Log Number of Times</text>`,
  );
  out.push(
    `<text class="x-title" x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="12">Imports</text>`,
  );
  if (!bars.length)
    out.push(
      `<text x="${left + plotW / 2}" y="${cy}" text-anchor="middle" fill="#777">no module reaches the minimum count</text>`,
    );
  out.push('</svg>');
  return out.join('\n');
}
