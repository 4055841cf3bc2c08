/**
 * Devices and clusters drawn on one canvas (issue 6 "Scale": 100,000 devices stay interactive).
 * The canvas sits in Leaflet's overlay pane with a margin around the view, so a pan moves it with
 * the map at no drawing cost; it is redrawn once per `moveend`, and during a zoom animation it is
 * scaled by CSS as Leaflet's own renderers do. Raw devices that would overlap on screen are merged
 * into small clusters here; the server already clusters when the view holds too many (viewport.ts).
 */
import L from 'leaflet';
import type { DeviceStatus, DeviceView } from '../../api.js';
import type { DeviceCluster } from '../../../../src/registry/viewport.js';

export const STATUS_COLOR: Record<DeviceStatus, string> = { online: '#3ddc84', offline: '#a9b7c6', fault: '#ff5c5c', unknown: '#c9a2ff' };
/** Drawing order of ring segments, worst first. */
const STATUS_ORDER: readonly DeviceStatus[] = ['fault', 'offline', 'unknown', 'online'];
/** Screen distance, px, under which raw devices merge into a cluster. */
const MERGE_PX = 18;
/**
 * How far beyond the view the canvas extends, as a share of the view: a pan reveals drawn content,
 * but every pixel is moved by the compositor (in software without a GPU), so not more than that.
 */
const PADDING = 0.3;

export type Hit =
  | { readonly kind: 'device'; readonly device: DeviceView }
  | { readonly kind: 'cluster'; readonly latlng: L.LatLng; readonly count: number; readonly members: readonly DeviceView[] };

interface Drawn {
  readonly x: number;
  readonly y: number;
  readonly r: number;
  readonly hit: Hit;
}

export interface DeviceData {
  readonly devices: readonly DeviceView[];
  readonly clusters: readonly DeviceCluster[];
}

function worst(status: Readonly<Record<DeviceStatus, number>>): DeviceStatus {
  return STATUS_ORDER.find((s) => status[s] > 0) ?? 'online';
}

