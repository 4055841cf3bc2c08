/**
 * Live occupancy per zone for the map's shading, from `GET /stats/occupancy` (SPEC §3, k-anonymous:
 * suppressed figures stay suppressed here). Without that API the zones are outlined only.
 */
import { useEffect, useState } from 'react';
import type L from 'leaflet';
import { useSession } from '../../session.js';
import { occupancyRows, type StatsAnswer } from '../stats/stats-shapes.js';
import { formatTime } from '../../time.js';

export interface ZoneOccupancy {
  /** People counted, or null when suppressed below k. */
  readonly count: number | null;
  readonly label: string;
}

const REFRESH_MS = 30_000;

export function useOccupancy(): ReadonlyMap<string, ZoneOccupancy> {
  const { api } = useSession();
  const [occ, setOcc] = useState<ReadonlyMap<string, ZoneOccupancy>>(new Map());
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    const load = () => {
      api
        .get<StatsAnswer>('/stats/occupancy', { from: new Date(Date.now() - 3600_000).toISOString(), interval: '15m' })
        .then((body) => {
          if (stopped) return;
          // Camera and Wi-Fi may both count a zone: the larger published figure is shown.
          const m = new Map<string, ZoneOccupancy>();
          for (const r of occupancyRows(body)) {
            const key = `${r.site}/${r.zone}`;
            const prev = m.get(key);
            if (r.count === null) {
              if (!prev) m.set(key, { count: null, label: 'fewer than k' });
            } else if (!prev || prev.count === null || prev.count < r.count) m.set(key, { count: r.count, label: `${r.count} people${r.at ? ` at ${formatTime(r.at)}` : ''}` });
          }
          setOcc(m);
          timer = window.setTimeout(load, REFRESH_MS);
        })
        .catch(() => undefined); // not offered on this hub, or not for this role: outlines only
    };
    load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [api]);
  return occ;
}

/** Deeper fill the fuller the zone; suppressed and unknown zones get a neutral outline. */
export function occupancyStyle(o: ZoneOccupancy | null): L.PathOptions {
  const base: L.PathOptions = { color: '#5cc8ff', weight: 1.5, opacity: 0.7, fillColor: '#5cc8ff', fillOpacity: 0.06, dashArray: '4 4' };
  if (!o || o.count === null) return base;
  const share = Math.min(1, o.count / 200);
  return { ...base, dashArray: undefined, fillColor: '#ff9f43', fillOpacity: 0.08 + share * 0.35, color: '#ff9f43' };
}
