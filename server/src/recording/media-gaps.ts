/**
 * Wall-clock stretches missing from a recording's media: frame periods the recorder skipped while
 * ffmpeg fell behind. Each is [wallStartMs, lengthMs], counted from the recording's media time 0.
 * The video is shorter than the wall clock by their sum, so anything timed by the wall clock
 * (chat, pins, deletions) is placed in the video through `mediaOffset`.
 */
export type MediaGap = readonly [wallStartMs: number, lengthMs: number];

/** Past this many separate gaps, new skips lengthen the last one: the total stays exact. */
const MAX_GAPS = 1_000;

/** The recorder's log of skipped frame periods, merged into runs. */
export class MediaGapLog {
  readonly #periodMs: number;
  readonly #gaps: [number, number][] = [];
  /** Frame periods skipped so far: the recorder's droppedFrames, and how a writer tells there is anything new to save. */
  skips = 0;

  constructor(fps: number) {
    this.#periodMs = 1000 / fps;
  }

  /** Frame period `period` (0-based, from media time 0) was not written. */
  skipped(period: number): void {
    this.skips += 1;
    const start = period * this.#periodMs;
    const last = this.#gaps.at(-1);
    if (last && (Math.abs(last[0] + last[1] - start) < 0.01 || this.#gaps.length >= MAX_GAPS)) last[1] += this.#periodMs;
    else this.#gaps.push([start, this.#periodMs]);
  }

  /** The gaps in whole milliseconds, as stored with the recording. */
  toJSON(): MediaGap[] {
    return this.#gaps.map(([start, length]) => [Math.round(start), Math.round(length)] as const);
  }
}

/**
 * Where a moment `wallMs` after the recording's start is in its video: earlier by every gap
 * before it; a moment inside a gap is at the gap's start (the picture resumes there).
 */
export function mediaOffset(wallMs: number, gaps: readonly MediaGap[]): number {
  let missing = 0;
  for (const [start, length] of gaps) {
    if (wallMs <= start) break;
    missing += Math.min(length, wallMs - start);
  }
  return Math.round(wallMs - missing);
}

/** The stored column: jsonb (PostgreSQL) or its text (PGlite), anything malformed read as no gaps. */
export function readMediaGaps(stored: unknown): MediaGap[] {
  const value: unknown = typeof stored === 'string' ? safeParse(stored) : stored;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (g): g is [number, number] => Array.isArray(g) && g.length === 2 && typeof g[0] === 'number' && typeof g[1] === 'number',
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