export class DeviceCanvasLayer extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  private data: DeviceData = { devices: [], clusters: [] };
  private drawn: Drawn[] = [];
  private origin = L.point(0, 0);
  private center: L.LatLng | null = null;
  private zoom = 0;
  private selected: string | null = null;
  /** Called after every redraw with its duration, ms (the benchmark and tests read it). */
  onDrawn: ((ms: number, items: number) => void) | null = null;

  private readonly onMoveEnd = (): void => this.redraw();
  private readonly onZoomAnim = (e: L.ZoomAnimEvent): void => this.animateZoom(e);

  override onAdd(map: L.Map): this {
    const c = L.DomUtil.create('canvas', 'leaflet-zoom-animated');
    c.setAttribute('aria-hidden', 'true');
    c.style.pointerEvents = 'none';
    map.getPane('overlayPane')?.appendChild(c);
    this.canvas = c;
    map.on('moveend', this.onMoveEnd);
    map.on('zoomanim', this.onZoomAnim);
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off('moveend', this.onMoveEnd);
    map.off('zoomanim', this.onZoomAnim);
    this.canvas?.remove();
    this.canvas = null;
    return this;
  }

  setData(data: DeviceData): void {
    this.data = data;
    this.redraw();
  }

  setSelected(id: string | null): void {
    this.selected = id;
    this.redraw();
  }

  /** What lies under a container point (a click), nearest first. */
  hitTest(layerPoint: L.Point): Hit | null {
    let best: Drawn | null = null;
    let bestD = Infinity;
    for (const d of this.drawn) {
      const dx = d.x + this.origin.x - layerPoint.x;
      const dy = d.y + this.origin.y - layerPoint.y;
      const dist = Math.sqrt(dx * dx + dy * dy);
      if (dist <= d.r + 4 && dist < bestD) {
        best = d;
        bestD = dist;
      }
    }
    return best?.hit ?? null;
  }

  /** CSS scaling during the zoom animation (as L.Renderer does), redrawn at `moveend`. */
  private animateZoom(e: L.ZoomAnimEvent): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.canvas || !this.center) return;
    const scale = map.getZoomScale(e.zoom, this.zoom);
    const viewHalf = map.getSize().multiplyBy(0.5 + PADDING);
    const mapPanePos = L.DomUtil.getPosition(map.getPane('mapPane') as HTMLElement);
    const newOrigin = map.project(e.center, e.zoom).subtract(map.getSize().divideBy(2)).add(mapPanePos).round();
    const topLeft = viewHalf.multiplyBy(-scale).add(map.project(this.center, e.zoom)).subtract(newOrigin);
    L.DomUtil.setTransform(this.canvas, topLeft, scale);
  }

  redraw(): void {
    const map = this._map as L.Map | undefined;
    const c = this.canvas;
    if (!map || !c) return;
    const t0 = performance.now();
    const size = map.getSize();
    const min = map.containerPointToLayerPoint(size.multiplyBy(-PADDING)).round();
    const full = size.multiplyBy(1 + 2 * PADDING).round();
    this.origin = min;
    this.center = map.getCenter();
    this.zoom = map.getZoom();
    const dpr = window.devicePixelRatio || 1;
    L.DomUtil.setPosition(c, min);
    c.width = Math.round(full.x * dpr);
    c.height = Math.round(full.y * dpr);
    c.style.width = `${full.x}px`;
    c.style.height = `${full.y}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, full.x, full.y);
    const drawn: Drawn[] = [];
    const at = (lat: number, lon: number) => map.latLngToLayerPoint([lat, lon]).subtract(min);

    // Raw devices: merge those closer than MERGE_PX on screen (grid of MERGE_PX cells).
    const cells = new Map<string, DeviceView[]>();
    for (const d of this.data.devices) {
      if (d.lat === null || d.lon === null) continue;
      const p = at(d.lat, d.lon);
      if (p.x < -20 || p.y < -20 || p.x > full.x + 20 || p.y > full.y + 20) continue;
      const key = `${Math.floor(p.x / MERGE_PX)}:${Math.floor(p.y / MERGE_PX)}`;
      const list = cells.get(key);
      if (list) list.push(d);
      else cells.set(key, [d]);
    }
    for (const members of cells.values()) {
      const first = members[0];
      if (!first || first.lat === null || first.lon === null) continue;
      if (members.length === 1) {
        const p = at(first.lat, first.lon);
        this.drawDevice(ctx, p, first);
        drawn.push({ x: p.x, y: p.y, r: 8, hit: { kind: 'device', device: first } });
        continue;
      }
      const status: Record<DeviceStatus, number> = { online: 0, offline: 0, fault: 0, unknown: 0 };
      let lat = 0;
      let lon = 0;
      for (const m of members) {
        status[m.status] += 1;
        lat += m.lat ?? 0;
        lon += m.lon ?? 0;
      }
      const ll = L.latLng(lat / members.length, lon / members.length);
      const p = at(ll.lat, ll.lng);
      const r = this.drawCluster(ctx, p, members.length, status);
      drawn.push({ x: p.x, y: p.y, r, hit: { kind: 'cluster', latlng: ll, count: members.length, members } });
    }
    for (const cl of this.data.clusters) {
      const p = at(cl.lat, cl.lon);
      const r = this.drawCluster(ctx, p, cl.count, cl.status);
      drawn.push({ x: p.x, y: p.y, r, hit: { kind: 'cluster', latlng: L.latLng(cl.lat, cl.lon), count: cl.count, members: [] } });
    }
    this.drawn = drawn;
    this.onDrawn?.(performance.now() - t0, drawn.length);
  }

  private drawDevice(ctx: CanvasRenderingContext2D, p: L.Point, d: DeviceView): void {
    const r = d.status === 'online' ? 6 : 7.5;
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
    ctx.fillStyle = STATUS_COLOR[d.status];
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#0b1016';
    ctx.stroke();
    if (d.status === 'fault' || d.status === 'offline') {
      // A cross for devices needing attention: readable without colour.
      ctx.beginPath();
      ctx.moveTo(p.x - 3, p.y - 3);
      ctx.lineTo(p.x + 3, p.y + 3);
      ctx.moveTo(p.x + 3, p.y - 3);
      ctx.lineTo(p.x - 3, p.y + 3);
      ctx.strokeStyle = '#0b1016';
      ctx.stroke();
    }
    if (d.id === this.selected) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + 5, 0, Math.PI * 2);
      ctx.strokeStyle = '#ffd166';
      ctx.lineWidth = 3;
      ctx.stroke();
    }
  }

  /** A ring split by status share around the device count; returns the radius drawn. */
  private drawCluster(ctx: CanvasRenderingContext2D, p: L.Point, count: number, status: Readonly<Record<DeviceStatus, number>>): number {
    const r = Math.min(34, 13 + Math.log10(count) * 7);
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(11, 16, 22, 0.88)';
    ctx.fill();
    let start = -Math.PI / 2;
    ctx.lineWidth = 5;
    for (const s of STATUS_ORDER) {
      const n = status[s];
      if (n === 0) continue;
      const end = start + (n / count) * Math.PI * 2;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r - 2.5, start, end);
      ctx.strokeStyle = STATUS_COLOR[s];
      ctx.stroke();
      start = end;
    }
    ctx.fillStyle = worst(status) === 'online' ? '#e8eef5' : STATUS_COLOR[worst(status)];
    ctx.font = `700 ${count >= 1000 ? 11 : 13}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(count >= 10_000 ? `${Math.round(count / 1000)}k` : String(count), p.x, p.y + 0.5);
    return r;
  }
}
