/** One decoded picture, planar I420 (Y, then U, then V, no padding). */
export type I420Frame = { width: number; height: number; data: Buffer };

const FRAME_MARKER = 'FRAME';
const MAX_HEADER_BYTES = 1024;

/**
 * Reads ffmpeg's yuv4mpegpipe output: a header line that says the size, then "FRAME\n" and the
 * raw planes of each picture. ffmpeg is asked for yuv420p, so the planes are I420. Unlike bare
 * rawvideo, the stream says its own size, so no guess from the encoder's metadata is needed.
 */
export class Y4mReader {
  readonly #onFrame: (frame: I420Frame) => void;
  #pending: Buffer = Buffer.alloc(0);
  #width = 0;
  #height = 0;
  #frame: Buffer | null = null;
  #filled = 0;
  #inFrameHeader = true;

  /** onFrame gets a buffer that is reused once it returns: copy it or consume it synchronously. */
  constructor(onFrame: (frame: I420Frame) => void) {
    this.#onFrame = onFrame;
  }

  /** The stream's size, once its header has been read. */
  get size(): { width: number; height: number } | null {
    return this.#frame ? { width: this.#width, height: this.#height } : null;
  }

  /** Feeds bytes; throws when they are not a yuv420p YUV4MPEG2 stream. */
  push(chunk: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    if (!this.#frame) {
      const end = data.indexOf(0x0a);
      if (end < 0) {
        if (data.length > MAX_HEADER_BYTES) throw new Error('not a YUV4MPEG2 stream: no header line');
        this.#pending = Buffer.from(data);
        return;
      }
      this.#readHeader(data.subarray(0, end).toString('latin1'));
      data = data.subarray(end + 1);
    }
    const frame = this.#frame as Buffer;
    let offset = 0;
    while (offset < data.length) {
      if (this.#inFrameHeader) {
        const end = data.indexOf(0x0a, offset);
        if (end < 0) {
          if (data.length - offset > MAX_HEADER_BYTES) throw new Error('YUV4MPEG2: a FRAME line has no end');
          this.#pending = Buffer.from(data.subarray(offset));
          return;
        }
        if (data.toString('latin1', offset, offset + FRAME_MARKER.length) !== FRAME_MARKER) {
          throw new Error('YUV4MPEG2: expected a FRAME line');
        }
        offset = end + 1;
        this.#inFrameHeader = false;
        this.#filled = 0;
        continue;
      }
      const n = Math.min(frame.length - this.#filled, data.length - offset);
      data.copy(frame, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === frame.length) {
        this.#inFrameHeader = true;
        this.#onFrame({ width: this.#width, height: this.#height, data: frame });
      }
    }
  }

  #readHeader(line: string): void {
    const fields = line.split(' ');
    if (fields[0] !== 'YUV4MPEG2') throw new Error(`not a YUV4MPEG2 stream: ${line.slice(0, 40)}`);
    for (const field of fields.slice(1)) {
      if (field.startsWith('W')) this.#width = Number(field.slice(1));
      else if (field.startsWith('H')) this.#height = Number(field.slice(1));
      else if (field.startsWith('C') && !field.startsWith('C420')) throw new Error(`YUV4MPEG2: colour space ${field} is not 4:2:0`);
    }
    if (!(this.#width > 0 && this.#height > 0)) throw new Error(`YUV4MPEG2: no size in the header: ${line}`);
    const chroma = Math.ceil(this.#width / 2) * Math.ceil(this.#height / 2);
    this.#frame = Buffer.alloc(this.#width * this.#height + 2 * chroma);
  }
}
