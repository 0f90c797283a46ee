import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type I420Frame, Y4mReader } from './y4m-reader.ts';

/** A YUV4MPEG2 stream of `count` 4×2 pictures, picture n filled with the byte n. */
function stream(count: number, header = 'YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C420jpeg XYSCSS=420JPEG'): Buffer {
  const parts = [Buffer.from(`${header}\n`)];
  for (let n = 0; n < count; n++) parts.push(Buffer.from('FRAME\n'), Buffer.alloc(4 * 2 + 2 * 2, n));
  return Buffer.concat(parts);
}

const read = (chunks: Buffer[]) => {
  const frames: I420Frame[] = [];
  const reader = new Y4mReader((f) => frames.push({ ...f, data: Buffer.from(f.data) }));
  for (const chunk of chunks) reader.push(chunk);
  return { frames, reader };
};

describe('Y4mReader', () => {
  it('reads the size from the header and every picture, whole', () => {
    const { frames, reader } = read([stream(3)]);
    assert.deepEqual(reader.size, { width: 4, height: 2 });
    assert.equal(frames.length, 3);
    assert.deepEqual(
      frames.map((f) => [f.width, f.height, f.data.length, f.data[0], f.data.at(-1)]),
      [
        [4, 2, 12, 0, 0],
        [4, 2, 12, 1, 1],
        [4, 2, 12, 2, 2],
      ],
    );
  });

  it('gives the same pictures whatever the chunking, down to one byte at a time', () => {
    const whole = stream(4);
    const bytes = [...whole].map((b) => Buffer.from([b]));
    const odd: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 7) odd.push(whole.subarray(i, i + 7));
    const expected = read([whole]).frames;
    assert.deepEqual(read(bytes).frames, expected);
    assert.deepEqual(read(odd).frames, expected);
  });

  it('keeps a partial picture until the rest arrives', () => {
    const whole = stream(1);
    const { frames, reader } = read([whole.subarray(0, whole.length - 1)]);
    assert.equal(frames.length, 0);
    reader.push(whole.subarray(whole.length - 1));
    assert.equal(frames.length, 1);
  });

  it('refuses what it cannot hand on as I420', () => {
    assert.throws(() => read([Buffer.from('RIFF....\n')]), /not a YUV4MPEG2 stream/);
    assert.throws(() => read([stream(1, 'YUV4MPEG2 W4 H2 C444')]), /not 4:2:0/);
    assert.throws(() => read([stream(1, 'YUV4MPEG2 F30:1')]), /no size/);
    assert.throws(() => read([Buffer.concat([Buffer.from('YUV4MPEG2 W4 H2\n'), Buffer.from('JUNK\n')])]), /expected a FRAME line/);
  });
});
