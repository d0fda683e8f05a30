import { percentile } from './stats.ts';

/**
 * A latency histogram as a standalone SVG, with no dependency: bars of the sample count per
 * bin, the p50/p95/p99 marked, optional target lines, axes labelled in ms. Sized and styled
 * to stay readable when a README embeds it.
 */

export interface LatencyChartOptions {
  readonly title: string;
  readonly subtitle?: string;
  /** Dashed reference lines, e.g. the targets. */
  readonly markers?: readonly { readonly label: string; readonly ms: number }[];
  readonly width?: number;
  readonly height?: number;
  readonly bins?: number;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step (1, 2 or 5 × 10^k) that cuts `range` into about `count` parts. */
export const niceStep = (range: number, count: number): number => {
  if (!(range > 0)) return 1;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10;
  return step * magnitude;
};

const formatMs = (ms: number): string => (Number.isInteger(ms) || ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

export const latencyHistogramSvg = (samplesMs: readonly number[], options: LatencyChartOptions): string => {
  const width = options.width ?? 760;
  const height = options.height ?? 380;
  const margin = { top: 76, right: 24, bottom: 52, left: 60 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const sorted = Float64Array.from(samplesMs.filter(Number.isFinite)).sort();
  const markers = options.markers ?? [];

  const header = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="22" font-size="15" font-weight="600" fill="#1f2328">${escape(options.title)}</text>`,
    ...(options.subtitle ? [`<text x="${margin.left}" y="40" fill="#59636e">${escape(options.subtitle)}</text>`] : []),
  ];
  if (sorted.length === 0) {
    return [...header, `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#59636e">no samples</text>`, '</svg>', ''].join('\n');
  }

  const stats = { p50: percentile(Array.from(sorted), 50), p95: percentile(Array.from(sorted), 95), p99: percentile(Array.from(sorted), 99) };
  const highest = Math.max(sorted[sorted.length - 1] as number, ...markers.map((marker) => marker.ms));
  const xStep = niceStep(highest, 8);
  const xMax = Math.ceil(highest / xStep) * xStep || xStep;
  // Round bin widths (1, 2 or 5 × 10^k ms), about `bins` of them across the axis.
  const binWidth = niceStep(xMax, options.bins ?? 60);
  const binCount = Math.max(1, Math.ceil(xMax / binWidth));
  const counts = new Array<number>(binCount).fill(0);
  for (const value of sorted) {
    const bin = Math.min(binCount - 1, Math.floor(value / binWidth));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const yStep = niceStep(Math.max(...counts), 5);
  const yMax = Math.ceil(Math.max(...counts) / yStep) * yStep || yStep;

  const x = (ms: number) => margin.left + (ms / xMax) * plotWidth;
  const y = (count: number) => margin.top + plotHeight - (count / yMax) * plotHeight;
  const parts = [...header];

  // Grid and axes.
  for (let tick = 0; tick <= yMax; tick += yStep) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#eaeef2"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" fill="#59636e">${tick}</text>`);
  }
  for (let tick = 0; tick <= xMax + xStep / 1e6; tick += xStep) {
    parts.push(`<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight + 5}" stroke="#59636e"/>`);
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${margin.top + plotHeight + 18}" text-anchor="middle" fill="#59636e">${formatMs(tick)}</text>`);
  }
  parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${margin.top + plotHeight}" y2="${margin.top + plotHeight}" stroke="#59636e"/>`);
  parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#59636e"/>`);
  parts.push(`<text x="${margin.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle" fill="#1f2328">latency (ms)</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">messages per ${formatMs(binWidth)} ms bin</text>`);

  // Bars.
  counts.forEach((count, bin) => {
    if (count === 0) return;
    const left = x(bin * binWidth);
    const barWidth = Math.max(1, x((bin + 1) * binWidth) - left - 1);
    parts.push(`<rect x="${left.toFixed(1)}" y="${y(count).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(margin.top + plotHeight - y(count)).toFixed(1)}" fill="#54aeff"><title>${formatMs(bin * binWidth)}–${formatMs((bin + 1) * binWidth)} ms: ${count}</title></rect>`);
  });

  // Target labels sit above the plot, alternating between two rows so that neighbours never collide.
  markers.forEach((marker, index) => {
    const at = x(marker.ms);
    const atRight = at > margin.left + plotWidth * 0.8;
    parts.push(`<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${margin.top - (index % 2 === 0 ? 8 : 20)}" y2="${margin.top + plotHeight}" stroke="#8c959f" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${(at + (atRight ? -4 : 4)).toFixed(1)}" y="${margin.top - (index % 2 === 0 ? 8 : 20)}" text-anchor="${atRight ? 'end' : 'start'}" font-size="11" fill="#59636e" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escape(marker.label)}</text>`);
  });
  const percentiles = [
    { label: 'p50', ms: stats.p50, colour: '#1a7f37' },
    { label: 'p95', ms: stats.p95, colour: '#bf8700' },
    { label: 'p99', ms: stats.p99, colour: '#cf222e' },
  ];
  percentiles.forEach(({ label, ms, colour }, index) => {
    const at = x(ms);
    const anchor = at > margin.left + plotWidth * 0.8 ? 'end' : 'start';
    const offset = anchor === 'end' ? -4 : 4;
    parts.push(`<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${(at + offset).toFixed(1)}" y="${margin.top + 14 + index * 15}" text-anchor="${anchor}" font-weight="600" fill="${colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${label} ${formatMs(ms)} ms</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
};
