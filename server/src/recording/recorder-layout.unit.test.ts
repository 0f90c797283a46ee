import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutStage, type Rect, type StageVideoSource } from './recorder-layout.ts';

const HD = { width: 1280, height: 720 };
const camera = (id: string, isHost = false): StageVideoSource => ({ id, kind: 'camera', isHost });
const screen = (id: string): StageVideoSource => ({ id, kind: 'screen', isHost: false });

const inside = (r: Rect, canvas = HD) => r.x >= 0 && r.y >= 0 && r.x + r.width <= canvas.width && r.y + r.height <= canvas.height;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const even = (r: Rect) => [r.x, r.y, r.width, r.height].every((n) => n % 2 === 0);

function assertSane(rects: Rect[], canvas = HD): void {
  for (const r of rects) {
    assert.ok(inside(r, canvas), `${JSON.stringify(r)} inside the canvas`);
    assert.ok(even(r), `${JSON.stringify(r)} on even pixels (I420)`);
    assert.ok(r.width > 0 && r.height > 0);
  }
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++)
      assert.ok(!overlap(rects[i] as Rect, rects[j] as Rect), `tiles ${i} and ${j} do not overlap`);
  }
}

describe('layoutStage: the stage as viewers see it', () => {
  it('nobody publishing: no tiles (the canvas stays black)', () => {
    assert.deepEqual(layoutStage([], HD), []);
  });

  it('one camera fills the frame, letterboxed if its shape differs', () => {
    assert.deepEqual(layoutStage([camera('host', true)], HD), [
      { id: 'host', rect: { x: 0, y: 0, width: 1280, height: 720 }, fit: 'contain' },
    ]);
  });

  it('two cameras side by side, the host first even if it came second, same size, centred vertically', () => {
    const tiles = layoutStage([camera('guest'), camera('host', true)], HD);
    assert.deepEqual(
      tiles.map((t) => t.id),
      ['host', 'guest'],
    );
    const [left, right] = tiles.map((t) => t.rect) as [Rect, Rect];
    assertSane([left, right]);
    assert.ok(left.x + left.width <= 640 && right.x >= 640, 'left and right halves');
    assert.equal(left.width, right.width);
    assert.equal(left.y, right.y);
    assert.ok(Math.abs(left.width / left.height - 16 / 9) < 0.02, '16:9 tiles');
    assert.ok(Math.abs(left.y + left.height / 2 - 360) <= 2, 'centred vertically');
    assert.ok(tiles.every((t) => t.fit === 'cover'));
  });

  it('grids grow as guests come: 3-4 in 2x2, 5-9 in 3x3, the short last row centred', () => {
    for (const [count, columns] of [
      [3, 2],
      [4, 2],
      [5, 3],
      [9, 3],
    ] as const) {
      const tiles = layoutStage(
        Array.from({ length: count }, (_, i) => camera(`c${i}`, i === 0)),
        HD,
      );
      assert.equal(tiles.length, count);
      assertSane(tiles.map((t) => t.rect));
      const firstRow = tiles.filter((t) => t.rect.y === tiles[0]?.rect.y);
      assert.equal(firstRow.length, columns, `${count} cameras: ${columns} columns`);
    }
    const three = layoutStage([camera('a', true), camera('b'), camera('c')], HD);
    const last = three[2]?.rect as Rect;
    assert.ok(Math.abs(last.x + last.width / 2 - 640) <= 2, 'the lone last tile is centred');
  });

  it('a screen share takes the big slot (whole picture), cameras go in a strip on the right', () => {
    const tiles = layoutStage([camera('host', true), screen('share'), camera('guest')], HD);
    assert.deepEqual(
      tiles.map((t) => [t.id, t.fit]),
      [
        ['share', 'contain'],
        ['host', 'cover'],
        ['guest', 'cover'],
      ],
    );
    const [main, ...strip] = tiles.map((t) => t.rect) as Rect[];
    assertSane(tiles.map((t) => t.rect));
    assert.ok((main as Rect).width >= 0.75 * 1280, 'shown large');
    for (const r of strip) {
      assert.ok(r.x >= (main as Rect).x + (main as Rect).width, 'beside it, on the right');
      assert.ok(r.width <= 0.2 * 1280, 'small');
    }
  });

  it('a screen share alone fills the frame; more cameras than the strip holds are left out, host kept', () => {
    assert.deepEqual(layoutStage([screen('share')], HD)[0]?.rect, { x: 0, y: 0, width: 1280, height: 720 });
    const many = Array.from({ length: 12 }, (_, i) => camera(`c${i}`, i === 11));
    const tiles = layoutStage([screen('share'), ...many], HD);
    assert.ok(tiles.length < 13, `${tiles.length} tiles`);
    assert.equal(tiles[1]?.id, 'c11', 'the host heads the strip');
    assertSane(tiles.map((t) => t.rect));
  });

  it('works on small and odd-shaped canvases too', () => {
    const canvas = { width: 640, height: 360 };
    for (const n of [1, 2, 3, 5]) {
      assertSane(
        layoutStage(
          Array.from({ length: n }, (_, i) => camera(`c${i}`)),
          canvas,
        ).map((t) => t.rect),
        canvas,
      );
    }
    const square = { width: 720, height: 720 };
    assertSane(
      layoutStage([camera('a'), camera('b')], square).map((t) => t.rect),
      square,
    );
  });
});
