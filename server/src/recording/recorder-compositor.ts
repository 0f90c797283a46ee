import type { Fit, Rect } from './recorder-layout.ts';

/** A planar I420 picture: Y (width×height), then U and V (each ⌈w/2⌉×⌈h/2⌉). */
export type I420Picture = { data: Uint8Array; width: number; height: number };

/** Video black in limited range: Y 16, U and V 128. */
const BLACK_Y = 16;
const NEUTRAL_UV = 128;

type Plane = { offset: number; stride: number; width: number; height: number };

function planesOf(width: number, height: number): [Plane, Plane, Plane] {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  return [
    { offset: 0, stride: width, width, height },
    { offset: width * height, stride: cw, width: cw, height: ch },
    { offset: width * height + cw * ch, stride: cw, width: cw, height: ch },
  ];
}

export function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Where a picture of srcWidth×srcHeight lands inside rect with 'contain': the largest box of its shape, centred, on even pixels. */
export function containRect(srcWidth: number, srcHeight: number, rect: Rect): Rect {
  const srcAspect = srcWidth / srcHeight;
  const tileAspect = rect.width / rect.height;
  const width = srcAspect >= tileAspect ? rect.width : Math.round(rect.height * srcAspect);
  const height = srcAspect >= tileAspect ? Math.round(rect.width / srcAspect) : rect.height;
  const w = Math.max(2, Math.floor(width / 2) * 2);
  const h = Math.max(2, Math.floor(height / 2) * 2);
  return { x: rect.x + Math.floor((rect.width - w) / 4) * 2, y: rect.y + Math.floor((rect.height - h) / 4) * 2, width: w, height: h };
}

/** Which source pixel each destination pixel takes, per row and per column, for one plane. */
type PlaneMap = { dx: number; dy: number; width: number; height: number; columns: Int32Array; rows: Int32Array; identity: boolean };

type Mapping = { key: string; planes: [PlaneMap, PlaneMap, PlaneMap]; letterbox: Rect | null };

/**
 * The recording's canvas. Pictures are scaled into their tiles by nearest neighbour through
 * index maps computed once per (source size, tile) pair: a few array reads per pixel, and a plain
 * row copy when the source already has the tile's size (one publisher at the canvas size).
 */
