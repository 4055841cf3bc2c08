/**
 * Device health (issue 6 §4): faulty and offline devices first, then unknown, then online; last
 * seen, expected heartbeat and the last battery level reported (`device.battery`). Polled, since
 * the registry's status is derived live on the hub and not pushed to browsers.
 */
import { useMemo, useState } from 'react';
import type { DeviceStatus, DeviceView } from '../../api.js';
import { useSession } from '../../session.js';
import { useApi } from '../../hooks/use-api.js';
import { LoadState } from '../../components/load-state.js';
import { StatusBadge } from '../../components/badges.js';
import { formatAge, formatDateTime } from '../../time.js';
import { navigate } from '../../router.js';
import { FilterSelect } from '../../components/filter-select.js';
import { TableHead } from '../../components/table-head.js';
import { HubPanel } from './hub-panel.js';

const RANK: Record<DeviceStatus, number> = { fault: 0, offline: 1, unknown: 2, online: 3 };
const PAGE = 200;
const REFRESH_MS = 15_000;

export function healthOrder(list: readonly DeviceView[]): DeviceView[] {
  return [...list].sort((a, b) => RANK[a.status] - RANK[b.status] || (a.last_seen ?? '').localeCompare(b.last_seen ?? '') || a.id.localeCompare(b.id));
}

export function DeviceHealth() {
  const { api } = useSession();
  const [site, setSite] = useState('');
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [shownCount, setShownCount] = useState(PAGE);
  const devices = useApi((signal) => api.devices(undefined, signal), 'all', REFRESH_MS);
  // Battery: the latest device.battery event per device among the most recent 1,000.
  const battery = useApi((signal) => api.events({ kind: 'device.battery', limit: 1000 }, signal), 'battery', 60_000);
  const batteryOf = useMemo(() => {
    const m = new Map<string, number>();
    for (const e of battery.result.data?.events ?? []) {
      const p = e.data.percent;
      if (!m.has(e.device) && typeof p === 'number') m.set(e.device, p);
    }
    return m;
  }, [battery.result.data]);

  return (
    <>
      <h1>Device health</h1>
      <HubPanel />
      <LoadState result={devices.result} feature="Devices">
        {({ devices: all }) => {
          const counts = { fault: 0, offline: 0, unknown: 0, online: 0 };
          for (const d of all) counts[d.status] += 1;
          const sites = [...new Set(all.map((d) => d.site))].sort();
          const q = text.trim().toLowerCase();
          const list = healthOrder(all.filter((d) => (!site || d.site === site) && (!status || d.status === status) && (!q || d.id.toLowerCase().includes(q) || d.name.toLowerCase().includes(q) || (d.zone ?? '').toLowerCase().includes(q))));
          return (
            <>
              <p className="row" aria-label="Devices by status">
                <span className="badge st-fault">{counts.fault} fault</span>
                <span className="badge st-offline">{counts.offline} offline</span>
                <span className="badge st-unknown">{counts.unknown} unknown</span>
                <span className="badge st-online">{counts.online} online</span>
              </p>
              <div className="toolbar" role="search" aria-label="Device filters">
                <FilterSelect label="Site" value={site} options={sites} onChange={setSite} />
                <FilterSelect label="Status" value={status} options={['fault', 'offline', 'unknown', 'online']} onChange={setStatus} />
                <label>
                  Name, id or zone
                  <input value={text} onChange={(e) => setText(e.target.value)} type="search" />
                </label>
              </div>
              <table aria-label="Devices, faulty and offline first">
                <TableHead columns={['Status', 'Device', 'Type', 'Site / zone', 'Last seen', 'Heartbeat', 'Battery']} />
                <tbody>
                  {list.slice(0, shownCount).map((d) => {
                    const b = batteryOf.get(d.id);
                    return (
                      <tr key={d.id} data-device={d.id}>
                        <td>
                          <StatusBadge status={d.status} />
                        </td>
                        <td>
                          <button type="button" className="link" onClick={() => navigate(`/search?device=${encodeURIComponent(d.id)}`)}>
                            {d.name}
                          </button>
                          <div className="muted mono">{d.id}</div>
                        </td>
                        <td>{d.type}</td>
                        <td>
                          {d.site} / {d.zone ?? '—'}
                        </td>
                        <td title={formatDateTime(d.last_seen)}>{formatAge(d.last_seen)}</td>
                        <td>{d.heartbeat_s > 0 ? `${d.heartbeat_s} s` : '—'}</td>
                        <td>{b === undefined ? '—' : <span style={{ color: b < 20 ? 'var(--critical)' : undefined }}>{b} %</span>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {list.length > shownCount && (
                <p>
                  <button type="button" onClick={() => setShownCount((n) => n + PAGE)}>
                    Show {Math.min(PAGE, list.length - shownCount)} more of {list.length - shownCount}
                  </button>
                </p>
              )}
            </>
          );
        }}
      </LoadState>
    </>
  );
}
