import {
  SessionProvider,
  useGoliveSession,
  useSessionCounters,
  useSessionPermissions,
  useSessionRecording,
  useSessionRole,
  useSessionStage,
  useSessionStore,
} from '@golive/react';
import {
  LiveKitRoom,
  RoomAudioRenderer,
  StartAudio,
  TrackToggle,
  useLocalParticipantPermissions,
  useRoomContext,
} from '@livekit/components-react';
import { DisconnectReason, RoomEvent, Track } from 'livekit-client';
import { useEffect, useRef, useState } from 'react';
import { Navigate, useParams } from 'react-router';
import { Chat } from '../components/Chat.tsx';
import { type DeviceChoices, DevicePreview, loadChoices, saveChoices } from '../components/DevicePreview.tsx';
import { LiveBadge, ViewerCount } from '../components/LiveBadge.tsx';
import { MediaTelemetry } from '../components/MediaTelemetry.tsx';
import { MeetingLayout } from '../components/MeetingLayout.tsx';
import { PresenceSync } from '../components/PresenceSync.tsx';
import { FloatingReactions, ReactionsBar } from '../components/Reactions.tsx';
import { RecordingBadge } from '../components/RecordControls.tsx';
import { StagePanel } from '../components/StagePanel.tsx';
import { StageVideo } from '../components/StageVideo.tsx';
import { type EndState, StatusScreen } from '../components/StatusScreen.tsx';
import { describeError } from '../golive/errors.ts';
import { refusalState } from '../golive/refusal.ts';
import { useRoomRecording } from '../golive/use-room-recording.ts';
import { Reconnecting } from './Studio.tsx';

/** How long to wait for golive to say "kicked" or "banned" after LiveKit dropped the viewer. */
const REMOVAL_GRACE_MS = 1500;

/** Watching a live: video first, chat and reactions over it, and a way onto the stage. */
export function Watch() {
  const { id = '' } = useParams();
  const store = useSessionStore(id);
  return (
    <SessionProvider store={store}>
      <WatchView />
    </SessionProvider>
  );
}

function WatchView() {
  const { phase, error, grant, removed } = useGoliveSession();
  // LiveKit's own word when it drops us (room deleted, participant removed).
  const [dropped, setDropped] = useState<EndState | null>(null);
  const state: EndState | null = removed
    ? removed.reason
    : phase === 'ended'
      ? 'ended'
      : phase === 'refused'
        ? refusalState(error)
        : dropped;
  if (state) {
    const detail = removed?.message ?? (state === 'error' ? (error?.message ?? null) : null);
    return <StatusScreen state={state} detail={detail} />;
  }
  if (!grant) return <p className="muted page-pad">Joining…</p>;
  if (grant.role === 'host') return <Navigate to={`/studio/${grant.session.id}`} replace />;
  return (
    <LiveKitRoom
      serverUrl={grant.livekitUrl}
      token={grant.token}
      connect
      audio={false}
      video={false}
      options={{ adaptiveStream: true, dynacast: true }}
      className="watch"
    >
      <PresenceSync />
      <MediaTelemetry />
      <WatchRoom onDropped={setDropped} />
    </LiveKitRoom>
  );
}

function WatchRoom({ onDropped }: { onDropped: (state: EndState) => void }) {
  const room = useRoomContext();
  const { session } = useGoliveSession();
  const role = useSessionRole();
  const counters = useSessionCounters();
  const permissions = useSessionPermissions();
  const invited = useSessionStage().invite !== null;
  const stageRef = useRef<HTMLDivElement>(null);
  const onStage = role === 'guest' || role === 'cohost';
  // golive's word (realtime recording.started / stopped), or LiveKit's flag for the recorder in the room.
  const recordedByGolive = useSessionRecording().recording !== null;
  const recording = useRoomRecording() || recordedByGolive;

  // LiveKit drops a removed participant before golive's realtime event says why; wait briefly for it.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onDisconnected = (reason?: DisconnectReason) => {
      if (reason === DisconnectReason.ROOM_DELETED) onDropped('ended');
      else if (reason === DisconnectReason.PARTICIPANT_REMOVED) timer = setTimeout(() => onDropped('kicked'), REMOVAL_GRACE_MS);
    };
    room.on(RoomEvent.Disconnected, onDisconnected);
    return () => {
      room.off(RoomEvent.Disconnected, onDisconnected);
      clearTimeout(timer);
    };
  }, [room, onDropped]);

  if (!session) return null;
  const pictureInPicture = async () => {
    const video = stageRef.current?.querySelector('video');
    if (!video) return;
    if (document.pictureInPictureElement) await document.exitPictureInPicture();
    else await video.requestPictureInPicture();
  };

  return (
    <>
      <div className="watch-stage" ref={stageRef}>
        {session.mode === 'interactive' ? (
          <MeetingLayout />
        ) : (
          <StageVideo hostId={session.host.id} emptyText={`Waiting for ${session.host.name}'s video…`} />
        )}
        <div className="watch-top">
          <LiveBadge since={session.startedAt} />
          <ViewerCount count={counters.viewerCount} />
          {recording && <RecordingBadge />}
          <div className="watch-title">
            <h1>{session.title}</h1>
            <p>{session.host.name}</p>
          </div>
          {document.pictureInPictureEnabled && (
            <button type="button" className="icon-btn pip-btn" aria-label="Picture in picture" onClick={() => void pictureInPicture()}>
              <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
                <rect x="2" y="4" width="20" height="16" rx="2" />
                <rect x="12" y="11" width="8" height="7" rx="1" fill="currentColor" />
              </svg>
            </button>
          )}
        </div>
        <FloatingReactions />
        <Reconnecting />
        <StartAudio label="🔊 Tap for sound" className="start-audio" />
      </div>
      <aside className="watch-side">
        <Chat variant="overlay" />
        <ReactionsBar />
        {permissions.canModerate && (
          <details className="cohost-stage">
            <summary>Stage (co-host)</summary>
            <StagePanel />
          </details>
        )}
        {(permissions.canRequestStage || onStage || invited) && <StageControls />}
      </aside>
      {onStage && <GoOnStage />}
      <RoomAudioRenderer />
    </>
  );
}

