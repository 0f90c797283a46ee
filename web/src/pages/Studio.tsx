import {
  SessionProvider,
  useGoliveSession,
  useSessionCounters,
  useSessionIngest,
  useSessionReactions,
  useSessionStage,
  useSessionStore,
} from '@golive/react';
import { LiveKitRoom, RoomAudioRenderer, TrackToggle, useConnectionState } from '@livekit/components-react';
import { ConnectionState, Track } from 'livekit-client';
import { useState } from 'react';
import { Link, Navigate, useLocation, useParams } from 'react-router';
import { Chat } from '../components/Chat.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { loadChoices } from '../components/DevicePreview.tsx';
import { EncoderPanel } from '../components/EncoderPanel.tsx';
import { LiveBadge, ViewerCount } from '../components/LiveBadge.tsx';
import { MediaTelemetry } from '../components/MediaTelemetry.tsx';
import { MeetingLayout } from '../components/MeetingLayout.tsx';
import { PresenceSync } from '../components/PresenceSync.tsx';
import { FloatingReactions } from '../components/Reactions.tsx';
import { RecordControls } from '../components/RecordControls.tsx';
import { SettingsPanel } from '../components/SettingsPanel.tsx';
import { StagePanel } from '../components/StagePanel.tsx';
import { StageVideo } from '../components/StageVideo.tsx';
import { StatusScreen } from '../components/StatusScreen.tsx';
import { describeError } from '../golive/errors.ts';
import { refusalState } from '../golive/refusal.ts';

import type { LiveSource } from './GoLive.tsx';

type Tab = 'chat' | 'stage' | 'settings' | 'encoder';
const TAB_LABELS: Record<Tab, string> = { chat: 'Chat', stage: 'Stage', settings: 'Settings', encoder: 'Encoder' };

/** The host's room once live: video, controls, chat, stage and settings, and End. */
export function Studio() {
  const { id = '' } = useParams();
  const store = useSessionStore(id);
  return (
    <SessionProvider store={store}>
      <StudioView />
    </SessionProvider>
  );
}

function StudioView() {
  const { phase, error, grant, session, store } = useGoliveSession();
  if (phase === 'refused')
    return <StatusScreen state={refusalState(error)} detail={refusalState(error) === 'error' ? (error?.message ?? null) : null} />;
  if (!grant || !session) return <p className="muted page-pad">Opening your studio…</p>;
  if (grant.role !== 'host') return <Navigate to={`/watch/${session.id}`} replace />;
  // Ended (by the host, an admin or the max duration): the host's summary of the live.
  if (phase === 'ended') return <Navigate to={`/sessions/${session.id}/summary`} replace />;
  return <StudioRoom onEnd={() => store.end()} />;
}

function StudioRoom({ onEnd }: { onEnd: () => Promise<void> }) {
  const { grant, session } = useGoliveSession();
  const counters = useSessionCounters();
  const { totals } = useSessionReactions();
  const pendingRequests = useSessionStage().pending.filter((r) => r.kind === 'request').length;
  // Chosen at Go Live (kept in the history entry, so a reload keeps it).
  const fromEncoder = (useLocation().state as { source?: LiveSource } | null)?.source === 'encoder';
  const hasIngest = useSessionIngest().status !== null;
  const [tab, setTab] = useState<Tab>(fromEncoder ? 'encoder' : 'chat');
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [endError, setEndError] = useState<string | null>(null);
  const [choices] = useState(loadChoices);
  if (!grant || !session) return null;

  const end = async () => {
    setConfirmEnd(false);
    try {
      await onEnd();
    } catch (e) {
      setEndError(describeError(e));
    }
  };

  return (
    <LiveKitRoom
      serverUrl={grant.livekitUrl}
      token={grant.token}
      connect
      video={!fromEncoder && choices.videoEnabled ? (choices.videoDeviceId ? { deviceId: choices.videoDeviceId } : true) : false}
      audio={!fromEncoder && choices.audioEnabled ? (choices.audioDeviceId ? { deviceId: choices.audioDeviceId } : true) : false}
      options={{ adaptiveStream: true, dynacast: true }}
      className="studio"
    >
      <PresenceSync />
      <MediaTelemetry />
      <div className="room-main">
        <header className="room-head">
          <LiveBadge since={session.startedAt} />
          <ViewerCount count={counters.viewerCount} />
          <RecordControls />
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
          {session.mode === 'interactive' ? (
            <MeetingLayout />
          ) : (
            <StageVideo hostId={session.host.id} emptyText={fromEncoder ? 'Waiting for your encoder…' : 'Your camera is off'} />
          )}
          <FloatingReactions />
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
          {(['chat', 'stage', 'settings', ...(fromEncoder || hasIngest ? (['encoder'] as const) : [])] as const).map((t) => (
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
              {TAB_LABELS[t]}
              {t === 'stage' && pendingRequests > 0 && <span className="count count-hot">{pendingRequests}</span>}
            </button>
          ))}
        </div>
        <div role="tabpanel" id="panel-chat" aria-labelledby="tab-chat" hidden={tab !== 'chat'} className="tabpanel">
          <Chat />
        </div>
        <div role="tabpanel" id="panel-stage" aria-labelledby="tab-stage" hidden={tab !== 'stage'} className="tabpanel">
          <StagePanel />
        </div>
        {(fromEncoder || hasIngest) && (
          <div role="tabpanel" id="panel-encoder" aria-labelledby="tab-encoder" hidden={tab !== 'encoder'} className="tabpanel">
            <EncoderPanel hostId={session.host.id} autoCreate={fromEncoder} />
          </div>
        )}
        <div role="tabpanel" id="panel-settings" aria-labelledby="tab-settings" hidden={tab !== 'settings'} className="tabpanel">
          <SettingsPanel />
          <p className="muted small">
            Share this live: <Link to={`/watch/${session.id}`}>{`${location.origin}/watch/${session.id}`}</Link>
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
