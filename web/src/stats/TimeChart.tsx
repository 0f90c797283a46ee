import 'uplot/dist/uPlot.min.css';
import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import { formatCount, formatOffset } from './format.ts';

export type ChartSeries = {
  label: string;
  values: readonly number[];
  color: string;
  /** Bars (counts per bucket) rather than a line (a level over time). */
  bars?: boolean;
};

type Props = {
  title: string;
  /** The start of each bucket: seconds into the live (`offset`) or epoch seconds (`time`). */
  starts: readonly number[];
  bucketSec: number;
  xAxis: 'offset' | 'time';
  series: ChartSeries[];
  /** How y values read, e.g. as percentages; whole counts by default. */
  yFormat?: (n: number) => string;
  /** The y axis' top when it is fixed (1 for ratios); otherwise the data's highest value. */
  yMax?: number;
  /** What the chart shows at a glance: under the title, and the chart's text for screen readers. */
  summary: string;
  height?: number;
};

const AXIS = { stroke: '#a0a0b2', grid: { stroke: '#2c2c38', width: 1 }, ticks: { stroke: '#2c2c38', width: 1 } };
/** Whole-number steps for counts: a y axis of viewers never reads 0.5. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 50_000, 100_000, 1_000_000];
/** Offsets into a live: ticks on round seconds and minutes. */
const OFFSET_STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];

/** How a bucket reads in the legend: "0:10–0:20" into a live, or "14:05–14:06" on a clock. */
function bucketLabel(xAxis: Props['xAxis'], start: number, bucketSec: number): string {
  if (xAxis === 'offset') return `${formatOffset(start)}–${formatOffset(start + bucketSec)}`;
  const clock = (sec: number) =>
    bucketSec >= 86_400
      ? new Date(sec * 1000).toLocaleDateString()
      : new Date(sec * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `${bucketSec >= 86_400 ? '' : `${new Date(start * 1000).toLocaleDateString()} `}${clock(start)}–${clock(start + bucketSec)}`;
}

/**
 * Figures per bucket drawn by uPlot (canvas, ~45 KB): each point or bar sits in the middle of
 * its bucket. The figure has the title, a one-line summary and `data-max`, the highest value of
 * the first series as plotted; the chart follows its container's width.
 */
export function TimeChart({ title, starts, bucketSec, xAxis, series, yFormat = formatCount, yMax, summary, height = 220 }: Props) {
  const titleId = useId();
  const plot = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = plot.current;
    const first = starts[0];
    const last = starts.at(-1);
    if (!el || first === undefined || last === undefined) return;
    const x = starts.map((start) => start + bucketSec / 2);
    // Several bar series side by side in each bucket (uPlot aligns a bar left, centre or right of x).
    const barSeries = series.filter((s) => s.bars).length;
    const barsAt = (align: -1 | 0 | 1) => uPlot.paths.bars?.({ size: [barSeries > 1 ? 0.35 : 0.7, 28], align });
    let barIndex = 0;
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: {
        x: { time: xAxis === 'time', range: () => [first, last + bucketSec] },
        y: { range: (_u, _min, max) => [0, yMax ?? Math.max(1, max)] },
      },
      axes: [
        {
          ...AXIS,
          ...(xAxis === 'offset' ? { incrs: OFFSET_STEPS, values: (_u: uPlot, splits: number[]) => splits.map(formatOffset) } : {}),
        },
        { ...AXIS, incrs: yMax === undefined ? COUNT_STEPS : undefined, values: (_u, splits) => splits.map(yFormat), size: 56 },
      ],
      series: [
        {
          label: xAxis === 'offset' ? 'Into the live' : 'Time',
          value: (_u, v) => (v === null ? '—' : bucketLabel(xAxis, v - bucketSec / 2, bucketSec)),
        },
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            fill: `${s.color}${s.bars ? 'cc' : '22'}`,
            value: (_u, v) => (v === null ? '—' : yFormat(v)),
            ...(s.bars
              ? { paths: barsAt(barSeries === 2 ? (barIndex++ === 0 ? -1 : 1) : 0), points: { show: false } }
              : { points: { show: starts.length < 60 } }),
          }),
        ),
      ],
      cursor: { drag: { x: false, y: false } },
    };
    const chart = new uPlot(options, [x, ...series.map((s) => [...s.values])], el);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [starts, bucketSec, xAxis, series, yFormat, yMax, height]);

  const first = series[0]?.values ?? [];
  return (
    <figure className="chart" aria-labelledby={titleId} data-max={first.length > 0 ? Math.max(...first) : undefined}>
      <figcaption>
        <h3 id={titleId}>{title}</h3>
        <p className="muted small">{summary}</p>
      </figcaption>
      {starts.length === 0 ? (
        <p className="muted chart-empty">No data yet.</p>
      ) : (
        <div ref={plot} className="chart-plot" role="img" aria-label={`${title}. ${summary}`} />
      )}
    </figure>
  );
}
