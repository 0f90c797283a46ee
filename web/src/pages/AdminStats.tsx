import type { PlatformStats } from '@golive/sdk';
import { type FormEvent, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useUser } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import '../stats/stats.css';
import { AdminsOnly } from '../components/AdminsOnly.tsx';
import { epochSeconds, formatCount, formatDuration, formatMinutes, formatPercent } from '../stats/format.ts';
import { type ChartSeries, TimeChart } from '../stats/TimeChart.tsx';
import { Total } from '../stats/Total.tsx';
import { usePlatformStats } from '../stats/use-platform-stats.ts';

const HOUR_MS = 3_600_000;
const PRESETS = [
  { label: 'Last hour', ms: HOUR_MS },
  { label: 'Last 24 hours', ms: 24 * HOUR_MS },
  { label: 'Last 7 days', ms: 7 * 24 * HOUR_MS },
  { label: 'Last 30 days', ms: 30 * 24 * HOUR_MS },
] as const;

type Range = { from: string; to: string };

/** `lengthMs` up to now. */
const lastRange = (lengthMs: number): Range => {
  const to = Date.now();
  return { from: new Date(to - lengthMs).toISOString(), to: new Date(to).toISOString() };
};

/** <input type="datetime-local"> speaks local time without a zone: "2025-06-01T14:30". */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The platform dashboard (admins): sessions, failures, viewers and watch time over a range. */
export function AdminStats() {
  const user = useUser();
  const [range, setRange] = useState<Range>(() => lastRange(24 * HOUR_MS));
  /** The preset the range came from; null for a range typed in. */
  const [preset, setPreset] = useState<string | null>('Last 24 hours');
  const [draft, setDraft] = useState(() => ({ from: toLocalInput(range.from), to: toLocalInput(range.to) }));
  const [rangeError, setRangeError] = useState<string | null>(null);
  const stats = usePlatformStats(range, { enabled: user.admin });

  if (!user.admin) return <AdminsOnly />;

  const choose = (next: Range, from: string | null) => {
    setPreset(from);
    setRangeError(null);
    setRange(next);
    setDraft({ from: toLocalInput(next.from), to: toLocalInput(next.to) });
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const from = new Date(draft.from);
    const to = new Date(draft.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return setRangeError('Give both a start and an end.');
    if (from >= to) return setRangeError('The start must be before the end.');
    choose({ from: from.toISOString(), to: to.toISOString() }, null);
  };

  return (
    <section className="admin-stats" aria-labelledby="admin-stats-title">
      <div className="page-head">
        <h1 id="admin-stats-title">Platform</h1>
        <Link className="btn btn-ghost" to="/admin">
          Back to Admin
        </Link>
      </div>
      <form className="range" onSubmit={apply} aria-label="Time range">
        <div className="chips">
          {PRESETS.map((p) => (
            <button
              key={p.label}
              type="button"
              className="chip"
              aria-pressed={preset === p.label}
              onClick={() => choose(lastRange(p.ms), p.label)}
            >
              {p.label}
            </button>
          ))}
        </div>
        <label className="field">
          <span>From</span>
          <input type="datetime-local" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="datetime-local" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <button type="submit" className="btn">
          Show
        </button>
      </form>
      {(rangeError || stats.error) && (
        <p role="alert" className="error">
          {rangeError ?? describeError(stats.error)}
        </p>
      )}
      {!stats.data && !stats.error && <p className="muted">Loading…</p>}
      {stats.data && <PlatformView stats={stats.data} />}
    </section>
  );
}

function PlatformView({ stats }: { stats: PlatformStats }) {
  const starts = useMemo(() => epochSeconds(stats.timeline.map((t) => t.at)), [stats]);
  const sessions = useMemo(
    () =>
      [
        { label: 'Live sessions', values: stats.timeline.map((t) => t.sessions), color: '#a78bfa' },
        { label: 'Started', values: stats.timeline.map((t) => t.sessionsStarted), color: '#8b5cf6', bars: true },
      ] satisfies ChartSeries[],
    [stats],
  );
  const viewers = useMemo(
    () => [{ label: 'Viewers', values: stats.timeline.map((t) => t.viewers), color: '#22c55e' }] satisfies ChartSeries[],
    [stats],
  );
  const bucket = formatDuration(stats.bucketSec);
  return (
    <>
      <p className="muted small" data-testid="platform-window">
        {new Date(stats.from).toLocaleString()} – {new Date(stats.to).toLocaleString()} · one point per {bucket}
      </p>
      <dl className="totals" aria-label="Platform totals">
        <Total id="sessions-started" label="Sessions started" value={formatCount(stats.sessionsStarted)} />
        <Total id="sessions-failed" label="Failed starts" value={formatCount(stats.sessionsFailed)} />
        <Total id="failure-rate" label="Start failure rate" value={formatPercent(stats.startFailureRate)} detail="alert above 5%" />
        <Total id="sessions-ended" label="Sessions ended" value={formatCount(stats.sessionsEnded)} />
        <Total
          id="average-duration"
          label="Average duration"
          value={formatDuration(stats.averageDurationSec)}
          detail="of the sessions that ended"
        />
        <Total id="peak-sessions" label="Peak concurrent sessions" value={formatCount(stats.peakConcurrentSessions)} />
        <Total id="peak-viewers" label="Peak concurrent viewers" value={formatCount(stats.peakConcurrentViewers)} />
        <Total id="minutes-watched" label="Minutes watched" value={formatMinutes(stats.minutesWatched)} />
      </dl>
      <div className="charts charts-wide">
        <TimeChart
          title="Sessions"
          starts={starts}
          bucketSec={stats.bucketSec}
          xAxis="time"
          series={sessions}
          summary={`Most sessions live at once in each ${bucket}, and starts per ${bucket}: peak ${stats.peakConcurrentSessions}.`}
        />
        <TimeChart
          title="Viewers"
          starts={starts}
          bucketSec={stats.bucketSec}
          xAxis="time"
          series={viewers}
          summary={`Most viewers at once in each ${bucket}, over all sessions: peak ${stats.peakConcurrentViewers}.`}
        />
      </div>
    </>
  );
}
