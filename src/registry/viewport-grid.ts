/**
 * The cluster grid of one viewport answer (issue 6): squares of `cellPx` screen pixels at the
 * requested zoom in Web Mercator (EPSG:3857, what Leaflet draws in). Shared by the straightforward
 * computation (viewport.ts) and the index (viewport-index.ts), so both put a device in the same cell.
 */

/** Web Mercator's latitude limit, degrees. */
export const MAX_LAT = 85.05112878;
/** Most grid cells one answer may span (a 4K screen at 64 px cells is about 2,000). */
export const MAX_CELLS = 4096;
/** Most cells of the grid laid over a degenerate (line-thin) box. */
const MAX_GRID = 64 * MAX_CELLS;

/** Position on the Mercator world square, 0..1 eastwards. */
export function mercatorX(lon: number): number {
  return (lon + 180) / 360;
}

/** Position on the Mercator world square, 0..1 southwards (latitudes beyond ±MAX_LAT clamp to the edge). */
export function mercatorY(lat: number): number {
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  return (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
}

export interface ClusterGrid {
  /** Cells across the whole world (2^zoom · 256 / cellPx, fewer when the box is huge). */
  readonly cells: number;
  readonly col0: number;
  readonly row0: number;
  readonly cols: number;
  readonly rows: number;
}

/** The bbox in degrees the grid is laid over. */
export interface GridBox {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
  readonly zoom: number;
}

export function clusterGrid(vp: GridBox, cellPx: number): ClusterGrid {
  const x0 = mercatorX(vp.west);
  const y0 = mercatorY(vp.north);
  const x1 = mercatorX(vp.east);
  const y1 = mercatorY(vp.south);
  // A box far larger than a screen at this zoom would give a huge grid: widen the cells so the
  // answer stays bounded (at most MAX_CELLS cells across the box).
  let cells = Math.max(1, (256 * 2 ** vp.zoom) / cellPx);
  const across = (x1 - x0) * cells * ((y1 - y0) * cells);
  if (across > MAX_CELLS) cells = cells / Math.sqrt(across / MAX_CELLS);
  let g = place(cells, x0, y0, x1, y1);
  // A box of (almost) zero width or height has (almost) no area to bound, yet may be 2^32 cells
  // long at zoom 30 (a grid the straightforward computation cannot allocate): halve the cells
  // until the grid itself is bounded too. Boxes the map sends never get here.
  while (g.cols * g.rows > MAX_GRID && g.cells > 1) g = place(Math.max(1, g.cells / 2), x0, y0, x1, y1);
  return g;
}

function place(cells: number, x0: number, y0: number, x1: number, y1: number): ClusterGrid {
  const col0 = Math.floor(x0 * cells);
  const row0 = Math.floor(y0 * cells);
  return { cells, col0, row0, cols: Math.floor(x1 * cells) - col0 + 1, rows: Math.floor(y1 * cells) - row0 + 1 };
}

/** Column of a Mercator x in the grid (clamped: rounding at the box's edge stays in the grid). */
export function gridCol(g: ClusterGrid, x: number): number {
  return Math.min(g.cols - 1, Math.max(0, Math.floor(x * g.cells) - g.col0));
}

export function gridRow(g: ClusterGrid, y: number): number {
  return Math.min(g.rows - 1, Math.max(0, Math.floor(y * g.cells) - g.row0));
}
