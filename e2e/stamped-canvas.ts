// A video track for glass-to-glass measurements in Chromium: a canvas that draws, into every
// frame, its sequence number as the same black-and-white cells that server/test/media.ts
// writeFrameStamp draws (and readFrameStamp reads back in an rtc-node viewer), and remembers
// when each frame was drawn. The stamp code is repeated here because page.evaluate sends only a
// function's source; a viewer that reads the stamps back is what checks the two agree.
import type { Page } from 'playwright-core';

export type StampedCanvasOptions = { width: number; height: number; fps: number };

declare global {
  interface Window {
    goliveStamped: {
      stream: MediaStream;
      /** Frames drawn so far: also the sequence number of the next one. */
      framesDrawn(): number;
      /** Epoch ms (performance.timeOrigin + now) at which frame `sequence` was drawn, or null. */
      drawnAt(sequence: number): number | null;
      stop(): void;
    };
  }
}

/** Installs window.goliveStamped in the page: a stamped canvas and its captureStream. */
export async function installStampedCanvas(page: Page, options: StampedCanvasOptions): Promise<void> {
  await page.evaluate(drawInBrowser, options);
}

/** This process's epoch clock minus the page's, from the round trip with the least delay (ms). */
export async function pageClockOffset(page: Page): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 15; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const theirs = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: (t0 + t1) / 2 - theirs };
  }
  return best.offset;
}

function drawInBrowser({ width, height, fps }: StampedCanvasOptions): void {
  const COLUMNS = 16;
  const ROWS = 2;
  const BAND = 1 / 4;
  const WINDOW = 4096;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2d canvas');
  const check = (s: number) => ((s >> 16) ^ (s >> 8) ^ s ^ 0x5a) & 0xff;
  const drawnAt = new Float64Array(WINDOW);
  let sequence = 0;
  const draw = () => {
    const s = sequence & 0xffffff;
    const code = ((s << 8) | check(s)) >>> 0;
    g.fillStyle = 'rgb(64,64,64)';
    g.fillRect(0, 0, width, height);
    // A bright bar sweeping across below the stamp, so the encoder has motion to encode.
    g.fillStyle = 'rgb(200,200,200)';
    g.fillRect((sequence * 8) % width, Math.floor(height * BAND), Math.max(2, Math.floor(width / 10)), height);
    const cellHeight = (height * BAND) / ROWS;
    for (let bit = 0; bit < COLUMNS * ROWS; bit++) {
      const column = bit % COLUMNS;
      const row = Math.floor(bit / COLUMNS);
      const x0 = Math.floor((column * width) / COLUMNS);
      const x1 = Math.floor(((column + 1) * width) / COLUMNS);
      const y0 = Math.floor(row * cellHeight);
      const y1 = Math.floor((row + 1) * cellHeight);
      g.fillStyle = (code >>> (31 - bit)) & 1 ? '#fff' : '#000';
      g.fillRect(x0, y0, x1 - x0, y1 - y0);
    }
    drawnAt[sequence % WINDOW] = performance.timeOrigin + performance.now();
    sequence += 1;
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  window.goliveStamped = {
    stream,
    framesDrawn: () => sequence,
    drawnAt: (n) => (n >= 0 && n < sequence && n >= sequence - WINDOW ? (drawnAt[n % WINDOW] ?? null) : null),
    stop: () => {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
    },
  };
}
