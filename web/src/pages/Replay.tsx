import { useQuery } from '@tanstack/react-query';
import { useRef } from 'react';
import { Link, useParams } from 'react-router';
import { ReplayChat } from '../components/ReplayChat.tsx';
import { useAuth } from '../golive/auth.tsx';
import { describeError, errorCode } from '../golive/errors.ts';
import { formatClock, useReplays } from '../golive/recordings.ts';
import { usePlaybackUrl, useSignedSource } from '../golive/use-playback-url.ts';
import { useReplayChat } from '../golive/use-replay-chat.ts';
import { titleOf } from './Replays.tsx';

/** A recording: the video with seeking, and the chat beside it as it was at the player's time. */
export function Replay() {
  const { recordingId = '' } = useParams();
  const videoRef = useRef<HTMLVideoElement>(null);
  const { client } = useAuth();
  const playback = usePlaybackUrl(recordingId);
  const chat = useQuery({
    queryKey: ['recordings', recordingId, 'chat'],
    queryFn: ({ signal }) => client.getRecordingChat(recordingId, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  useSignedSource(videoRef, playback.data?.url);
  const view = useReplayChat(videoRef, chat.data);
  const refused = playback.error ?? chat.error;
  const code = errorCode(refused);
  const forbidden = code === 'RECORDING_PRIVATE' || code === 'SESSION_FORBIDDEN';
  // The title and host from the Replays list (cached when coming from it).
  const listed = useReplays().data?.find((r) => r.id === recordingId);
  const host = listed?.session.host;

  return (
    <section className="replay" aria-labelledby="replay-title">
      <div className="replay-main">
        <header className="replay-head">
          <Link to="/replays" className="btn btn-ghost btn-small">
            ← Replays
          </Link>
          <h1 id="replay-title">{listed ? titleOf(listed) : 'Replay'}</h1>
          {host && <span className="muted">{host.name}</span>}
          {listed?.durationSec != null && <span className="muted small">{formatClock(listed.durationSec)}</span>}
        </header>
        {refused && (
          <div className="state-screen" data-state={forbidden ? 'forbidden' : 'error'}>
            <p role="alert">
              {forbidden ? 'This recording is private: the host, admins and invited people may play it.' : describeError(refused)}
            </p>
            <Link className="btn btn-primary" to="/replays">
              All replays
            </Link>
          </div>
        )}
        {/* Always rendered, so the chat follows it from the first frame the URL brings. Recordings have no captions track. */}
        {/* biome-ignore lint/a11y/useMediaCaption: golive records no captions; the chat beside it is the text */}
        <video ref={videoRef} className="replay-video" controls playsInline preload="metadata" aria-label="Recording" hidden={!!refused} />
      </div>
      <aside className="replay-side">
        {chat.error ? null : (
          <ReplayChat
            view={view}
            onSeek={(seconds) => {
              if (videoRef.current) videoRef.current.currentTime = seconds;
            }}
          />
        )}
      </aside>
    </section>
  );
}
