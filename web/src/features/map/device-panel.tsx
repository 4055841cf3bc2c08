/**
 * A device's panel on the map (issue 6 §2): status, last seen, heartbeat, its latest events and its
 * open alerts. Identifier fields in events are pseudonyms (SPEC §4.5) and are shown as such.
 */
import { useMemo } from 'react';
import type { DeviceView } from '../../api.js';
import { useApi } from '../../hooks/use-api.js';
import { useSession } from '../../session.js';
import { useAlertFeed } from '../alerts/alert-feed.js';
import { StatusBadge, SeverityBadge, StateBadge } from '../../components/badges.js';
import { LoadState } from '../../components/load-state.js';
import { formatAge, formatTime } from '../../time.js';
import { navigate } from '../../router.js';
import { summariseData } from '../search/event-summary.js';

export function DevicePanel({ device, onClose }: { device: DeviceView; onClose: () => void }) {
  const { api } = useSession();
  const feed = useAlertFeed();
  const fresh = useApi((signal) => api.get<DeviceView>(`/devices/${encodeURIComponent(device.id)}`, undefined, signal), device.id, 10_000);
  const events = useApi((signal) => api.events({ device: device.id, limit: 8 }, signal), device.id, 10_000);
  const d = fresh.result.state === 'ok' ? fresh.result.data : device;
  const alerts = useMemo(() => [...feed.alerts.values()].filter((a) => a.device === device.id), [feed.alerts, device.id]);

  return (
    <div data-testid="device-panel">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>{d.name}</h2>
        <button type="button" onClick={onClose} aria-label="Close device panel">
          Close
        </button>
      </div>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={d.status} />
        </dd>
        <dt>Device</dt>
        <dd className="mono">{d.id}</dd>
        <dt>Type</dt>
        <dd>{d.type}</dd>
        <dt>Site / zone</dt>
        <dd>
          {d.site} / {d.zone ?? '—'}
        </dd>
        <dt>Last seen</dt>
        <dd>
          {formatAge(d.last_seen)} <span className="muted">({formatTime(d.last_seen)})</span>
        </dd>
        <dt>Heartbeat</dt>
        <dd>{d.heartbeat_s > 0 ? `every ${d.heartbeat_s} s` : 'none expected'}</dd>
      </dl>

      <h3>Open alerts</h3>
      {feed.status === 'unavailable' ? (
        <p className="muted">Alerts are not available on this hub.</p>
      ) : alerts.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="comments">
          {alerts.map((a) => (
            <li key={a.id}>
              <SeverityBadge severity={a.severity} /> <StateBadge state={a.state} />{' '}
              <button type="button" className="link" onClick={() => navigate(`/alerts?id=${encodeURIComponent(a.id)}`)}>
                {a.title}
              </button>
            </li>
          ))}
        </ul>
      )}

      <h3>Latest events</h3>
      <LoadState result={events.result} feature="Events">
        {(page) =>
          page.events.length === 0 ? (
            <p className="muted">No events stored.</p>
          ) : (
            <ul className="comments">
              {page.events.map((e) => (
                <li key={e.seq}>
                  <span className="mono">{formatTime(e.ts)}</span> <strong>{e.kind}</strong> <span className="muted">{summariseData(e.data)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </LoadState>
      <p>
        <button type="button" className="link" onClick={() => navigate(`/search?device=${encodeURIComponent(d.id)}`)}>
          Search all events of this device
        </button>
      </p>
    </div>
  );
}
