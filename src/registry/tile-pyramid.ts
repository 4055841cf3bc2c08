/**
 * Tile pyramids over Web Mercator (a quadtree with fixed tiles): level L cuts the world square into
 * 2^L × 2^L tiles, down to LEAF_LEVEL where tiles list their devices. Every node keeps its devices'
 * count, count per status, sums of latitude and longitude, and the bounds of their positions, so a
 * viewport reads a node whole when it lies in one cluster cell inside the box (viewport-index.ts).
 *
 * Everything lives in typed arrays (struct of arrays, numeric ids): 100,000 devices make some
 * 10^5 nodes, which as objects would cost the heap and the collector far more. Several pyramids
 * (one per site) share one store; a device is a "slot" (its index in the slot arrays).
 */
import { DEVICE_STATUSES } from '../core/device.js';

/** Leaf tiles are 1/2^18 of the world: about 150 m × 120 m at Lisbon (cells at zoom 16 and 64 px). */
export const LEAF_LEVEL = 18;
export const NONE = -1;
const TILES = 2 ** LEAF_LEVEL;
/** Statuses are coded by their index in DEVICE_STATUSES. */
export const STATUS_COUNT = DEVICE_STATUSES.length;

function grown<A extends Float64Array | Int32Array | Uint8Array>(a: A, size: number, fill = 0): A {
  const b = new (a.constructor as new (n: number) => A)(size);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class TilePyramid {
  // Nodes.
  count = new Int32Array(256);
  /** STATUS_COUNT counts per node. */
  status = new Int32Array(256 * STATUS_COUNT);
  sumLat = new Float64Array(256);
  sumLon = new Float64Array(256);
  minLat = new Float64Array(256);
  maxLat = new Float64Array(256);
  minLon = new Float64Array(256);
  maxLon = new Float64Array(256);
  minX = new Float64Array(256);
  maxX = new Float64Array(256);
  minY = new Float64Array(256);
  maxY = new Float64Array(256);
  /** Four children per node (north-west, north-east, south-west, south-east), NONE when empty. */
  child = new Int32Array(256 * 4).fill(NONE);
  parent = new Int32Array(256).fill(NONE);
  level = new Uint8Array(256);
  /** Slots of a leaf's devices, in no order. */
  readonly leaves: Array<number[] | undefined> = [];
  private nodes = 0;
  private readonly freeNodes: number[] = [];

  // Slots: one per device with a position, their coordinates as read from the registry.
  lat = new Float64Array(1024);
  lon = new Float64Array(1024);
  /** Mercator position, 0..1 (viewport-grid.ts), computed once on put. */
  x = new Float64Array(1024);
  y = new Float64Array(1024);
  slotStatus = new Uint8Array(1024);
  slotLeaf = new Int32Array(1024);
  /** Index of the slot in its leaf's list (swap-removal in O(1)). */
  slotPos = new Int32Array(1024);
  private slots = 0;
  private readonly freeSlots: number[] = [];

  /** Live nodes, for measurements and tests. */
  get nodeCount(): number {
    return this.nodes - this.freeNodes.length;
  }

  allocSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    if (this.slots === this.lat.length) {
      const size = this.slots * 2;
      this.lat = grown(this.lat, size);
      this.lon = grown(this.lon, size);
      this.x = grown(this.x, size);
      this.y = grown(this.y, size);
      this.slotStatus = grown(this.slotStatus, size);
      this.slotLeaf = grown(this.slotLeaf, size);
      this.slotPos = grown(this.slotPos, size);
    }
    return this.slots++;
  }

  /** The slot must already be out of its pyramid (`remove`). */
  freeSlot(slot: number): void {
    this.freeSlots.push(slot);
  }

  newRoot(): number {
    return this.allocNode(0, NONE);
  }

  /** Adds the slot (coordinates and status set) to the pyramid under `root`. */
  insert(root: number, slot: number): void {
    const tx = Math.min(TILES - 1, Math.max(0, Math.floor((this.x[slot] as number) * TILES)));
    const ty = Math.min(TILES - 1, Math.max(0, Math.floor((this.y[slot] as number) * TILES)));
    let node = root;
    for (let level = 0; ; level++) {
      this.add(node, slot);
      if (level === LEAF_LEVEL) break;
      const shift = LEAF_LEVEL - level - 1;
      const q = (((ty >> shift) & 1) << 1) | ((tx >> shift) & 1);
      let next = this.child[node * 4 + q] as number;
      if (next === NONE) {
        next = this.allocNode(level + 1, node);
        this.child[node * 4 + q] = next;
      }
      node = next;
    }
    let list = this.leaves[node];
    if (!list) {
      list = [];
      this.leaves[node] = list;
    }
    this.slotLeaf[slot] = node;
    this.slotPos[slot] = list.length;
    list.push(slot);
  }

  /**
   * Takes the slot out of its pyramid. Nodes on its path are recomputed from their children (leaves
   * from their list) rather than decremented, so sums carry no drift however often devices move.
   * Answers whether the pyramid became empty (its root is freed).
   */
  remove(slot: number): boolean {
    const leaf = this.slotLeaf[slot] as number;
    const list = this.leaves[leaf] ?? [];
    const pos = this.slotPos[slot] as number;
    const last = list.pop() as number;
    if (last !== slot) {
      list[pos] = last;
      this.slotPos[last] = pos;
    }
    let node = leaf;
    while (node !== NONE) {
      const up = this.parent[node] as number;
      this.recompute(node);
      if (this.count[node] === 0) {
        if (up === NONE) {
          this.freeNode(node);
          return true;
        }
        for (let q = 0; q < 4; q++) if (this.child[up * 4 + q] === node) this.child[up * 4 + q] = NONE;
        this.freeNode(node);
      }
      node = up;
    }
    return false;
  }

  /** Moves the slot's device from its status to `to` in every node above it. */
  restatus(slot: number, to: number): void {
    const from = this.slotStatus[slot] as number;
    if (from === to) return;
    this.slotStatus[slot] = to;
    for (let node = this.slotLeaf[slot] as number; node !== NONE; node = this.parent[node] as number) {
      this.status[node * STATUS_COUNT + from] = (this.status[node * STATUS_COUNT + from] as number) - 1;
      this.status[node * STATUS_COUNT + to] = (this.status[node * STATUS_COUNT + to] as number) + 1;
    }
  }

  /** The one device under a node that holds one. */
  onlySlot(node: number): number {
    let n = node;
    while (this.level[n] !== LEAF_LEVEL) {
      let next = NONE;
      for (let q = 0; q < 4 && next === NONE; q++) {
        const c = this.child[n * 4 + q] as number;
        if (c !== NONE && (this.count[c] as number) > 0) next = c;
      }
      if (next === NONE) return NONE;
      n = next;
    }
    return this.leaves[n]?.[0] ?? NONE;
  }

  private add(node: number, slot: number): void {
    const lat = this.lat[slot] as number;
    const lon = this.lon[slot] as number;
    const x = this.x[slot] as number;
    const y = this.y[slot] as number;
    if (this.count[node] === 0) {
      this.minLat[node] = this.maxLat[node] = lat;
      this.minLon[node] = this.maxLon[node] = lon;
      this.minX[node] = this.maxX[node] = x;
      this.minY[node] = this.maxY[node] = y;
    } else {
      if (lat < (this.minLat[node] as number)) this.minLat[node] = lat;
      if (lat > (this.maxLat[node] as number)) this.maxLat[node] = lat;
      if (lon < (this.minLon[node] as number)) this.minLon[node] = lon;
      if (lon > (this.maxLon[node] as number)) this.maxLon[node] = lon;
      if (x < (this.minX[node] as number)) this.minX[node] = x;
      if (x > (this.maxX[node] as number)) this.maxX[node] = x;
      if (y < (this.minY[node] as number)) this.minY[node] = y;
      if (y > (this.maxY[node] as number)) this.maxY[node] = y;
    }
    this.count[node] = (this.count[node] as number) + 1;
    const st = node * STATUS_COUNT + (this.slotStatus[slot] as number);
    this.status[st] = (this.status[st] as number) + 1;
    this.sumLat[node] = (this.sumLat[node] as number) + lat;
    this.sumLon[node] = (this.sumLon[node] as number) + lon;
  }

  private recompute(node: number): void {
    this.count[node] = 0;
    this.status.fill(0, node * STATUS_COUNT, node * STATUS_COUNT + STATUS_COUNT);
    this.sumLat[node] = 0;
    this.sumLon[node] = 0;
    if (this.level[node] === LEAF_LEVEL) {
      for (const slot of this.leaves[node] ?? []) this.add(node, slot);
      return;
    }
    for (let q = 0; q < 4; q++) {
      const c = this.child[node * 4 + q] as number;
      if (c === NONE || this.count[c] === 0) continue;
      if (this.count[node] === 0) {
        this.minLat[node] = this.minLat[c] as number;
        this.maxLat[node] = this.maxLat[c] as number;
        this.minLon[node] = this.minLon[c] as number;
        this.maxLon[node] = this.maxLon[c] as number;
        this.minX[node] = this.minX[c] as number;
        this.maxX[node] = this.maxX[c] as number;
        this.minY[node] = this.minY[c] as number;
        this.maxY[node] = this.maxY[c] as number;
      } else {
        this.minLat[node] = Math.min(this.minLat[node] as number, this.minLat[c] as number);
        this.maxLat[node] = Math.max(this.maxLat[node] as number, this.maxLat[c] as number);
        this.minLon[node] = Math.min(this.minLon[node] as number, this.minLon[c] as number);
        this.maxLon[node] = Math.max(this.maxLon[node] as number, this.maxLon[c] as number);
        this.minX[node] = Math.min(this.minX[node] as number, this.minX[c] as number);
        this.maxX[node] = Math.max(this.maxX[node] as number, this.maxX[c] as number);
        this.minY[node] = Math.min(this.minY[node] as number, this.minY[c] as number);
        this.maxY[node] = Math.max(this.maxY[node] as number, this.maxY[c] as number);
      }
      this.count[node] = this.count[node] + (this.count[c] as number);
      for (let s = 0; s < STATUS_COUNT; s++) this.status[node * STATUS_COUNT + s] = (this.status[node * STATUS_COUNT + s] as number) + (this.status[c * STATUS_COUNT + s] as number);
      this.sumLat[node] = this.sumLat[node] + (this.sumLat[c] as number);
      this.sumLon[node] = this.sumLon[node] + (this.sumLon[c] as number);
    }
  }

  private allocNode(level: number, parent: number): number {
    let node = this.freeNodes.pop();
    if (node === undefined) {
      if (this.nodes === this.count.length) this.growNodes(this.nodes * 2);
      node = this.nodes++;
    }
    this.level[node] = level;
    this.parent[node] = parent;
    this.count[node] = 0;
    this.status.fill(0, node * STATUS_COUNT, node * STATUS_COUNT + STATUS_COUNT);
    this.sumLat[node] = 0;
    this.sumLon[node] = 0;
    this.child.fill(NONE, node * 4, node * 4 + 4);
    return node;
  }

  private freeNode(node: number): void {
    this.leaves[node] = undefined;
    this.parent[node] = NONE;
    this.freeNodes.push(node);
  }

  private growNodes(size: number): void {
    this.count = grown(this.count, size);
    this.status = grown(this.status, size * STATUS_COUNT);
    this.sumLat = grown(this.sumLat, size);
    this.sumLon = grown(this.sumLon, size);
    this.minLat = grown(this.minLat, size);
    this.maxLat = grown(this.maxLat, size);
    this.minLon = grown(this.minLon, size);
    this.maxLon = grown(this.maxLon, size);
    this.minX = grown(this.minX, size);
    this.maxX = grown(this.maxX, size);
    this.minY = grown(this.minY, size);
    this.maxY = grown(this.maxY, size);
    this.child = grown(this.child, size * 4, NONE);
    this.parent = grown(this.parent, size, NONE);
    this.level = grown(this.level, size);
  }
}