/** Ask to join the stage, wait, cancel; answer an invite; leave the stage. */
function StageControls() {
  const role = useSessionRole();
  const stage = useSessionStage();
  const [error, setError] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const pending = stage.mine?.status === 'pending';
  const invite = stage.invite;
  return (
    <div className="stage-controls">
      {invite && (
        <div className="invite" role="alert">
          <span>You're invited on stage!</span>
          <button type="button" className="btn btn-small btn-primary" onClick={() => act(() => stage.accept(invite.id))}>
            Accept
          </button>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => act(() => stage.decline(invite.id))}>
            Decline
          </button>
        </div>
      )}
      {role === 'viewer' && !pending && stage.canRequest && (
        <button type="button" className="btn btn-stage" onClick={() => act(stage.request)}>
          ✋ Ask to join the stage
        </button>
      )}
      {role === 'viewer' && pending && (
        <div className="waiting" role="status">
          <span className="spinner" aria-hidden="true" /> Waiting for the host to let you in…
          <button type="button" className="btn btn-small btn-ghost" onClick={() => act(stage.cancel)}>
            Cancel
          </button>
        </div>
      )}
      {role === 'viewer' && stage.mine?.status === 'rejected' && (
        <p role="status" className="notice">
          The host did not bring you on stage this time.
        </p>
      )}
      {(role === 'guest' || role === 'cohost') && (
        <button type="button" className="btn btn-ghost" onClick={() => act(stage.leave)}>
          Leave the stage
        </button>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * Approved: check the camera and microphone, then publish. The grants arrive on the live LiveKit
 * connection (no reconnect), so "Go on stage" waits until LiveKit says this participant may
 * publish: LiveKit's own permissions hook follows the permissions update as it lands.
 */
function GoOnStage() {
  const room = useRoomContext();
  const stage = useSessionStage();
  const canPublish = useLocalParticipantPermissions()?.canPublish === true;
  const [choices, setChoices] = useState<DeviceChoices>(loadChoices);
  const [published, setPublished] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (!published && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [published]);

  // Demoted (or left): stop publishing everything.
  useEffect(
    () => () => {
      const me = room.localParticipant;
      void me.setCameraEnabled(false).catch(() => undefined);
      void me.setMicrophoneEnabled(false).catch(() => undefined);
      void me.setScreenShareEnabled(false).catch(() => undefined);
    },
    [room],
  );

  const goLive = async () => {
    setError(null);
    try {
      saveChoices(choices);
      const me = room.localParticipant;
      await me.setMicrophoneEnabled(choices.audioEnabled, choices.audioDeviceId ? { deviceId: choices.audioDeviceId } : undefined);
      await me.setCameraEnabled(choices.videoEnabled, choices.videoDeviceId ? { deviceId: choices.videoDeviceId } : undefined);
      dialog.current?.close();
      setPublished(true);
    } catch (e) {
      setError(describeError(e));
    }
  };

  if (published) {
    return (
      <div className="controls guest-controls" role="toolbar" aria-label="Your media on stage">
        <TrackToggle source={Track.Source.Microphone} className="ctl">
          Mic
        </TrackToggle>
        <TrackToggle source={Track.Source.Camera} className="ctl">
          Camera
        </TrackToggle>
      </div>
    );
  }
  return (
    <dialog ref={dialog} className="dialog dialog-wide" aria-labelledby="go-on-stage-title" onCancel={(e) => e.preventDefault()}>
      <h2 id="go-on-stage-title">You're on stage!</h2>
      <p className="muted">Check your camera and microphone, then go live with the host.</p>
      <DevicePreview choices={choices} onChange={setChoices} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() =>
            void stage
              .leave()
              .then(() => dialog.current?.close())
              .catch((e: unknown) => setError(describeError(e)))
          }
        >
          Not now
        </button>
        <button type="button" className="btn btn-live" disabled={!canPublish} onClick={() => void goLive()}>
          {canPublish ? 'Go on stage' : 'Getting ready…'}
        </button>
      </div>
    </dialog>
  );
}
