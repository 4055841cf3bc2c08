/**
 * The map's viewport index (issue 6): the answer of `viewportAnswer` (viewport.ts) without walking
 * every device. Devices with a position sit in one tile pyramid per site (tile-pyramid.ts); a query
 * merges the pyramids of the sites the caller may see, reads a node whole when it lies inside the
 * box and inside one cluster cell, and only walks the devices of leaves cut by the box's or a
 * cell's edge. The whole city at zoom 11 reads a few hundred nodes instead of 100,000 devices.
 *
 * Status freshness: status is derived from liveness at read time (status.ts), and the only change
 * that happens with the clock alone is online → offline once the heartbeat deadline has passed. The
 * index keeps each device's status as of its last update plus an expiry queue of online devices by
 * deadline; a query first moves the devices whose deadline has passed to offline, so its counts are
 * those of `deriveStatus` at the query's time without a sweep.
 */
import { DEVICE_STATUSES, type Device, type DeviceStatus, type DeviceView } from '../core/device.js';
import { ExpiryQueue } from './expiry-queue.js';
import { LEAF_LEVEL, NONE, STATUS_COUNT, TilePyramid } from './tile-pyramid.js';
import { CLUSTER_CELL_PX, VIEWPORT_MAX_DEVICES, emptyStatus, type DeviceCluster, type Viewport, type ViewportAnswer } from './viewport.js';
import { clusterGrid, gridCol, gridRow, mercatorX, mercatorY, type ClusterGrid } from './viewport-grid.js';

const ONLINE = DEVICE_STATUSES.indexOf('online');
const OFFLINE = DEVICE_STATUSES.indexOf('offline');
const CODE = new Map<DeviceStatus, number>(DEVICE_STATUSES.map((s, i) => [s, i]));

/** Counts, sums and the lone contributor of each cluster cell a query touched, by cell key. */
class CellTally {
  readonly index = new Map<number, number>();
  readonly count: number[] = [];
  readonly lat: number[] = [];
  readonly lon: number[] = [];
  readonly status: number[] = [];
  /** What made a cell of one: a slot, or a node holding one device. */
  readonly slot: number[] = [];
  readonly node: number[] = [];

  at(key: number): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.count.length;
      this.index.set(key, i);
      this.count.push(0);
      this.lat.push(0);
      this.lon.push(0);
      for (let s = 0; s < STATUS_COUNT; s++) this.status.push(0);
      this.slot.push(NONE);
      this.node.push(NONE);
    }
    return i;
  }
}

export class ViewportIndex {
  private readonly p = new TilePyramid();
  private readonly roots = new Map<string, number>();
  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  private sites: string[] = [];
  /** Heartbeat deadline per slot, epoch ms (Infinity when the device sends none). */
  private deadline = new Float64Array(1024);
  /** The deadline a slot is queued under, when `queued`; earlier queue entries are stale. */
  private queuedAt = new Float64Array(1024);
  private queued = new Uint8Array(1024);
  private readonly expiry = new ExpiryQueue();
  /** Latest time any status here was derived at; a query before it means the clock went back. */
  private time = -Infinity;

  get size(): number {
    return this.slotOf.size;
  }

  /** Pyramid nodes in use (memory, for the benchmark). */
  get nodes(): number {
    return this.p.nodeCount;
  }

