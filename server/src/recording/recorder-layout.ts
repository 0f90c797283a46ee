/**
 * Where each video goes on the recording's canvas: the stage as viewers see it (web
 * StageVideo.tsx). The host alone fills the frame; several cameras form a grid of 16:9 tiles; a
 * screen share takes the big slot with the cameras in a strip beside it.
 */

export type StageVideoSource = {
  /** Track sid: stable while the track is published. */
  id: string;
  kind: 'camera' | 'screen';
  /** The session's host sorts first, like on the viewers' stage. */
  isHost: boolean;
};

export type Rect = { x: number; y: number; width: number; height: number };

/** contain: the whole picture, letterboxed; cover: fills the tile, cropped. */
export type Fit = 'contain' | 'cover';

export type Tile = { id: string; rect: Rect; fit: Fit };

export type Canvas = { width: number; height: number };

/** Fraction of the canvas width the camera strip takes beside a screen share. */
const STRIP_FRACTION = 0.2;

/** Rounds down to even: I420 chroma is subsampled 2x2, so tile edges sit on even pixels. */
const even = (n: number) => Math.max(0, Math.floor(n / 2) * 2);

/** Sources in a fixed order (host first, then as given), laid out on the canvas. */
export function layoutStage(sources: readonly StageVideoSource[], canvas: Canvas): Tile[] {
  const screen = sources.find((s) => s.kind === 'screen');
  // A stable sort: guests keep the order they came on stage in.
  const cameras = sources.filter((s) => s.kind === 'camera').sort((a, b) => Number(b.isHost) - Number(a.isHost));
  const gap = even(canvas.width / 320) || 2;
  if (screen) return focusLayout(screen, cameras, canvas, gap);
  if (cameras.length === 0) return [];
  const [only] = cameras;
  if (cameras.length === 1 && only)
    return [{ id: only.id, rect: { x: 0, y: 0, width: canvas.width, height: canvas.height }, fit: 'contain' }];
  return gridLayout(cameras, canvas, gap);
}

function gridLayout(cameras: StageVideoSource[], canvas: Canvas, gap: number): Tile[] {
  const columns = Math.ceil(Math.sqrt(cameras.length));
  const rows = Math.ceil(cameras.length / columns);
  const cellWidth = (canvas.width - gap * (columns + 1)) / columns;
  const cellHeight = (canvas.height - gap * (rows + 1)) / rows;
  // The largest 16:9 tile that fits a cell.
  const tileWidth = even(Math.min(cellWidth, (cellHeight * 16) / 9));
  const tileHeight = even((tileWidth * 9) / 16);
  const gridHeight = rows * tileHeight + (rows - 1) * gap;
  const top = (canvas.height - gridHeight) / 2;
  return cameras.map((camera, index) => {
    const row = Math.floor(index / columns);
    // The last row may be short: its tiles are centred too.
    const inRow = row === rows - 1 ? cameras.length - row * columns : columns;
    const rowWidth = inRow * tileWidth + (inRow - 1) * gap;
    const left = (canvas.width - rowWidth) / 2;
    const column = index % columns;
    return {
      id: camera.id,
      rect: { x: even(left + column * (tileWidth + gap)), y: even(top + row * (tileHeight + gap)), width: tileWidth, height: tileHeight },
      fit: 'cover',
    };
  });
}

function focusLayout(screen: StageVideoSource, cameras: StageVideoSource[], canvas: Canvas, gap: number): Tile[] {
  if (cameras.length === 0) {
    return [{ id: screen.id, rect: { x: 0, y: 0, width: canvas.width, height: canvas.height }, fit: 'contain' }];
  }
  const stripWidth = even(canvas.width * STRIP_FRACTION);
  const mainWidth = even(canvas.width - stripWidth - 3 * gap);
  const tiles: Tile[] = [{ id: screen.id, rect: { x: gap, y: 0, width: mainWidth, height: canvas.height }, fit: 'contain' }];
  const tileHeight = even((stripWidth * 9) / 16);
  // As many cameras as the strip holds; the web strip scrolls, a recording cannot.
  const fits = Math.max(1, Math.floor((canvas.height + gap) / (tileHeight + gap)));
  const shown = cameras.slice(0, fits);
  const stripHeight = shown.length * tileHeight + (shown.length - 1) * gap;
  const top = (canvas.height - stripHeight) / 2;
  const x = even(canvas.width - stripWidth - gap);
  shown.forEach((camera, index) => {
    tiles.push({
      id: camera.id,
      rect: { x, y: even(top + index * (tileHeight + gap)), width: stripWidth, height: tileHeight },
      fit: 'cover',
    });
  });
  return tiles;
}
