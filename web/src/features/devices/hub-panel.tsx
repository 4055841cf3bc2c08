/**
 * The hub's own health at the top of Device health (GET /status, src/ops/hub-status.ts): the
 * problems to act on first (store full or failing, bus unreachable), then how full the store is —
 * a meter against its cap — and what ingest took and refused, with the last hour's events per
 * minute as a chart. The shell polls the status once for the panel and the top bar
 * (HubStatusProvider).
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { HubStatus } from '../../api.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { UplotChart } from '../../components/uplot-chart.js';
import { densify } from '../search/densify.js';

const REFRESH_MS = 15_000;
const HOUR_MS = 3_600_000;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const count = (n: number) => n.toLocaleString('en-US');

const HubStatusContext = createContext<HubStatus | null>(null);

/** Polls GET /status for everything under it, when the role may read it (`enabled`). */
export function HubStatusProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const { api } = useSession();
  const status = useApi((signal) => (enabled ? api.status(signal) : Promise.resolve(null)), enabled ? 'status' : 'off', enabled ? REFRESH_MS : undefined);
  return <HubStatusContext.Provider value={status.result.data ?? null}>{children}</HubStatusContext.Provider>;
}

export function HubPanel() {
  const { api } = useSession();
  // Events per minute over the last hour, by event time (what devices are sending now).
  const recent = useApi((signal) => api.histogram({ from: new Date(Date.now() - HOUR_MS).toISOString(), interval: '1m' }, signal), 'hub-recent', 60_000);
  const chart = useMemo(() => {
    const h = recent.result.data;
    if (!h) return null;
    const to = Date.now();
    return densify(h.buckets, h.interval_ms, to - HOUR_MS, to);
  }, [recent.result.data]);
  const s = useContext(HubStatusContext);
  // A role without the route (or an older hub) simply sees no panel.
  if (!s) return null;
  return (
    <HubStatusView status={s}>
      {chart && (
        <div className="hub-chart">
          <UplotChart title="Events per minute, last hour" data={chart.data} xRange={chart.range} series={[{ label: 'events / min', color: '#5cc8ff', bars: true }]} height={140} />
        </div>
      )}
    </HubStatusView>
  );
}

export function HubStatusView({ status: s, children }: { status: HubStatus; children?: ReactNode }) {
  const used = s.store.file_bytes !== null && s.store.free_bytes !== null ? s.store.file_bytes - s.store.free_bytes : null;
  return (
    <section className="panel" aria-labelledby="hub-title" data-testid="hub-status">
      <h2 id="hub-title">Hub</h2>
      {s.problems.map((p) => (
        <div key={p.code} className={`notice ${p.severity === 'critical' ? 'error' : 'warn'}`} role="alert" data-problem={p.code}>
          {p.detail}
        </div>
      ))}
      <dl className="hub-figures" aria-label="Hub figures">
        <div>
          <dt>Store</dt>
          <dd>
            {s.store.kind}
            {used !== null && s.store.max_bytes !== null && (
              <>
                {' '}
                <meter min={0} max={s.store.max_bytes} low={s.store.max_bytes * 0.75} high={s.store.max_bytes * 0.9} optimum={0} value={used} aria-label="Store used of its cap" />{' '}
                {mb(used)} of {mb(s.store.max_bytes)}
              </>
            )}
            {used !== null && s.store.max_bytes === null && <> {mb(used)} (no cap)</>}
          </dd>
        </div>
        <div>
          <dt>Events stored</dt>
          <dd>{count(s.ingest.accepted)}</dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd>
            {count(s.ingest.rejected)} invalid, {count(s.ingest.duplicates)} duplicates, {count(s.ingest.policy_violations)} prohibited attributes
            {s.ingest.store_failed > 0 && <>, {count(s.ingest.store_failed)} not stored (store)</>}
          </dd>
        </div>
        <div>
          <dt>Bus</dt>
          <dd>
            {s.bus.kind} {s.bus.reachable ? 'reachable' : 'unreachable'}
          </dd>
        </div>
      </dl>
      {children}
    </section>
  );
}

/**
 * In the top bar on every screen: the hub's most severe problem, linking to Device health, so a
 * full store or an unreachable bus is seen from the map too. Nothing while all is well, or for a
 * role that may not read the hub's status.
 */
export function HubProblemLink({ onOpen }: { onOpen: () => void }) {
  const problems = useContext(HubStatusContext)?.problems ?? [];
  const first = problems.find((p) => p.severity === 'critical') ?? problems[0];
  if (!first) return null;
  const label = first.code.replace(/_/g, ' ');
  return (
    <a
      className={`counter ${first.severity} active`}
      href="/devices"
      data-hub-problem={first.code}
      title={first.detail}
      aria-label={`hub: ${label}${problems.length > 1 ? `, and ${problems.length - 1} more hub problems` : ''}`}
      onClick={(e) => (e.preventDefault(), onOpen())}
    >
      hub: {label}
    </a>
  );
}