  /**
   * Adds or updates a device: `status` derived at `now`, `deadline` its heartbeat deadline (null
   * when none or never heard from). A device without a position leaves the index.
   */
  set(d: Device, status: DeviceStatus, deadline: number | null, now: number): void {
    const { lat, lon } = d;
    if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) {
      this.remove(d.id);
      return;
    }
    const code = CODE.get(status) ?? 0;
    let slot = this.slotOf.get(d.id);
    if (slot === undefined) {
      slot = this.p.allocSlot();
      this.slotOf.set(d.id, slot);
      this.ensureSlots();
      this.queued[slot] = 0;
      this.place(slot, d, code);
    } else if (this.p.lat[slot] !== lat || this.p.lon[slot] !== lon || this.sites[slot] !== d.site) {
      this.unplace(slot);
      this.place(slot, d, code);
    } else {
      this.p.restatus(slot, code);
    }
    this.deadline[slot] = deadline ?? Infinity;
    if (code === ONLINE && deadline !== null) this.schedule(slot, deadline);
    if (now > this.time) this.time = now;
  }

  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.unplace(slot);
    this.slotOf.delete(id);
    this.queued[slot] = 0;
    this.ids[slot] = '';
    this.p.freeSlot(slot);
  }

  /** Moves the devices whose heartbeat deadline has passed by `now` from online to offline. */
  advance(now: number): void {
    if (now < this.time) {
      this.rederive(now);
      return;
    }
    this.time = now;
    // deriveStatus: offline once now > deadline (at the deadline itself, still online).
    while (this.expiry.peek() < now) {
      const at = this.expiry.peek();
      const slot = this.expiry.pop();
      if (this.queued[slot] !== 1 || this.queuedAt[slot] !== at) continue;
      this.queued[slot] = 0;
      if (this.p.slotStatus[slot] !== ONLINE) continue;
      const deadline = this.deadline[slot] as number;
      if (deadline < now) this.p.restatus(slot, OFFLINE);
      else if (deadline !== Infinity) this.schedule(slot, deadline);
    }
  }

  /**
   * The viewport answer at `now` over the devices of `sites` (null: every site), equal to
   * `viewportAnswer` over the same devices (viewport.test.ts holds them equal). `view` builds the
   * wire view of a device sent raw.
   */
  answer(
    vp: Viewport,
    sites: readonly string[] | null,
    now: number,
    view: (id: string) => DeviceView | undefined,
    maxDevices = VIEWPORT_MAX_DEVICES,
    cellPx = CLUSTER_CELL_PX,
  ): ViewportAnswer {
    this.advance(now);
    const roots: number[] = [];
    if (sites === null) roots.push(...this.roots.values());
    else for (const s of new Set(sites)) {
      const r = this.roots.get(s);
      if (r !== undefined) roots.push(r);
    }
    const b = { total: 0, w: Infinity, s: Infinity, e: -Infinity, n: -Infinity };
    for (const r of roots) this.tally(r, vp, b);
    const bounds = b.total > 0 ? ([b.w, b.s, b.e, b.n] as const) : null;
    const views = (slots: readonly number[]): DeviceView[] => slots.flatMap((s) => view(this.ids[s] ?? '') ?? []);
    if (b.total <= maxDevices) {
      const inside: number[] = [];
      for (const r of roots) this.collect(r, vp, inside);
      const ids = this.ids;
      inside.sort((x, y) => {
        const a = ids[x] ?? '';
        const c = ids[y] ?? '';
        return a < c ? -1 : a > c ? 1 : 0;
      });
      return { devices: views(inside), clusters: [], total: b.total, clustered: false, bounds };
    }
    const g = clusterGrid(vp, cellPx);
    const t = new CellTally();
    for (const r of roots) this.cluster(r, vp, g, t);
    // Cells in row-major order, as viewportAnswer walks its grid.
    const keys = [...t.index.keys()].sort((x, y) => x - y);
    const singles: number[] = [];
    const clusters: DeviceCluster[] = [];
    for (const key of keys) {
      const i = t.index.get(key) as number;
      const count = t.count[i] as number;
      if (count === 1) {
        const slot = t.slot[i] as number;
        singles.push(slot !== NONE ? slot : this.p.onlySlot(t.node[i] as number));
        continue;
      }
      const status = emptyStatus();
      for (let s = 0; s < STATUS_COUNT; s++) status[DEVICE_STATUSES[s] as DeviceStatus] = t.status[i * STATUS_COUNT + s] as number;
      clusters.push({ lat: (t.lat[i] as number) / count, lon: (t.lon[i] as number) / count, count, status });
    }
    return { devices: views(singles), clusters, total: b.total, clustered: true, bounds };
  }

  private place(slot: number, d: Device, code: number): void {
    const lat = d.lat as number;
    const lon = d.lon as number;
    this.p.lat[slot] = lat;
    this.p.lon[slot] = lon;
    this.p.x[slot] = mercatorX(lon);
    this.p.y[slot] = mercatorY(lat);
    this.p.slotStatus[slot] = code;
    this.ids[slot] = d.id;
    this.sites[slot] = d.site;
    let root = this.roots.get(d.site);
    if (root === undefined) {
      root = this.p.newRoot();
      this.roots.set(d.site, root);
    }
    this.p.insert(root, slot);
  }

  private unplace(slot: number): void {
    const site = this.sites[slot] ?? '';
    if (this.p.remove(slot)) this.roots.delete(site);
    this.sites[slot] = '';
  }

  /** Queues an online device under its deadline unless it is queued under an earlier one already. */
  private schedule(slot: number, deadline: number): void {
    if (this.queued[slot] === 1 && (this.queuedAt[slot] as number) <= deadline) return;
    this.queued[slot] = 1;
    this.queuedAt[slot] = deadline;
    this.expiry.push(deadline, slot);
  }

  /** The clock went back: statuses derived "later" may be wrong now; derive online/offline again. */
  private rederive(now: number): void {
    this.time = now;
    this.expiry.clear();
    for (const slot of this.slotOf.values()) {
      this.queued[slot] = 0;
      const code = this.p.slotStatus[slot];
      if (code !== ONLINE && code !== OFFLINE) continue;
      const deadline = this.deadline[slot] as number;
      this.p.restatus(slot, deadline < now ? OFFLINE : ONLINE);
      if (deadline >= now && deadline !== Infinity) this.schedule(slot, deadline);
    }
  }

  private ensureSlots(): void {
    const size = this.p.lat.length;
    if (this.deadline.length === size) return;
    const grow = <A extends Float64Array | Uint8Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.deadline = grow(this.deadline, (n) => new Float64Array(n));
    this.queuedAt = grow(this.queuedAt, (n) => new Float64Array(n));
    this.queued = grow(this.queued, (n) => new Uint8Array(n));
  }

  private inBox(slot: number, vp: Viewport): boolean {
    const lat = this.p.lat[slot] as number;
    const lon = this.p.lon[slot] as number;
    return lat >= vp.south && lat <= vp.north && lon >= vp.west && lon <= vp.east;
  }

  /** 1: every device of the node is in the box; 0: none is; -1: some may be. */
  private cover(node: number, vp: Viewport): number {
    const p = this.p;
    if ((p.maxLat[node] as number) < vp.south || (p.minLat[node] as number) > vp.north || (p.maxLon[node] as number) < vp.west || (p.minLon[node] as number) > vp.east) return 0;
    if ((p.minLat[node] as number) >= vp.south && (p.maxLat[node] as number) <= vp.north && (p.minLon[node] as number) >= vp.west && (p.maxLon[node] as number) <= vp.east) return 1;
    return -1;
  }

  /** Devices in the box under `node`, and their bounds. */
  private tally(node: number, vp: Viewport, b: { total: number; w: number; s: number; e: number; n: number }): void {
    const p = this.p;
    const c = this.cover(node, vp);
    if (c === 0) return;
    if (c === 1) {
      b.total += p.count[node] as number;
      b.w = Math.min(b.w, p.minLon[node] as number);
      b.e = Math.max(b.e, p.maxLon[node] as number);
      b.s = Math.min(b.s, p.minLat[node] as number);
      b.n = Math.max(b.n, p.maxLat[node] as number);
      return;
    }
    if (p.level[node] === LEAF_LEVEL) {
      for (const slot of p.leaves[node] ?? []) {
        if (!this.inBox(slot, vp)) continue;
        b.total += 1;
        b.w = Math.min(b.w, p.lon[slot] as number);
        b.e = Math.max(b.e, p.lon[slot] as number);
        b.s = Math.min(b.s, p.lat[slot] as number);
        b.n = Math.max(b.n, p.lat[slot] as number);
      }
      return;
    }
    for (let q = 0; q < 4; q++) {
      const child = p.child[node * 4 + q] as number;
      if (child !== NONE) this.tally(child, vp, b);
    }
  }

  /** Slots in the box under `node` (only called when they are few). */
  private collect(node: number, vp: Viewport, out: number[], whole = false): void {
    const p = this.p;
    const c = whole ? 1 : this.cover(node, vp);
    if (c === 0) return;
    if (p.level[node] === LEAF_LEVEL) {
      for (const slot of p.leaves[node] ?? []) if (c === 1 || this.inBox(slot, vp)) out.push(slot);
      return;
    }
    for (let q = 0; q < 4; q++) {
      const child = p.child[node * 4 + q] as number;
      if (child !== NONE) this.collect(child, vp, out, c === 1);
    }
  }

  private cluster(node: number, vp: Viewport, g: ClusterGrid, t: CellTally): void {
    const p = this.p;
    const c = this.cover(node, vp);
    if (c === 0) return;
    if (c === 1) {
      const col = gridCol(g, p.minX[node] as number);
      const row = gridRow(g, p.minY[node] as number);
      // Floor and the clamp are monotonic: equal at both bounds, equal for every device between.
      if (col === gridCol(g, p.maxX[node] as number) && row === gridRow(g, p.maxY[node] as number)) {
        const i = t.at(row * g.cols + col);
        const n = p.count[node] as number;
        if (t.count[i] === 0 && n === 1) t.node[i] = node;
        t.count[i] = (t.count[i] as number) + n;
        t.lat[i] = (t.lat[i] as number) + (p.sumLat[node] as number);
        t.lon[i] = (t.lon[i] as number) + (p.sumLon[node] as number);
        for (let s = 0; s < STATUS_COUNT; s++) t.status[i * STATUS_COUNT + s] = (t.status[i * STATUS_COUNT + s] as number) + (p.status[node * STATUS_COUNT + s] as number);
        return;
      }
    }
    if (p.level[node] === LEAF_LEVEL) {
      for (const slot of p.leaves[node] ?? []) {
        if (c !== 1 && !this.inBox(slot, vp)) continue;
        const i = t.at(gridRow(g, p.y[slot] as number) * g.cols + gridCol(g, p.x[slot] as number));
        if (t.count[i] === 0) t.slot[i] = slot;
        t.count[i] = (t.count[i] as number) + 1;
        t.lat[i] = (t.lat[i] as number) + (p.lat[slot] as number);
        t.lon[i] = (t.lon[i] as number) + (p.lon[slot] as number);
        const s = i * STATUS_COUNT + (p.slotStatus[slot] as number);
        t.status[s] = (t.status[s] as number) + 1;
      }
      return;
    }
    for (let q = 0; q < 4; q++) {
      const child = p.child[node * 4 + q] as number;
      if (child !== NONE) this.cluster(child, vp, g, t);
    }
  }
}
