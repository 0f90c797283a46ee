import type { StageRequest } from '@golive/sdk';
import { LiveKitRoom, RoomAudioRenderer, TrackToggle, useConnectionState } from '@livekit/components-react';
import { ConnectionState, Track } from 'livekit-client';
import { useState } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { Chat } from '../components/Chat.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { loadChoices } from '../components/DevicePreview.tsx';
import { LiveBadge, ViewerCount } from '../components/LiveBadge.tsx';
import { MeetingLayout } from '../components/MeetingLayout.tsx';
import { FloatingReactions, useFloatingReactions } from '../components/Reactions.tsx';
import { SettingsPanel } from '../components/SettingsPanel.tsx';
import { StagePanel } from '../components/StagePanel.tsx';
import { StageVideo } from '../components/StageVideo.tsx';
import { StatusScreen } from '../components/StatusScreen.tsx';
import { useAuth } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';
import { useJoin } from '../golive/use-join.ts';
import { useSessionLive } from '../golive/use-session-live.ts';

type Tab = 'chat' | 'stage' | 'settings';

/** The host's room once live: video, controls, chat, stage and settings, and End. */
export function Studio() {
  const { id = '' } = useParams();
  const { client } = useAuth();
  const { grant, refused, detail } = useJoin(id);
  const { items, onBurst } = useFloatingReactions();
  const [liveRequests, setLiveRequests] = useState<StageRequest[]>([]);
  const [roleVersion, setRoleVersion] = useState(0);
  const { subscription } = useSessionLive(grant ? id : null, {
    onReactions: onBurst,
    onStageRequest: (r) => setLiveRequests((current) => [...current.slice(-50), r]),
    onRole: () => setRoleVersion((v) => v + 1),
  });
  const [tab, setTab] = useState<Tab>('chat');
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [endError, setEndError] = useState<string | null>(null);
  const [endedByMe, setEndedByMe] = useState(false);
  const [choices] = useState(loadChoices);
  const [pendingCount, setPendingCount] = useState(0);

  if (refused) return <StatusScreen state={refused} detail={detail} />;
  if (!grant) return <p className="muted page-pad">Opening your studio…</p>;
  if (grant.role !== 'host') return <Navigate to={`/watch/${id}`} replace />;
  const session = grant.session;
  if (endedByMe || subscription?.ended) {
    return (
      <StatusScreen
        state="ended"
        detail={endedByMe ? `Your live has ended. Peak viewers: ${subscription?.counters.peakViewers ?? session.peakViewers}.` : null}
      />
    );
  }
  const totals = subscription?.reactionTotals ?? {};

  const end = async () => {
    setConfirmEnd(false);
    try {
      await client.endSession(id);
      setEndedByMe(true);
    } catch (e) {
      setEndError(describeError(e));
    }
  };

  return (
    <LiveKitRoom
      serverUrl={grant.livekitUrl}
      token={grant.token}
      connect
      video={choices.videoEnabled ? (choices.videoDeviceId ? { deviceId: choices.videoDeviceId } : true) : false}
      audio={choices.audioEnabled ? (choices.audioDeviceId ? { deviceId: choices.audioDeviceId } : true) : false}
      options={{ adaptiveStream: true, dynacast: true }}
      className="studio"
    >
      <div className="room-main">
        <header className="room-head">
          <LiveBadge since={session.startedAt} />
          <ViewerCount count={subscription?.counters.viewerCount ?? session.viewerCount} />
          <h1 className="room-title">{session.title}</h1>
          <p className="reaction-totals" data-testid="reaction-totals">
            <span className="sr-only">Reactions so far:</span>
            {Object.entries(totals).map(([emoji, n]) => (
              <span key={emoji}>
                {emoji} {n}
              </span>
            ))}
          </p>
          <button type="button" className="btn btn-danger" onClick={() => setConfirmEnd(true)}>
            End live
          </button>
        </header>
        {endError && (
          <p role="alert" className="error">
            {endError}
          </p>
        )}
        <div className="room-video">
          {session.mode === 'interactive' ? <MeetingLayout /> : <StageVideo hostId={session.host.id} emptyText="Your camera is off" />}
          <FloatingReactions items={items} />
          <Reconnecting />
        </div>
        {session.mode === 'broadcast' && (
          <div className="controls" role="toolbar" aria-label="Your media">
            <TrackToggle source={Track.Source.Microphone} className="ctl">
              Mic
            </TrackToggle>
            <TrackToggle source={Track.Source.Camera} className="ctl">
              Camera
            </TrackToggle>
            <TrackToggle source={Track.Source.ScreenShare} className="ctl" captureOptions={{ audio: false }}>
              Share screen
            </TrackToggle>
          </div>
        )}
      </div>
      <aside className="room-side">
        <div role="tablist" aria-label="Studio panels" className="tabs">
          {(['chat', 'stage', 'settings'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`tab-${t}`}
              aria-selected={tab === t}
              aria-controls={`panel-${t}`}
              className="tab"
              onClick={() => setTab(t)}
            >
              {t === 'chat' ? 'Chat' : t === 'stage' ? 'Stage' : 'Settings'}
              {t === 'stage' && pendingCount > 0 && <span className="count count-hot">{pendingCount}</span>}
            </button>
          ))}
        </div>
        <div role="tabpanel" id="panel-chat" aria-labelledby="tab-chat" hidden={tab !== 'chat'} className="tabpanel">
          <Chat sessionId={id} subscription={subscription} canModerate />
        </div>
        <div role="tabpanel" id="panel-stage" aria-labelledby="tab-stage" hidden={tab !== 'stage'} className="tabpanel">
          <StagePanel sessionId={id} liveRequests={liveRequests} roleVersion={roleVersion} isHost onPendingCount={setPendingCount} />
        </div>
        <div role="tabpanel" id="panel-settings" aria-labelledby="tab-settings" hidden={tab !== 'settings'} className="tabpanel">
          <SettingsPanel sessionId={id} subscription={subscription} />
          <p className="muted small">
            Share this live: <Link to={`/watch/${id}`}>{`${location.origin}/watch/${id}`}</Link>
          </p>
        </div>
      </aside>
      <RoomAudioRenderer />
      <ConfirmDialog
        open={confirmEnd}
        title="End this live?"
        confirmLabel="End live"
        danger
        onCancel={() => setConfirmEnd(false)}
        onConfirm={() => void end()}
      >
        <p>Everyone watching is disconnected. This cannot be undone.</p>
      </ConfirmDialog>
    </LiveKitRoom>
  );
}

export function Reconnecting() {
  const state = useConnectionState();
  if (state !== ConnectionState.Reconnecting && state !== ConnectionState.SignalReconnecting) return null;
  return (
    <div className="reconnecting" role="status">
      <span className="spinner" aria-hidden="true" /> Reconnecting…
    </div>
  );
}
