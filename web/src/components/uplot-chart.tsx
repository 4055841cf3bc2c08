/**
 * A uPlot chart as a React component: created once per series layout, data swapped in place, sized
 * to its box (ResizeObserver). Axis and grid colours follow the dark theme.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** Draw as bars (counts per bucket) rather than a line. */
  readonly bars?: boolean;
}

export interface UplotChartProps {
  /** Accessible name of the chart (it is an image to screen readers; the table beside it holds the figures). */
  readonly title: string;
  /** x in seconds since the epoch, then one array per series. */
  readonly data: uPlot.AlignedData;
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  /** Fixed x range, seconds since the epoch (the query's period), so sparse data is not stretched. */
  readonly xRange?: readonly [number, number];
}

const AXIS = { stroke: '#a9b7c6', grid: { stroke: '#2c3a4a', width: 1 }, ticks: { stroke: '#2c3a4a', width: 1 } } as const;

export function UplotChart({ title, data, series, height = 240, xRange }: UplotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const layout = series.map((s) => `${s.label}:${s.bars ? 'b' : 'l'}`).join('|') + (xRange ? `|${xRange[0]}-${xRange[1]}` : '');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      axes: [{ ...AXIS }, { ...AXIS, size: 60 }],
      scales: xRange ? { x: { time: true, range: [xRange[0], xRange[1]] } } : { x: { time: true } },
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.bars ? `${s.color}88` : undefined,
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
          points: { show: false },
        })),
      ],
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // data is applied by the effect below; recreate only when the series layout changes.
  }, [layout, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} className="chart" role="img" aria-label={title} />;
}
