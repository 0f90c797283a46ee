// How the analytics screens write figures: durations, offsets into a live, ratios and counts.

const pad = (n: number) => String(n).padStart(2, '0');

/** "1 h 05 min", "3 min 20 s", "45 s"; whole units alone: "1 h", "5 min". */
export function formatDuration(totalSec: number | null): string {
  if (totalSec === null) return '—';
  const sec = Math.round(totalSec);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  if (h > 0) return m > 0 ? `${h} h ${pad(m)} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${pad(s)} s` : `${m} min`;
  return `${s} s`;
}

/** Time into the live: "4:05", "1:02:09". */
export function formatOffset(totalSec: number): string {
  const sec = Math.max(0, Math.round(totalSec));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** A ratio as a percentage ("4.2%", "100%"), or a dash when there is nothing to divide. */
export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '—';
  const pct = ratio * 100;
  return `${Number.isInteger(pct) || pct >= 10 ? Math.round(pct) : pct.toFixed(1)}%`;
}

/** "1 message", "2 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Minutes watched: a decimal while it is small ("0.4", "7.5"), whole beyond ("1,234"). */
export function formatMinutes(minutes: number): string {
  return minutes < 10 ? minutes.toFixed(1) : formatCount(Math.round(minutes));
}

export function formatCount(n: number): string {
  return n.toLocaleString('en');
}

/** Seconds since `startedAt` of each ISO instant: a live's timeline starts at 0:00. */
export function offsetsFrom(startedAt: string, instants: readonly string[]): number[] {
  const start = Date.parse(startedAt);
  return instants.map((at) => (Date.parse(at) - start) / 1000);
}

/** Epoch seconds of each ISO instant (uPlot's time axis). */
export function epochSeconds(instants: readonly string[]): number[] {
  return instants.map((at) => Date.parse(at) / 1000);
}
