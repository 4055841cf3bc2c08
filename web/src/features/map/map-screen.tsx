/**
 * Live map (issue 6 §2): the site plan (zones from device positions, or tiles when configured),
 * devices coloured by status on one canvas with clustering, open alerts pinned and pulsing by
 * severity, zones shaded by live occupancy where the hub offers it (k-anonymous figures only).
 * The hub sends only what the viewport needs (`GET /devices?bbox&zoom`); a click opens the panel.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import L from 'leaflet';
import type { DeviceView, ViewportAnswer } from '../../api.js';
import { useLeafletMap } from '../../hooks/use-leaflet-map.js';
import { asApiError } from '../../hooks/use-api.js';
import { useSession } from '../../session.js';
import { useAlertFeed } from '../alerts/alert-feed.js';
import { DeviceCanvasLayer, STATUS_COLOR, type Hit } from './device-canvas-layer.js';
import { zoneShapes } from './zones.js';
import { DevicePanel } from './device-panel.js';
import { AlertPins } from './alert-pins.js';
import { useOccupancy, occupancyStyle } from './occupancy.js';
import { NotAvailable } from '../../components/load-state.js';
import { useDashboardConfig } from './dashboard-config.js';

/** How often the view is refreshed for status changes, ms (device status is not pushed). */
const REFRESH_MS = 10_000;
/** Extra area fetched around the view, as a share of its size (pans show devices at once). */
const FETCH_MARGIN = 0.5;

function bboxOf(map: L.Map): [number, number, number, number] {
  const b = map.getBounds().pad(FETCH_MARGIN);
  const clamp = (v: number, lim: number) => Math.max(-lim, Math.min(lim, v));
  return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)];
}