export class I420Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  readonly #planes: [Plane, Plane, Plane];
  readonly #mappings = new Map<string, Mapping>();
  /** The mapping last drawn into each tile rect: a new one (the source changed size) repaints the bars. */
  readonly #drawnInRect = new Map<string, string>();

  constructor(width: number, height: number) {
    if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`the canvas needs even dimensions, not ${width}x${height}`);
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(i420Size(width, height));
    this.#planes = planesOf(width, height);
    this.clear();
  }

  clear(): void {
    const [y, u] = this.#planes;
    this.data.fill(BLACK_Y, y.offset, u.offset);
    this.data.fill(NEUTRAL_UV, u.offset);
  }

  /** Fills a rect with black (the bars around a letterboxed picture, a tile whose video is gone). */
  fillBlack(rect: Rect): void {
    const values = [BLACK_Y, NEUTRAL_UV, NEUTRAL_UV];
    this.#planes.forEach((plane, index) => {
      const scale = index === 0 ? 1 : 2;
      const x0 = Math.floor(rect.x / scale);
      const x1 = Math.min(plane.width, Math.ceil((rect.x + rect.width) / scale));
      const y1 = Math.min(plane.height, Math.ceil((rect.y + rect.height) / scale));
      for (let y = Math.floor(rect.y / scale); y < y1; y++) {
        const row = plane.offset + y * plane.stride;
        this.data.fill(values[index] ?? 0, row + x0, row + x1);
      }
    });
  }

  /**
   * Draws an I420 picture into rect. With 'contain' the bars are painted black when a mapping
   * starts being used in a rect (they do not change while the source size and tile stay the same).
   */
  draw(picture: I420Picture, rect: Rect, fit: Fit): void {
    const mapping = this.#mappingFor(picture.width, picture.height, rect, fit);
    const rectKey = `${rect.x},${rect.y},${rect.width},${rect.height}`;
    if (this.#drawnInRect.get(rectKey) !== mapping.key) {
      // Bars once per mapping: the picture then only ever overwrites its own area.
      if (mapping.letterbox) this.fillBlack(mapping.letterbox);
      this.#drawnInRect.set(rectKey, mapping.key);
    }
    const source = planesOf(picture.width, picture.height);
    const src = picture.data;
    const dst = this.data;
    for (let p = 0; p < 3; p++) {
      const map = mapping.planes[p] as PlaneMap;
      const from = source[p] as Plane;
      const to = this.#planes[p] as Plane;
      const { columns, rows } = map;
      for (let y = 0; y < map.height; y++) {
        const srcRow = from.offset + (rows[y] ?? 0) * from.stride;
        const dstRow = to.offset + (map.dy + y) * to.stride + map.dx;
        if (map.identity) {
          dst.set(src.subarray(srcRow + (columns[0] ?? 0), srcRow + (columns[0] ?? 0) + map.width), dstRow);
          continue;
        }
        for (let x = 0; x < map.width; x++) dst[dstRow + x] = src[srcRow + (columns[x] ?? 0)] ?? 0;
      }
    }
  }

  /** Forgets cached mappings (after a layout change, so old tiles' maps do not pile up). */
  resetMappings(): void {
    this.#mappings.clear();
    this.#drawnInRect.clear();
  }

  #mappingFor(srcWidth: number, srcHeight: number, rect: Rect, fit: Fit): Mapping {
    const key = `${srcWidth}x${srcHeight}>${rect.x},${rect.y},${rect.width},${rect.height}:${fit}`;
    const cached = this.#mappings.get(key);
    if (cached) return cached;
    // Destination area (contain: the largest box of the source's aspect inside the tile) and
    // source window (cover: the centred part of the source with the tile's aspect).
    let dest: Rect = rect;
    let window: Rect = { x: 0, y: 0, width: srcWidth, height: srcHeight };
    const srcAspect = srcWidth / srcHeight;
    const tileAspect = rect.width / rect.height;
    if (fit === 'contain') {
      dest = containRect(srcWidth, srcHeight, rect);
    } else {
      const width = srcAspect > tileAspect ? Math.round(srcHeight * tileAspect) : srcWidth;
      const height = srcAspect > tileAspect ? srcHeight : Math.round(srcWidth / tileAspect);
      window = { x: Math.floor((srcWidth - width) / 2), y: Math.floor((srcHeight - height) / 2), width, height };
    }
    const planeMap = (scale: number, planeWidth: number, planeHeight: number): PlaneMap => {
      const width = Math.floor(dest.width / scale);
      const height = Math.floor(dest.height / scale);
      const wx = Math.floor(window.x / scale);
      const wy = Math.floor(window.y / scale);
      const ww = Math.max(1, Math.floor(window.width / scale));
      const wh = Math.max(1, Math.floor(window.height / scale));
      const columns = new Int32Array(width);
      const rows = new Int32Array(height);
      for (let x = 0; x < width; x++) columns[x] = Math.min(planeWidth - 1, wx + Math.floor(((x + 0.5) * ww) / width));
      for (let y = 0; y < height; y++) rows[y] = Math.min(planeHeight - 1, wy + Math.floor(((y + 0.5) * wh) / height));
      return {
        dx: Math.floor(dest.x / scale),
        dy: Math.floor(dest.y / scale),
        width,
        height,
        columns,
        rows,
        identity: ww === width && wh === height,
      };
    };
    const source = planesOf(srcWidth, srcHeight);
    const mapping: Mapping = {
      key,
      planes: [
        planeMap(1, source[0].width, source[0].height),
        planeMap(2, source[1].width, source[1].height),
        planeMap(2, source[2].width, source[2].height),
      ],
      letterbox: fit === 'contain' && (dest.width !== rect.width || dest.height !== rect.height) ? rect : null,
    };
    this.#mappings.set(key, mapping);
    return mapping;
  }
}
