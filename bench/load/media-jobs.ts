/** The jobs the rtc-node client children (stage-clients.ts, media-clients.ts) run; sent over IPC by the scenarios. */

/** golive's address and a session in it, as the clients see them. */
export type GoliveTarget = { baseUrl: string; sessionId: string };

/** The LiveKit room service, for the baselines that skip golive. */
export type LivekitService = { apiUrl: string; apiKey: string; apiSecret: string };

// ---- P5 stage (stage-clients.ts) ----

export type StageSetupJob = GoliveTarget & {
  livekit: LivekitService;
  hostBearer: string;
  /** Viewers that take turns asking to come on stage: each joins through golive and connects. */
  viewers: { userId: string; bearer: string }[];
  /** A viewer that watches the guests' video, to prove a publish reaches others. */
  watcher: { userId: string; bearer: string };
};

/**
 * One sample: viewer `viewerIndex` becomes a guest, timed from sending the grant change until
 * its own Room sees the golive.role attribute turn 'guest' (LiveKit applies the permission and
 * the attributes in one update). `golive`: the viewer asks, the host approves through golive.
 * `direct`: RoomServiceClient.updateParticipant with the same permission, metadata and attributes.
 * Either way the viewer is turned back into a viewer afterwards (untimed).
 */
export type StageSampleJob = { arm: 'golive' | 'direct'; viewerIndex: number; verifyPublish: boolean };

export type StageSample = {
  arm: 'golive' | 'direct';
  /** Grant change sent → the guest's own Room has the new role. */
  liveMs: number;
  /** Grant change sent → the approving HTTP response (golive) or the room-service call (direct) returned. */
  answeredMs: number;
  /** Set when verifyPublish: publishTrack on the same connection, and the watcher's first decoded frame of it. */
  publish?: { publishMs: number; watcherFirstFrameMs: number; sameConnection: boolean };
};

// ---- P6 media (media-clients.ts) ----

/** A publishing participant that keeps sending stamped synthetic video until disconnected. */
export type PublishJob = {
  key: string;
  livekitUrl: string;
  token: string;
  width: number;
  height: number;
  fps: number;
  /** Also publish a microphone playing a tone (the recording scenario). */
  tone?: boolean;
};
export type Published = { key: string; identity: string; publishMs: number; connectMs: number };

/**
 * A subscriber that joins through golive (bearer given) or with a ready LiveKit token, waits for
 * the first decoded frame from `fromIdentity`, then keeps reading every frame and its stamp.
 */
export type SubscribeJob = {
  key: string;
  fromIdentity: string;
  via: { golive: GoliveTarget & { bearer: string } } | { token: string; livekitUrl: string };
};
/** `joinMs`: the golive join request (0 with a ready token). */
export type Subscribed = { key: string; identity: string; joinMs: number; connectMs: number; firstFrameMs: number };

/** One join-to-first-frame sample: a fresh viewer, timed from the start until its first decoded frame. */
export type FirstFrameJob = SubscribeJob;
export type FirstFrameSample = {
  /** Start (before join for golive, before connect for direct) → first decoded frame. */
  totalMs: number;
  /** The golive join request (0 for direct). */
  joinMs: number;
  /** rtc-node Room.connect. */
  connectMs: number;
  /** Connected → the remote video track subscribed. */
  subscribeMs: number;
  /** Subscribed → first decoded frame. */
  firstFrameMs: number;
};

/** Frames in [from, to) of each publisher (by identity) that each subscriber received, with when. */
export type FramesQuery = { ranges: Record<string, [from: number, to: number]> };
/** Per subscriber: [sequence, receivedAt (epoch ms on the child's clock)] pairs. */
export type ReceivedFrames = { key: string; fromIdentity: string; frames: [number, number][]; unreadable: number }[];

/** Per subscriber: frames decoded so far, stamped or not (an encoder's stream has no stamps), and the last one's size. */
export type DecodedSoFar = { key: string; frames: number; width: number; height: number }[];

/** When each frame in [from, to) was captured, in epoch ms on the child's clock (NaN when unknown). */
export type SentTimesQuery = { key: string; from: number; to: number };

// ---- effects (ban-clients.ts) ----

export type BanSetupJob = GoliveTarget & { livekit: LivekitService; hostBearer: string };

/**
 * One sample with a fresh viewer (joins through golive, connects). `golive`: the host bans it
 * through golive, timed until its Room is disconnected; then it reconnects with its pre-ban token,
 * timed from connected until golive's webhook layer has it removed again. `direct`: the same viewer
 * removed with RoomServiceClient.removeParticipant, timed the same way.
 */
export type BanSampleJob = { arm: 'golive' | 'direct'; viewer: { userId: string; bearer: string } };

export type BanSample = {
  arm: 'golive' | 'direct';
  /** Ban (or removeParticipant) sent → the viewer's Room disconnected. */
  removedMs: number;
  /** Ban (or removeParticipant) sent → the HTTP answer (or the room-service call) returned. */
  answeredMs: number;
  /** golive only: reconnected with the pre-ban token → removed again. */
  reconnectRemovedMs?: number;
};
