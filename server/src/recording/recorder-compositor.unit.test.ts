import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { I420Canvas, type I420Picture, i420Size } from './recorder-compositor.ts';

/** A picture filled by plane: fy(x, y) for luma, u and v constant. */
function picture(width: number, height: number, fy: (x: number, y: number) => number, u = 128, v = 128): I420Picture {
  const data = new Uint8Array(i420Size(width, height));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = fy(x, y);
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  data.fill(u, width * height, width * height + chroma);
  data.fill(v, width * height + chroma);
  return { data, width, height };
}

const lumaAt = (c: I420Canvas, x: number, y: number) => c.data[y * c.width + x];
const uAt = (c: I420Canvas, x: number, y: number) => c.data[c.width * c.height + Math.floor(y / 2) * (c.width / 2) + Math.floor(x / 2)];

describe('I420Canvas', () => {
  it('starts black (Y 16, chroma 128) and refuses odd sizes', () => {
    const canvas = new I420Canvas(64, 36);
    assert.ok(canvas.data.subarray(0, 64 * 36).every((b) => b === 16));
    assert.ok(canvas.data.subarray(64 * 36).every((b) => b === 128));
    assert.throws(() => new I420Canvas(63, 36), /even/);
  });

  it('a picture of the canvas size is copied exactly', () => {
    const canvas = new I420Canvas(64, 36);
    const src = picture(64, 36, (x, y) => (x * 3 + y * 5) % 256, 90, 170);
    canvas.draw(src, { x: 0, y: 0, width: 64, height: 36 }, 'contain');
    assert.deepEqual(canvas.data, src.data);
  });

  it('scales into a tile: left/right halves stay left/right, chroma follows, nothing outside the tile changes', () => {
    const canvas = new I420Canvas(128, 72);
    const src = picture(64, 36, (x) => (x < 32 ? 50 : 200), 60, 190);
    const tile = { x: 64, y: 36, width: 32, height: 18 };
    canvas.draw(src, tile, 'cover');
    assert.equal(lumaAt(canvas, 64 + 4, 36 + 9), 50);
    assert.equal(lumaAt(canvas, 64 + 28, 36 + 9), 200);
    assert.equal(uAt(canvas, 64 + 10, 36 + 10), 60);
    assert.equal(lumaAt(canvas, 10, 10), 16, 'outside the tile: still black');
    assert.equal(lumaAt(canvas, 64 + 32, 36 + 9), 16, 'just right of the tile: untouched');
    assert.equal(uAt(canvas, 10, 10), 128);
  });

  it('contain letterboxes a 4:3 picture in a 16:9 tile: black bars left and right, over what was there', () => {
    const canvas = new I420Canvas(64, 36);
    canvas.draw(
      picture(64, 36, () => 235),
      { x: 0, y: 0, width: 64, height: 36 },
      'contain',
    );
    canvas.draw(
      picture(48, 36, () => 100),
      { x: 0, y: 0, width: 64, height: 36 },
      'contain',
    );
    assert.equal(lumaAt(canvas, 2, 18), 16, 'left bar repainted black when the source changed size');
    assert.equal(lumaAt(canvas, 61, 18), 16, 'right bar');
    assert.equal(lumaAt(canvas, 32, 18), 100, 'the picture in the middle');
    assert.equal(lumaAt(canvas, 32, 0), 100, 'full height');
  });

  it('cover fills a 16:9 tile with a 4:3 picture, cropping top and bottom', () => {
    const canvas = new I420Canvas(64, 36);
    // The top and bottom eighths are marked: cover must crop them away.
    const src = picture(48, 36, (_x, y) => (y < 4 || y >= 32 ? 250 : 100));
    canvas.draw(src, { x: 0, y: 0, width: 64, height: 36 }, 'cover');
    const luma = canvas.data.subarray(0, 64 * 36);
    assert.ok(
      luma.every((b) => b === 100),
      'no bars, no cropped rows',
    );
  });

  it('fillBlack blanks a rect in all three planes', () => {
    const canvas = new I420Canvas(64, 36);
    canvas.draw(
      picture(64, 36, () => 200, 40, 40),
      { x: 0, y: 0, width: 64, height: 36 },
      'contain',
    );
    canvas.fillBlack({ x: 0, y: 0, width: 32, height: 36 });
    assert.equal(lumaAt(canvas, 10, 10), 16);
    assert.equal(uAt(canvas, 10, 10), 128);
    assert.equal(lumaAt(canvas, 40, 10), 200);
    assert.equal(uAt(canvas, 40, 10), 40);
  });
});