export function MapScreen() {
  const { api } = useSession();
  const feed = useAlertFeed();
  const tiles = useDashboardConfig();
  const { ref, map } = useLeafletMap({ center: [38.768, -9.095], zoom: 15, tileUrl: tiles?.tile_url ?? null, tileAttribution: tiles?.tile_attribution ?? null });
  const layer = useMemo(() => new DeviceCanvasLayer(), []);
  const zonesLayer = useMemo(() => L.layerGroup(), []);
  const [answer, setAnswer] = useState<ViewportAnswer | null>(null);
  const [selected, setSelected] = useState<DeviceView | null>(null);
  const [cluster, setCluster] = useState<readonly DeviceView[] | null>(null);
  const [error, setError] = useState<{ unavailable: boolean; detail: string } | null>(null);
  const fetchCtl = useRef<AbortController | null>(null);
  const occupancy = useOccupancy();
  const wrapRef = useRef<HTMLDivElement>(null);
  /** Whether the answer on show is the current view's (not the first, world-wide one). */
  const viewAnswered = useRef(false);

  const load = useCallback(
    (m: L.Map) => {
      fetchCtl.current?.abort();
      const ctl = new AbortController();
      fetchCtl.current = ctl;
      api
        .viewport(bboxOf(m), Math.round(m.getZoom()), ctl.signal)
        .then((a) => {
          if (ctl.signal.aborted) return;
          setAnswer(a);
          viewAnswered.current = true;
          setError(null);
        })
        .catch((err: unknown) => {
          if (ctl.signal.aborted) return;
          const e = asApiError(err);
          setError({ unavailable: e.unavailable, detail: e.detail });
        });
    },
    [api],
  );

  // First view: fit what the registry holds (the world-wide answer is clustered and small).
  useEffect(() => {
    if (!map) return;
    layer.addTo(map);
    zonesLayer.addTo(map);
    layer.onDrawn = (ms, items) => {
      const el = wrapRef.current;
      if (!el) return;
      el.dataset.drawMs = ms.toFixed(2);
      el.dataset.drawnItems = String(items);
      el.dataset.draws = String(Number(el.dataset.draws ?? '0') + 1);
      // For the benchmark and tests: when devices first appeared (ms since navigation start).
      if (items > 0 && el.dataset.firstDrawAt === undefined) el.dataset.firstDrawAt = performance.now().toFixed(1);
    };
    const ctl = new AbortController();
    api
      .viewport([-180, -85, 180, 85], 2, ctl.signal)
      .then((a) => {
        // Draw what the world view holds at once; the fitted view's own answer replaces it.
        setAnswer(a);
        if (a.bounds) {
          const [w, s, e, n] = a.bounds;
          map.fitBounds(L.latLngBounds([s, w], [n, e]), { padding: [40, 40], maxZoom: 17, animate: false });
        }
        load(map);
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        const e = asApiError(err);
        setError({ unavailable: e.unavailable, detail: e.detail });
      });
    const onMove = () => load(map);
    map.on('moveend', onMove);
    const onClick = (e: L.LeafletMouseEvent) => {
      const hit: Hit | null = layer.hitTest(e.layerPoint);
      if (!hit) return;
      if (hit.kind === 'device') {
        setCluster(null);
        setSelected(hit.device);
      } else if (map.getZoom() < map.getMaxZoom() - 1) {
        map.setView(hit.latlng, Math.min(map.getMaxZoom(), map.getZoom() + 2));
      } else {
        setSelected(null);
        setCluster(hit.members);
      }
    };
    map.on('click', onClick);
    const timer = window.setInterval(() => load(map), REFRESH_MS);
    return () => {
      ctl.abort();
      window.clearInterval(timer);
      map.off('moveend', onMove);
      map.off('click', onClick);
      layer.remove();
      zonesLayer.remove();
    };
  }, [api, map, layer, zonesLayer, load]);

  useEffect(() => {
    if (!answer) return;
    layer.setData(answer);
    // For the benchmark and tests: when the fitted view's own devices were first drawn.
    const el = wrapRef.current;
    if (el && viewAnswered.current && el.dataset.viewDrawAt === undefined) el.dataset.viewDrawAt = performance.now().toFixed(1);
  }, [answer, layer]);

  useEffect(() => {
    layer.setSelected(selected?.id ?? null);
  }, [selected, layer]);

  // Zones: outlines from the raw devices in view, shaded by occupancy when known.
  useEffect(() => {
    zonesLayer.clearLayers();
    if (!answer || answer.clustered) return;
    for (const z of zoneShapes(answer.devices)) {
      const occ = occupancy.get(`${z.site}/${z.zone}`) ?? null;
      const poly = L.polygon(
        z.ring.map(([a, b]) => [a, b] as L.LatLngTuple),
        { ...occupancyStyle(occ), interactive: false },
      );
      zonesLayer.addLayer(poly);
      const label = L.tooltip({ permanent: true, direction: 'top', className: 'zone-label', interactive: false, offset: [0, -2] })
        .setLatLng([z.top[0], z.top[1]])
        .setContent(occ ? `${z.zone} · ${occ.label}` : z.zone);
      zonesLayer.addLayer(label);
    }
  }, [answer, occupancy, zonesLayer]);

  const openAlerts = useMemo(() => [...feed.alerts.values()], [feed.alerts]);

  return (
    <div className="map-wrap" ref={wrapRef} data-testid="map">
      <div style={{ position: 'relative', minWidth: 0 }}>
        <h1 className="sr-only">Live map</h1>
        <div ref={ref} className="map" role="application" aria-label="District map: devices by status, open alerts pinned. Use the device health screen for a list." />
        {map && <AlertPins map={map} alerts={openAlerts} devices={answer?.devices ?? []} onPick={(d) => setSelected(d)} />}
        <div className="map-legend" aria-label="Legend">
          <ul>
            {(['online', 'offline', 'fault', 'unknown'] as const).map((s) => (
              <li key={s}>
                <span className="dot" style={{ background: STATUS_COLOR[s] }} />
                {s}
              </li>
            ))}
            <li>rings: clusters, split by status</li>
          </ul>
        </div>
        <div className="map-status" role="status" aria-live="polite">
          {error ? (error.unavailable ? 'device map not available' : `map: ${error.detail}`) : answer ? `${answer.total.toLocaleString()} devices in view${answer.clustered ? ' (clustered)' : ''}` : 'loading devices…'}
        </div>
        {error?.unavailable && (
          <div style={{ position: 'absolute', top: '4rem', left: '4rem', zIndex: 600 }}>
            <NotAvailable feature="The device map" />
          </div>
        )}
      </div>
      {(selected || cluster) && (
        <aside className="device-panel" aria-label="Device details">
          {selected ? (
            <DevicePanel device={selected} onClose={() => setSelected(null)} />
          ) : (
            <ClusterList members={cluster ?? []} onPick={(d) => setSelected(d)} onClose={() => setCluster(null)} />
          )}
        </aside>
      )}
    </div>
  );
}

function ClusterList({ members, onPick, onClose }: { members: readonly DeviceView[]; onPick: (d: DeviceView) => void; onClose: () => void }) {
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2>{members.length} devices here</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ul>
        {members.map((d) => (
          <li key={d.id}>
            <button type="button" className="link" onClick={() => onPick(d)}>
              {d.name}
            </button>{' '}
            <span className="muted">({d.status})</span>
          </li>
        ))}
      </ul>
    </>
  );
}
