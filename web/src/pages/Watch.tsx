import type { JoinGrant, StageRequest } from '@golive/sdk';
import { LiveKitRoom, RoomAudioRenderer, StartAudio, TrackToggle, useRoomContext } from '@livekit/components-react';
import { DisconnectReason, ParticipantEvent, RoomEvent, Track } from 'livekit-client';
import { useEffect, useRef, useState } from 'react';
import { Navigate, useParams } from 'react-router';
import { Chat } from '../components/Chat.tsx';
import { type DeviceChoices, DevicePreview, loadChoices, saveChoices } from '../components/DevicePreview.tsx';
import { LiveBadge, ViewerCount } from '../components/LiveBadge.tsx';
import { MeetingLayout } from '../components/MeetingLayout.tsx';
import { FloatingReactions, ReactionsBar, useFloatingReactions } from '../components/Reactions.tsx';
import { StagePanel } from '../components/StagePanel.tsx';
import { StageVideo } from '../components/StageVideo.tsx';
import { type EndState, StatusScreen } from '../components/StatusScreen.tsx';
import { useAuth, useUser } from '../golive/auth.tsx';
import { describeError, errorCode } from '../golive/errors.ts';
import { useJoin } from '../golive/use-join.ts';
import { useSessionLive } from '../golive/use-session-live.ts';
import { Reconnecting } from './Studio.tsx';

/** How long to wait for golive to say "kicked" or "banned" after LiveKit dropped the viewer. */
const REMOVAL_GRACE_MS = 1500;

/** Watching a live: video first, chat and reactions over it, and a way onto the stage. */
export function Watch() {
  const { id = '' } = useParams();
  const user = useUser();
  const { grant, refused, detail } = useJoin(id);
  const { items, onBurst } = useFloatingReactions();
  const [role, setRole] = useState<string | null>(null);
  const [myRequest, setMyRequest] = useState<StageRequest | null>(null);
  const [invite, setInvite] = useState<StageRequest | null>(null);
  const [dropped, setDropped] = useState<EndState | null>(null);
  // For a co-host, who moderates the stage from here.
  const [liveRequests, setLiveRequests] = useState<StageRequest[]>([]);
  const [roleVersion, setRoleVersion] = useState(0);
  const { subscription, error } = useSessionLive(grant ? id : null, {
    onReactions: onBurst,
    onStageRequest: (r) => {
      setLiveRequests((current) => [...current.slice(-50), r]);
      if (r.userId !== user.id) return;
      if (r.kind === 'invite') setInvite(r.status === 'pending' ? r : null);
      else setMyRequest(r);
    },
    onRole: (e) => {
      setRoleVersion((v) => v + 1);
      if (e.userId === user.id) setRole(e.role);
    },
  });

  useEffect(() => setRole(grant?.role ?? null), [grant]);

  const removed = subscription?.removed;
  const subscribeCode = errorCode(error);
  const state: EndState | null = removed
    ? removed.reason
    : subscription?.ended || subscribeCode === 'SESSION_ENDED'
      ? 'ended'
      : subscribeCode === 'BANNED'
        ? 'banned'
        : (refused ?? dropped);
  if (state) return <StatusScreen state={state} detail={removed?.message ?? (state === refused ? detail : null)} />;
  if (!grant) return <p className="muted page-pad">Joining…</p>;
  if (grant.role === 'host') return <Navigate to={`/studio/${id}`} replace />;

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
      <WatchRoom
        grant={grant}
        role={role ?? grant.role}
        items={items}
        onDropped={setDropped}
        stage={{ myRequest, setMyRequest, invite, setInvite }}
        subscriptionView={
          <>
            <Chat
              sessionId={id}
              subscription={subscription}
              canModerate={role === 'cohost' || grant.role === 'observer'}
              variant="overlay"
            />
            <ReactionsBar subscription={subscription} />
            {role === 'cohost' && (
              <details className="cohost-stage">
                <summary>Stage (co-host)</summary>
                <StagePanel sessionId={id} liveRequests={liveRequests} roleVersion={roleVersion} isHost={false} />
              </details>
            )}
          </>
        }
        viewerCount={subscription?.counters.viewerCount ?? grant.session.viewerCount}
        allowGuests={subscription?.settings?.allowGuests ?? grant.session.settings.allowGuests}
      />
    </LiveKitRoom>
  );
}

