/**
 * Statistics (issue 6 §6): footfall and occupancy (SPEC §3 `/stats/*`, k-anonymous — suppressed
 * figures are shown as gaps, never estimated), traffic counts (plate reads and line crossings per
 * interval, from the histogram: counts, not identities) and air quality over time.
 */
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { StoredEvent } from '../../api.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { UplotChart } from '../../components/uplot-chart.js';
import { align, occupancyRows, seriesOf, type Series, type StatsAnswer } from './stats-shapes.js';
import { TableHead } from '../../components/table-head.js';

const RANGES = { '6h': 6 * 3600_000, '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000 } as const;
type Range = keyof typeof RANGES;
const PALETTE = ['#5cc8ff', '#ff9f43', '#3ddc84', '#c9a2ff', '#ffd84d', '#ff5c5c', '#6fb8ff', '#e8eef5'];
const POLLUTANTS = ['pm25', 'pm10', 'no2', 'o3'] as const;

/** Mean of each pollutant per bucket over every sensor's readings. */
export function airQualitySeries(events: readonly StoredEvent[], bucketMs: number): Series[] {
  const sums = new Map<string, Map<number, { s: number; n: number }>>();
  for (const e of events) {
    const t = Math.floor(Date.parse(e.ts) / bucketMs) * bucketMs;
    for (const p of POLLUTANTS) {
      const v = e.data[p];
      if (typeof v !== 'number') continue;
      const byT = sums.get(p) ?? new Map<number, { s: number; n: number }>();
      const acc = byT.get(t) ?? { s: 0, n: 0 };
      acc.s += v;
      acc.n += 1;
      byT.set(t, acc);
      sums.set(p, byT);
    }
  }
  return [...sums].map(([label, byT]) => ({ label: `${label} µg/m³`, points: [...byT].sort((a, b) => a[0] - b[0]).map(([t, a]) => ({ t, value: Math.round((a.s / a.n) * 10) / 10 })) }));
}

function Chart({ title, series, bars }: { title: string; series: readonly Series[]; bars?: boolean }) {
  const data = useMemo(() => align(series) as uPlot.AlignedData, [series]);
  if (series.length === 0 || (data[0] as number[]).length === 0) return <p className="muted">No figures in this period.</p>;
  return <UplotChart title={title} data={data} series={series.map((s, i) => ({ label: s.label, color: PALETTE[i % PALETTE.length] ?? '#5cc8ff', bars: bars ?? false }))} />;
}

export function StatsScreen() {
  const { api } = useSession();
  const [range, setRange] = useState<Range>('24h');
  // The period ends now at every (re)load, so polled charts move with time.
  const period = () => ({ from: new Date(Date.now() - RANGES[range]).toISOString(), to: new Date().toISOString() });
  const interval = range === '7d' ? '1h' : range === '24h' ? '15m' : '5m';
  const bucketMs = range === '7d' ? 3600_000 : range === '24h' ? 900_000 : 300_000;

  const footfall = useApi((signal) => api.get<StatsAnswer>('/stats/footfall', { ...period(), interval }, signal), `ff|${range}`, 60_000);
  const occupancy = useApi((signal) => api.get<StatsAnswer>('/stats/occupancy', { from: new Date(Date.now() - 3600_000).toISOString(), interval: '15m' }, signal), 'occ', 30_000);
  const plates = useApi((signal) => api.histogram({ ...period(), kind: 'lpr.read', interval }, signal), `lpr|${range}`, 60_000);
  const crossings = useApi((signal) => api.histogram({ ...period(), kind: 'camera.line_crossing', interval }, signal), `lc|${range}`, 60_000);
  const air = useApi((signal) => api.events({ ...period(), kind: 'env.air_quality', limit: 1000 }, signal), `aq|${range}`, 60_000);

  const traffic = useMemo<Series[]>(() => {
    const s: Series[] = [];
    const p = plates.result.data;
    const c = crossings.result.data;
    if (p) s.push({ label: 'vehicles at plate readers', points: p.buckets.map((b) => ({ t: Date.parse(b.t), value: b.count })) });
    if (c) s.push({ label: 'line-crossing events', points: c.buckets.map((b) => ({ t: Date.parse(b.t), value: b.count })) });
    return s;
  }, [plates.result.data, crossings.result.data]);

  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>Statistics</h1>
        <div className="row" role="group" aria-label="Period">
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <button key={r} type="button" aria-pressed={r === range} className={r === range ? 'primary' : ''} onClick={() => setRange(r)}>
              last {r}
            </button>
          ))}
        </div>
      </div>
      <p className="notice">Counts of people are k-anonymous: a figure below the hub's threshold is suppressed and shows as a gap.</p>
      <div className="grid-stats">
        <section className="panel" aria-labelledby="st-footfall">
          <h2 id="st-footfall">Footfall</h2>
          <LoadState result={footfall.result} feature="Footfall">
            {(body) => <Chart title="Footfall per interval" series={seriesOf(body)} />}
          </LoadState>
        </section>
        <section className="panel" aria-labelledby="st-occupancy">
          <h2 id="st-occupancy">Occupancy now</h2>
          <LoadState result={occupancy.result} feature="Occupancy">
            {(body) => {
              const rows = occupancyRows(body);
              if (rows.length === 0) return <p className="muted">No zones report occupancy.</p>;
              return (
                <table>
                  <TableHead columns={['Site', 'Zone', 'Source', 'People']} />
                  <tbody>
                    {rows.map((r) => (
                      <tr key={`${r.site}/${r.zone}/${r.source}`}>
                        <td>{r.site}</td>
                        <td>{r.zone}</td>
                        <td>{r.source}</td>
                        <td>{r.count === null ? <span className="muted">suppressed (below k)</span> : r.count}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              );
            }}
          </LoadState>
        </section>
        <section className="panel" aria-labelledby="st-traffic">
          <h2 id="st-traffic">Traffic counts</h2>
          <LoadState result={plates.result} feature="Traffic counts">
            {() => <Chart title="Vehicles and crossings per interval" series={traffic} />}
          </LoadState>
        </section>
        <section className="panel" aria-labelledby="st-air">
          <h2 id="st-air">Air quality</h2>
          <LoadState result={air.result} feature="Air quality">
            {(page) => <Chart title="Mean pollutant concentrations" series={airQualitySeries(page.events, bucketMs)} />}
          </LoadState>
        </section>
      </div>
    </>
  );
}
