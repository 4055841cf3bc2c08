/**
 * Open alerts pinned on the map, pulsing by severity (critical fastest; still under
 * prefers-reduced-motion). A pin sits on its device; the device's position comes from the view's
 * answer or, for critical alerts when the view is clustered, from one `GET /devices/:id`
 * remembered for the session.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import L from 'leaflet';
import type { AlertWire, DeviceView } from '../../api.js';
import { useSession } from '../../session.js';
import { SEVERITY_RANK } from '../../severity.js';

/** Pins drawn at most (the console lists the rest); the most urgent win. */
const MAX_PINS = 300;
/** Device positions looked up one by one at most, per map session. */
const MAX_LOOKUPS = 50;

export function AlertPins({ map, alerts, devices, onPick }: { map: L.Map; alerts: readonly AlertWire[]; devices: readonly DeviceView[]; onPick: (d: DeviceView) => void }) {
  const { api } = useSession();
  const group = useMemo(() => L.layerGroup(), []);
  const [known, setKnown] = useState<ReadonlyMap<string, DeviceView>>(new Map());
  const asked = useRef(new Set<string>());
  const pickRef = useRef(onPick);
  pickRef.current = onPick;

  useEffect(() => {
    group.addTo(map);
    return () => {
      group.remove();
    };
  }, [group, map]);

  const shown = useMemo(
    () =>
      alerts
        .filter((a) => a.device !== null && a.state !== 'resolved')
        .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.priority - b.priority)
        .slice(0, MAX_PINS),
    [alerts],
  );

  // Positions of critical alerts' devices not in the view's answer (clustered at this zoom): a
  // fire alarm is pinned at every zoom. Other alerts are pinned when their device is in view;
  // asking one device at a time for hundreds of alerts would flood the hub.
  useEffect(() => {
    const inView = new Set(devices.map((d) => d.id));
    for (const a of shown) {
      const id = a.device;
      if (a.severity !== 'critical' || id === null || inView.has(id) || asked.current.has(id)) continue;
      if (asked.current.size >= MAX_LOOKUPS) break;
      asked.current.add(id);
      api
        .device(id)
        .then((d) => setKnown((prev) => new Map(prev).set(d.id, d)))
        .catch(() => undefined); // a device deleted since the alert: no pin
    }
  }, [api, shown, devices]);

  useEffect(() => {
    group.clearLayers();
    const byId = new Map(known);
    for (const d of devices) byId.set(d.id, d);
    for (const a of shown) {
      const d = a.device === null ? undefined : byId.get(a.device);
      if (!d || d.lat === null || d.lon === null) continue;
      const size = a.severity === 'critical' ? 30 : a.severity === 'major' ? 26 : 22;
      const icon = L.divIcon({ className: `alert-pin ${a.severity}`, iconSize: [size, size], html: '!' });
      const marker = L.marker([d.lat, d.lon], { icon, keyboard: true, title: `${a.severity} alert: ${a.title}`, alt: `${a.severity} alert: ${a.title}`, zIndexOffset: 1000 - SEVERITY_RANK[a.severity] * 100 });
      marker.on('click', () => pickRef.current(d));
      group.addLayer(marker);
      // The pin's visible "!" would be its name; the title is what a screen reader should say.
      marker.getElement()?.setAttribute('aria-label', `${a.severity} alert: ${a.title}`);
    }
  }, [group, shown, devices, known]);

  return null;
}