type StageState = {
  myRequest: StageRequest | null;
  setMyRequest: (r: StageRequest | null) => void;
  invite: StageRequest | null;
  setInvite: (r: StageRequest | null) => void;
};

type WatchRoomProps = {
  grant: JoinGrant;
  role: string;
  items: Parameters<typeof FloatingReactions>[0]['items'];
  onDropped: (state: EndState) => void;
  stage: StageState;
  subscriptionView: React.ReactNode;
  viewerCount: number;
  allowGuests: boolean;
};

function WatchRoom({ grant, role, items, onDropped, stage, subscriptionView, viewerCount, allowGuests }: WatchRoomProps) {
  const room = useRoomContext();
  const session = grant.session;
  const stageRef = useRef<HTMLDivElement>(null);
  const onStage = role === 'guest' || role === 'cohost';

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
          <ViewerCount count={viewerCount} />
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
        <FloatingReactions items={items} />
        <Reconnecting />
        <StartAudio label="🔊 Tap for sound" className="start-audio" />
      </div>
      <aside className="watch-side">
        {subscriptionView}
        {allowGuests && <StageControls sessionId={session.id} role={role} stage={stage} />}
      </aside>
      {onStage && <GoOnStage sessionId={session.id} />}
      <RoomAudioRenderer />
    </>
  );
}

/** Ask to join the stage, wait, cancel; answer an invite; leave the stage. */
function StageControls({ sessionId, role, stage }: { sessionId: string; role: string; stage: StageState }) {
  const { client } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const pending = stage.myRequest?.status === 'pending';
  return (
    <div className="stage-controls">
      {stage.invite && (
        <div className="invite" role="alert">
          <span>You're invited on stage!</span>
          <button
            type="button"
            className="btn btn-small btn-primary"
            onClick={() => act(async () => stage.setInvite(await client.acceptStageInvite(sessionId, stage.invite?.id ?? '')))}
          >
            Accept
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => act(async () => stage.setInvite((await client.declineStageInvite(sessionId, stage.invite?.id ?? '')) && null))}
          >
            Decline
          </button>
        </div>
      )}
      {role === 'viewer' && !pending && (
        <button
          type="button"
          className="btn btn-stage"
          onClick={() => act(async () => stage.setMyRequest(await client.requestStage(sessionId)))}
        >
          ✋ Ask to join the stage
        </button>
      )}
      {role === 'viewer' && pending && (
        <div className="waiting" role="status">
          <span className="spinner" aria-hidden="true" /> Waiting for the host to let you in…
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => act(async () => stage.setMyRequest(await client.cancelStageRequest(sessionId)))}
          >
            Cancel
          </button>
        </div>
      )}
      {role === 'viewer' && stage.myRequest?.status === 'rejected' && (
        <p role="status" className="notice">
          The host did not bring you on stage this time.
        </p>
      )}
      {(role === 'guest' || role === 'cohost') && (
        <button type="button" className="btn btn-ghost" onClick={() => act(() => client.leaveStage(sessionId))}>
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
 * connection (no reconnect), so "Go on stage" waits until LiveKit says this participant may publish.
 */
function GoOnStage({ sessionId }: { sessionId: string }) {
  const room = useRoomContext();
  const { client } = useAuth();
  const canPublish = useCanPublish();
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
            void client
              .leaveStage(sessionId)
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

/**
 * Whether LiveKit lets this participant publish yet. The new grants arrive on the live connection
 * as a permissions update; the participant is re-read on each update and, as a safety net, every
 * half second until they arrive.
 */
function useCanPublish(): boolean {
  const room = useRoomContext();
  const read = () => room.localParticipant.permissions?.canPublish === true;
  const [canPublish, setCanPublish] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read only reads room
  useEffect(() => {
    const update = () => setCanPublish(read());
    room.localParticipant.on(ParticipantEvent.ParticipantPermissionsChanged, update);
    const timer = setInterval(update, 500);
    update();
    return () => {
      room.localParticipant.off(ParticipantEvent.ParticipantPermissionsChanged, update);
      clearInterval(timer);
    };
  }, [room]);
  return canPublish;
}
