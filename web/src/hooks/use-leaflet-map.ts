/**
 * Our own small Leaflet binding (issue 6: not react-leaflet, whose licence is not open source):
 * creates one map in the element the ref points at, destroys it on unmount, and hands the instance
 * to the screen, which adds its layers imperatively. No tile server is needed: without a tile URL
 * the map is a neutral dark plane on which the site plan (zones) and devices are drawn.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import L from 'leaflet';

export interface LeafletMapOptions {
  readonly center: L.LatLngExpression;
  readonly zoom: number;
  /** Optional XYZ tile URL template (same origin, or the hub's CSP must allow its host); may arrive later. */
  readonly tileUrl?: string | null;
  readonly tileAttribution?: string | null;
  readonly maxZoom?: number;
}

export function useLeafletMap(opts: LeafletMapOptions): { ref: RefObject<HTMLDivElement | null>; map: L.Map | null } {
  const ref = useRef<HTMLDivElement | null>(null);
  const [map, setMap] = useState<L.Map | null>(null);
  const initial = useRef(opts);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const o = initial.current;
    const m = L.map(el, {
      center: o.center,
      zoom: o.zoom,
      maxZoom: o.maxZoom ?? 20,
      minZoom: 2,
      // Quarter steps: fitting a district to the screen does not leave half of it empty.
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      wheelPxPerZoomLevel: 120,
      zoomControl: true,
      attributionControl: false,
      preferCanvas: true,
      worldCopyJump: false,
      keyboard: true,
    });
    setMap(m);
    // A side panel opening or the window resizing changes the map's box; Leaflet must re-measure.
    const ro = new ResizeObserver(() => m.invalidateSize({ pan: false }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      m.remove();
      setMap(null);
    };
  }, []);

  // Tiles under the site plan when configured (the setting arrives after the map is made).
  const { tileUrl, tileAttribution, maxZoom } = opts;
  useEffect(() => {
    if (!map || !tileUrl) return;
    const attribution = L.control.attribution({ prefix: false }).addTo(map);
    const layer = L.tileLayer(tileUrl, { maxZoom: maxZoom ?? 20, attribution: tileAttribution ?? '' }).addTo(map);
    layer.bringToBack();
    return () => {
      layer.remove();
      attribution.remove();
    };
  }, [map, tileUrl, tileAttribution, maxZoom]);

  return { ref, map };
}
