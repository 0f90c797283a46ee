/**
 * The mixed audio of everyone on stage, on the recorder's clock. Each source's samples (mono
 * s16le at the mix rate, as rtc-node's AudioStream resamples them) queue up as they arrive; every
 * frame period the recorder takes exactly that period's samples from the mix, summed with
 * clipping, silence where a source has nothing. So audio and video advance together, by the
 * wall clock, whatever the network does.
 */

export type AudioMixOptions = {
  sampleRate: number;
  /** A source is mixed only once this much is queued (absorbs arrival jitter). */
  primeMs?: number;
  /** Samples queued beyond this are dropped oldest first, so a burst cannot add lasting delay. */
  maxQueueMs?: number;
};

type SourceQueue = { chunks: Int16Array[]; head: number; queued: number; primed: boolean };

export class AudioMix {
  readonly sampleRate: number;
  readonly #primeSamples: number;
  readonly #maxSamples: number;
  readonly #sources = new Map<string, SourceQueue>();
  #droppedSamples = 0;
  #underruns = 0;

  constructor(options: AudioMixOptions) {
    this.sampleRate = options.sampleRate;
    this.#primeSamples = Math.round(((options.primeMs ?? 60) * options.sampleRate) / 1000);
    this.#maxSamples = Math.round(((options.maxQueueMs ?? 300) * options.sampleRate) / 1000);
  }

  get sourceCount(): number {
    return this.#sources.size;
  }

  /** Samples dropped to keep queues short, and times a primed source ran dry (for diagnostics). */
  get counters() {
    return { droppedSamples: this.#droppedSamples, underruns: this.#underruns };
  }

  add(id: string): void {
    if (!this.#sources.has(id)) this.#sources.set(id, { chunks: [], head: 0, queued: 0, primed: false });
  }

  remove(id: string): void {
    this.#sources.delete(id);
  }

  /** Queues a source's samples (ignored for a source not added, e.g. one removed meanwhile). */
  push(id: string, samples: Int16Array): void {
    const queue = this.#sources.get(id);
    if (!queue || samples.length === 0) return;
    queue.chunks.push(samples);
    queue.queued += samples.length;
    if (queue.queued >= this.#primeSamples) queue.primed = true;
    let excess = queue.queued - this.#maxSamples;
    while (excess > 0) excess -= this.#discard(queue, excess);
  }

  /** Fills out with the next out.length samples of the mix. */
  mixInto(out: Int16Array): void {
    out.fill(0);
    const active = [...this.#sources.values()].filter((q) => q.primed);
    if (active.length === 1 && active[0]) {
      this.#take(active[0], out);
      return;
    }
    if (active.length === 0) return;
    // Summed in 32 bits, clipped once at the end.
    const sum = new Int32Array(out.length);
    const scratch = new Int16Array(out.length);
    for (const queue of active) {
      scratch.fill(0);
      this.#take(queue, scratch);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + (scratch[i] ?? 0);
    }
    for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, sum[i] ?? 0));
  }

  /** Copies up to out.length queued samples into out (the rest stays silent). */
  #take(queue: SourceQueue, out: Int16Array): void {
    let written = 0;
    while (written < out.length && queue.chunks.length > 0) {
      const chunk = queue.chunks[0] as Int16Array;
      const n = Math.min(out.length - written, chunk.length - queue.head);
      out.set(chunk.subarray(queue.head, queue.head + n), written);
      written += n;
      queue.head += n;
      queue.queued -= n;
      if (queue.head >= chunk.length) {
        queue.chunks.shift();
        queue.head = 0;
      }
    }
    if (written < out.length) {
      // Ran dry: wait to be primed again rather than mixing in crumbs.
      queue.primed = false;
      this.#underruns += 1;
    }
  }

  /** Drops up to n of the oldest queued samples; returns how many. */
  #discard(queue: SourceQueue, n: number): number {
    const chunk = queue.chunks[0];
    if (!chunk) return n;
    const dropped = Math.min(n, chunk.length - queue.head);
    queue.head += dropped;
    queue.queued -= dropped;
    this.#droppedSamples += dropped;
    if (queue.head >= chunk.length) {
      queue.chunks.shift();
      queue.head = 0;
    }
    return dropped;
  }
}
