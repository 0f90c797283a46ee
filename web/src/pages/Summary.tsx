import type { Session, SessionStats } from '@golive/sdk';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { SessionRecordings } from '../components/SessionRecordings.tsx';
import { useUser } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import '../stats/stats.css';
import { formatCount, formatDuration, formatOffset, formatPercent, offsetsFrom, plural } from '../stats/format.ts';
import { type ChartSeries, TimeChart } from '../stats/TimeChart.tsx';
import { Total } from '../stats/Total.tsx';
import { useSessionSummary } from '../stats/use-session-summary.ts';

/** The host's summary of a live (as on Twitch or YouTube): shown when it ends, and from Past lives. */
export function Summary() {
  const { id = '' } = useParams();
  const { session, stats, error } = useSessionSummary(id);
  if (error) {
    return (
      <section className="state-screen">
        <h1>No summary for this live</h1>
        <p role="alert">{describeError(error)}</p>
        <Link className="btn btn-primary" to="/past-lives">
          Past lives
        </Link>
      </section>
    );
  }
  if (!session || !stats) return <p className="muted page-pad">Loading the summary…</p>;
  return <SummaryView session={session} stats={stats} />;
}

function SummaryView({ session, stats }: { session: Session; stats: SessionStats }) {
  const user = useUser();
  const ended = stats.status === 'ended';
  const reactionsTotal = Object.values(stats.reactions).reduce((sum, n) => sum + n, 0);
  const byEmoji = Object.entries(stats.reactions).sort(([, a], [, b]) => b - a);
  const starts = useMemo(
    () =>
      offsetsFrom(
        stats.startedAt,
        stats.retention.map((r) => r.at),
      ),
    [stats],
  );
  const charts = useMemo(() => chartsOf(stats), [stats]);
  const title = !ended ? 'Your live so far' : session.host.id === user.id ? 'Your live has ended' : 'Live summary';

  return (
    <section className="summary" aria-labelledby="summary-title" data-state={ended ? 'ended' : 'live'}>
      <header className="page-head">
        <div>
          <h1 id="summary-title">{title}</h1>
          <p className="muted">
            <strong>{session.title}</strong> · {new Date(stats.startedAt).toLocaleString()} · {formatDuration(stats.durationSec)}
          </p>
        </div>
        <nav className="summary-links" aria-label="Summary">
          <Link className="btn btn-ghost" to="/past-lives">
            Past lives
          </Link>
          <Link className="btn btn-primary" to="/go-live">
            Go Live again
          </Link>
        </nav>
      </header>

      <dl className="totals" aria-label="Totals">
        <Total id="peak-viewers" label="Peak viewers" value={formatCount(stats.peakViewers)} />
        <Total id="average-viewers" label="Average viewers" value={stats.averageViewers.toFixed(2)} />
        <Total id="unique-viewers" label="Unique viewers" value={formatCount(stats.uniqueViewers)} />
        <Total
          id="watch-time"
          label="Watch time"
          value={formatDuration(stats.watchTimeSec.total)}
          detail={`median ${formatDuration(stats.watchTimeSec.median)} per viewer`}
        />
        <Total
          id="chat-messages"
          label="Chat messages"
          value={formatCount(stats.chat.messages)}
          detail={`from ${plural(stats.chat.chatters, 'chatter')}`}
        />
        <Total
          id="reactions"
          label="Reactions"
          value={formatCount(reactionsTotal)}
          detail={byEmoji.length > 0 ? byEmoji.map(([emoji, n]) => `${emoji} ${n}`).join('  ') : 'none yet'}
        />
        <Total
          id="stage-guests"
          label="Stage guests"
          value={formatCount(stats.stage.guests)}
          detail={`${formatDuration(stats.stage.stageTimeSec)} on stage`}
        />
        <Total
          id="approval-rate"
          label="Stage approval rate"
          value={formatPercent(stats.stage.approvalRate)}
          detail={`${stats.stage.approved} of ${plural(stats.stage.requests, 'request')}`}
        />
      </dl>

      <div className="charts">
        <TimeChart
          title="Viewers over time"
          starts={starts}
          bucketSec={stats.bucketSec}
          xAxis="offset"
          series={charts.viewers}
          summary={charts.viewersSummary}
        />
        <TimeChart
          title="Audience retention"
          starts={starts}
          bucketSec={stats.bucketSec}
          xAxis="offset"
          series={charts.retention}
          yMax={1}
          yFormat={formatPercent}
          summary={charts.retentionSummary}
        />
        <TimeChart
          title="Chat activity"
          starts={starts}
          bucketSec={stats.bucketSec}
          xAxis="offset"
          series={charts.activity}
          summary={charts.activitySummary}
        />
      </div>

      <div className="summary-panels">
        <section className="panel" aria-labelledby="top-moments">
          <h2 id="top-moments">Top moments</h2>
          {stats.topMoments.length === 0 ? (
            <p className="muted">No reactions in this live.</p>
          ) : (
            <ol className="moments">
              {stats.topMoments.map((m) => (
                <li key={m.at}>
                  <span className="moment-at">{formatOffset((Date.parse(m.at) - Date.parse(stats.startedAt)) / 1000)}</span>
                  <strong>
                    {m.reactions} {m.reactions === 1 ? 'reaction' : 'reactions'}
                  </strong>
                  <span className="muted">
                    {Object.entries(m.byEmoji)
                      .sort(([, a], [, b]) => b - a)
                      .map(([emoji, n]) => `${emoji} ${n}`)
                      .join('  ')}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section className="panel" aria-labelledby="by-emoji">
          <h2 id="by-emoji">Reactions by emoji</h2>
          {byEmoji.length === 0 && <p className="muted">No reactions in this live.</p>}
          <ul className="emoji-bars">
            {byEmoji.map(([emoji, n]) => (
              <li key={emoji}>
                <span className="emoji-bar-label">{emoji}</span>
                <span className="emoji-bar" style={{ width: `${(n / Math.max(1, byEmoji[0]?.[1] ?? 1)) * 100}%` }} />
                <span className="emoji-bar-count">{n}</span>
              </li>
            ))}
          </ul>
        </section>
        <MediaQuality media={stats.media} />
      </div>
      {(session.host.id === user.id || user.admin) && <SessionRecordings sessionId={session.id} />}
    </section>
  );
}

function MediaQuality({ media }: { media: SessionStats['media'] }) {
  return (
    <section className="panel" aria-labelledby="media-quality">
      <h2 id="media-quality">Stream quality</h2>
      {media.reports === 0 ? (
        <p className="muted">No client sent media stats for this live.</p>
      ) : (
        <dl className="quality">
          <Total id="connection-success" label="Connections that succeeded" value={formatPercent(media.connectionSuccessRate)} />
          <Total id="dropped-frames" label="Frames dropped" value={formatPercent(media.droppedFrameRatio)} />
          <Total
            id="first-frame"
            label="Time to first frame"
            value={media.averageTimeToFirstFrameMs === null ? '—' : `${Math.round(media.averageTimeToFirstFrameMs)} ms`}
          />
          <Total
            id="receive-kbps"
            label="Bitrate per viewer"
            value={media.receiveKbps === null ? '—' : `${Math.round(media.receiveKbps)} kbit/s`}
          />
          <Total id="send-kbps" label="Bitrate sent" value={media.sendKbps === null ? '—' : `${Math.round(media.sendKbps)} kbit/s`} />
          <Total id="freezes" label="Video freezes" value={formatCount(media.freezes)} detail={`${media.freezeSec.toFixed(1)} s frozen`} />
        </dl>
      )}
      <p className="muted small">
        From {media.reports} {media.reports === 1 ? 'report' : 'reports'} by {media.clients} {media.clients === 1 ? 'client' : 'clients'}.
      </p>
    </section>
  );
}

/** The three charts' series and one-line summaries, from the stats' 10 s buckets. */
function chartsOf(stats: SessionStats) {
  const viewers = stats.retention.map((r) => r.viewers);
  const peakIndex = viewers.indexOf(Math.max(0, ...viewers));
  const peakAt = stats.retention[peakIndex]?.at;
  const share = viewers.map((v) => (stats.uniqueViewers > 0 ? Math.min(1, v / stats.uniqueViewers) : 0));
  const chat = stats.activity.map((a) => a.chatMessages);
  const reactions = stats.activity.map((a) => a.reactions);
  const totalReactions = reactions.reduce((a, b) => a + b, 0);
  const busiest = stats.activity.reduce<{ at: string; n: number } | null>((best, a) => {
    const n = a.chatMessages + a.reactions;
    return n > (best?.n ?? 0) ? { at: a.at, n } : best;
  }, null);
  /** An instant (plus `laterSec`) as time into the live. */
  const offset = (at: string, laterSec = 0) => formatOffset((Date.parse(at) - Date.parse(stats.startedAt)) / 1000 + laterSec);
  return {
    viewers: [{ label: 'Viewers', values: viewers, color: '#a78bfa' }] satisfies ChartSeries[],
    viewersSummary:
      stats.peakViewers > 0 && peakAt
        ? `Peak ${stats.peakViewers} at ${offset(peakAt)}–${offset(peakAt, stats.bucketSec)}, ${stats.averageViewers.toFixed(2)} on average, ${stats.uniqueViewers} in all.`
        : 'Nobody watched this live.',
    retention: [{ label: 'Watching', values: share, color: '#22c55e' }] satisfies ChartSeries[],
    retentionSummary:
      stats.uniqueViewers > 0
        ? `The share of all ${stats.uniqueViewers} viewers watching at each moment: ${formatPercent(share.at(-1) ?? 0)} at the end.`
        : 'Nobody watched this live.',
    activity: [
      { label: 'Chat messages', values: chat, color: '#8b5cf6', bars: true },
      { label: 'Reactions', values: reactions, color: '#ff3b5c', bars: true },
    ] satisfies ChartSeries[],
    activitySummary: busiest
      ? `${plural(stats.chat.messages, 'message')} and ${plural(totalReactions, 'reaction')}; busiest at ${offset(busiest.at)}–${offset(busiest.at, stats.bucketSec)}.`
      : 'No chat or reactions in this live.',
  };
}
