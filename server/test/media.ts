// Media clients for tests and benchmarks: real WebRTC participants through @livekit/rtc-node.
// rtc-node runs a native (Rust FFI) runtime that keeps the process alive until
// disposeMediaRuntime() is called, after every room has disconnected.
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  type DisconnectReason,
  dispose,
  LocalAudioTrack,
  type LocalTrackPublication,
  LocalVideoTrack,
  type RemoteAudioTrack,
  type RemoteVideoTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
  VideoStream,
} from '@livekit/rtc-node';

export type ConnectOptions = {
  /** Subscribe to every published track as it appears (default true). */
  autoSubscribe?: boolean;
  /** Give up connecting after this long (default 10 s). */
  timeoutMs?: number;
};

/** A connected rtc-node Room plus what tests need around it. */
export type MediaParticipant = {
  readonly room: Room;
  readonly identity: string;
  /** Milliseconds from connect() until rtc-node reported the room connected. */
  readonly connectMs: number;
  /** Resolves with LiveKit's reason once the room disconnects, whoever caused it. */
  readonly disconnected: Promise<DisconnectReason>;
  /** Leaves the room; safe to call twice, concurrently, or after the server disconnected us. */
  disconnect(): Promise<void>;
};

/** The room was disconnected by the server before connect() finished. */
export class DisconnectedWhileConnecting extends Error {
  readonly reason: DisconnectReason;
  constructor(reason: DisconnectReason) {
    super(`disconnected while connecting (reason ${reason})`);
    this.reason = reason;
  }
}

/** Connects to a LiveKit room with a token minted by golive. */
export async function connectParticipant(livekitUrl: string, token: string, options: ConnectOptions = {}): Promise<MediaParticipant> {
  const room = new Room();
  // Registered before connect: Room.disconnect() removes every listener after emitting Disconnected.
  const disconnected = new Promise<DisconnectReason>((resolve) => room.once(RoomEvent.Disconnected, resolve));
  const started = performance.now();
  const connecting = room.connect(livekitUrl, token, { autoSubscribe: options.autoSubscribe ?? true, dynacast: false });
  const timeoutMs = options.timeoutMs ?? 10_000;
  // The server may remove the participant before the connect finishes (a banned identity): that
  // is an answer, not a timeout.
  const removedWhileConnecting = disconnected.then((reason) => {
    throw new DisconnectedWhileConnecting(reason);
  });
  try {
    await withTimeout(
      Promise.race([connecting, removedWhileConnecting]),
      timeoutMs,
      () => `connecting to ${livekitUrl} did not finish within ${timeoutMs} ms`,
    );
  } catch (error) {
    // A late connect would leave a live room (and a hung process) behind.
    connecting.then(() => room.disconnect()).catch(() => {});
    throw error;
  }
  const connectMs = performance.now() - started;
  const identity = room.localParticipant?.identity;
  if (!identity) throw new Error('rtc-node connected without a local participant');
  let leaving: Promise<void> | undefined;
  return {
    room,
    identity,
    connectMs,
    disconnected,
    disconnect: () => {
      leaving ??= room.disconnect();
      return leaving;
    },
  };
}

export type SyntheticVideoOptions = {
  width: number;
  height: number;
  fps: number;
  /** Track name (default "synthetic-camera"). */
  name?: string;
  /** Track source (default camera). */
  source?: TrackSource;
  /** Simulcast layers (default false, so subscribers get the published resolution). */
  simulcast?: boolean;
};

/** A running synthetic video publication. Every frame carries its sequence number in its pixels. */
export type SyntheticVideo = {
  readonly track: LocalVideoTrack;
  readonly publication: LocalTrackPublication;
  /** Milliseconds publishTrack() took (until LiveKit acknowledged the track). */
  readonly publishMs: number;
  /** Frames captured so far; also the sequence number of the next frame. */
  framesSent(): number;
  /** performance.now() at which frame `sequence` was captured (kept for the last 1,024 frames). */
  sentAt(sequence: number): number | undefined;
  /** Stops feeding frames and releases the source; safe to call twice. */
  stop(): Promise<void>;
};

const SENT_AT_WINDOW = 1024;

/** Publishes a generated I420 video track fed on a timer until stop(). */
export async function publishSyntheticVideo(room: Room, options: SyntheticVideoOptions): Promise<SyntheticVideo> {
  const participant = room.localParticipant;
  if (!participant) throw new Error('publishSyntheticVideo needs a connected room');
  const { width, height, fps } = options;
  const source = new VideoSource(width, height);
  const track = LocalVideoTrack.createVideoTrack(options.name ?? 'synthetic-camera', source);
  const started = performance.now();
  let publication: LocalTrackPublication;
  try {
    publication = await participant.publishTrack(
      track,
      new TrackPublishOptions({ source: options.source ?? TrackSource.SOURCE_CAMERA, simulcast: options.simulcast ?? false }),
    );
  } catch (error) {
    await source.close();
    throw error;
  }
  const publishMs = performance.now() - started;

  // One buffer reused per frame: captureFrame copies the pixels synchronously into a native buffer.
  const pixels = new Uint8Array(i420Size(width, height)).fill(128); // neutral chroma
  const sentAt = new Float64Array(SENT_AT_WINDOW);
  let sequence = 0;
  let stopped = false;
  const captureNext = () => {
    drawSyntheticFrame(pixels, width, height, sequence);
    sentAt[sequence % SENT_AT_WINDOW] = performance.now();
    source.captureFrame(new VideoFrame(pixels, width, height, VideoBufferType.I420));
    sequence += 1;
  };
  const timer = setInterval(() => {
    if (!stopped) captureNext();
  }, 1000 / fps);
  timer.unref();
  captureNext();

  return {
    track,
    publication,
    publishMs,
    framesSent: () => sequence,
    sentAt: (n) => (n >= 0 && n < sequence && n >= sequence - SENT_AT_WINDOW ? sentAt[n % SENT_AT_WINDOW] : undefined),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await source.close();
    },
  };
}

export type ToneOptions = {
  /** Hz (default 440). */
  frequency?: number;
  /** 0..1 of full scale (default 0.3). */
  amplitude?: number;
  sampleRate?: number;
};

/** A running microphone publication playing a sine tone in real time. */
export type Tone = {
  readonly track: LocalAudioTrack;
  readonly publication: LocalTrackPublication;
  stop(): Promise<void>;
};

const TONE_FRAME_MS = 10;

/** Publishes a microphone track carrying a continuous sine tone, fed by the wall clock. */
export async function publishTone(room: Room, options: ToneOptions = {}): Promise<Tone> {
  const participant = room.localParticipant;
  if (!participant) throw new Error('publishTone needs a connected room');
  const sampleRate = options.sampleRate ?? 48_000;
  const frequency = options.frequency ?? 440;
  const amplitude = Math.round((options.amplitude ?? 0.3) * 32767);
  const source = new AudioSource(sampleRate, 1);
  const track = LocalAudioTrack.createAudioTrack('tone', source);
  const publication = await participant.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  const perFrame = (sampleRate * TONE_FRAME_MS) / 1000;
  const started = performance.now();
  let sent = 0;
  let stopped = false;
  // Every 20 ms, the 10 ms frames that are due by the clock: timers drift, the tone must not.
  const feed = async () => {
    while (!stopped && sent * TONE_FRAME_MS <= performance.now() - started) {
      const samples = new Int16Array(perFrame);
      for (let i = 0; i < perFrame; i++) {
        samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (sent * perFrame + i)) / sampleRate));
      }
      await source.captureFrame(new AudioFrame(samples, sampleRate, 1, perFrame));
      sent += 1;
    }
  };
  let feeding: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    feeding = feeding.then(feed).catch(() => {});
  }, 20);
  timer.unref();
  return {
    track,
    publication,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await feeding;
      await source.close();
    },
  };
}

export type WaitForFramesOptions = {
  /** Identity of the publishing participant. */
  fromIdentity: string;
  /** How many decoded frames to collect. */
  count: number;
  /** Give up after this long, counted from the call (default 10 s). */
  timeoutMs?: number;
  /** Only a track of this source (default: the participant's first video track). */
  source?: TrackSource;
};

export type DecodedFrame = {
  width: number;
  height: number;
  /** performance.now() when the decoded frame reached JavaScript. */
  receivedAt: number;
  /** The sequence number publishSyntheticVideo stamped into the pixels, or null if unreadable. */
  stamp: number | null;
};

export type DecodedFrames = {
  frames: DecodedFrame[];
  /** performance.now() when the remote track was subscribed (or found already subscribed). */
  subscribedAt: number;
};

/** Reads decoded frames of a remote participant's video track; rejects with what was seen on timeout. */
export async function waitForDecodedFrames(room: Room, options: WaitForFramesOptions): Promise<DecodedFrames> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  const track = (await subscribedTrack(room, { ...options, kind: TrackKind.KIND_VIDEO }, deadline)) as RemoteVideoTrack;
  const subscribedAt = performance.now();
  const reader = new VideoStream(track).getReader();
  const frames: DecodedFrame[] = [];
  try {
    while (frames.length < options.count) {
      const next = await withTimeout(reader.read(), deadline - performance.now(), () => 'no frame');
      if (next.done) throw new Error(`the video stream from ${options.fromIdentity} ended after ${frames.length} frames`);
      const { frame } = next.value;
      frames.push({ width: frame.width, height: frame.height, receivedAt: performance.now(), stamp: readFrameStamp(frame) });
    }
  } catch (error) {
    if (error instanceof TimeoutError) {
      throw new Error(
        `received ${frames.length} of ${options.count} decoded frames from ${options.fromIdentity} within ${timeoutMs} ms (track was subscribed)`,
      );
    }
    throw error;
  } finally {
    // Releases the native stream handle.
    await reader.cancel().catch(() => {});
  }
  return { frames, subscribedAt };
}

/**
 * Decoded frames from `fromIdentity` whose stamps are newer than `afterStamp`: what arrives once
 * media flows again after an outage. Tries again while the old track is dead and the republished
 * one not yet subscribed.
 */
export async function waitForFramesAfter(room: Room, fromIdentity: string, afterStamp: number, timeoutMs: number): Promise<DecodedFrames> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const got = await waitForDecodedFrames(room, { fromIdentity, count: 10, timeoutMs: Math.min(3_000, deadline - performance.now()) });
      if (got.frames.some((f) => (f.stamp ?? -1) > afterStamp)) return got;
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`no new frames from ${fromIdentity} within ${timeoutMs} ms: ${String(last)}`);
}

type TrackWanted = { fromIdentity: string; kind: TrackKind; source?: TrackSource; timeoutMs?: number };
type RemoteMediaTrack = RemoteVideoTrack | RemoteAudioTrack;

async function subscribedTrack(room: Room, options: TrackWanted, deadline: number): Promise<RemoteMediaTrack> {
  const matches = (kind: TrackKind | undefined, source: TrackSource | undefined) =>
    kind === options.kind && (options.source === undefined || source === options.source);
  const find = (): RemoteMediaTrack | undefined => {
    const publisher = room.remoteParticipants.get(options.fromIdentity);
    for (const publication of publisher?.trackPublications.values() ?? []) {
      if (!matches(publication.kind, publication.source)) continue;
      if (publication.track) return publication.track as RemoteMediaTrack;
      if (!publication.subscribed) publication.setSubscribed(true);
    }
    return undefined;
  };
  const present = find();
  if (present) return present;
  let onSubscribed: (() => void) | undefined;
  let onPublished: (() => void) | undefined;
  try {
    const subscribed = new Promise<RemoteMediaTrack>((resolve) => {
      onSubscribed = () => {
        const track = find();
        if (track) resolve(track);
      };
      // Without autoSubscribe a new publication has to be subscribed by hand.
      onPublished = () => void find();
      room.on(RoomEvent.TrackSubscribed, onSubscribed);
      room.on(RoomEvent.TrackPublished, onPublished);
    });
    return await withTimeout(
      subscribed,
      deadline - performance.now(),
      () =>
        `no ${options.kind === TrackKind.KIND_AUDIO ? 'audio' : 'video'} track from ${options.fromIdentity} was subscribed within ${options.timeoutMs ?? 10_000} ms`,
    );
  } finally {
    if (onSubscribed) room.off(RoomEvent.TrackSubscribed, onSubscribed);
    if (onPublished) room.off(RoomEvent.TrackPublished, onPublished);
  }
}

export type ReceivedAudio = {
  /** Milliseconds of audio read (samples per channel over the sample rate). */
  durationMs: number;
  sampleRate: number;
  channels: number;
  /** Largest absolute sample, 0 to 32768: 0 means the track carried only silence. */
  peak: number;
  /** Root mean square of every sample, 0 to 32768. */
  rms: number;
};

/** Reads at least `durationMs` of decoded audio from a remote participant's microphone track. */
export async function receiveAudio(
  room: Room,
  options: { fromIdentity: string; durationMs: number; timeoutMs?: number },
): Promise<ReceivedAudio> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  const track = await subscribedTrack(room, { fromIdentity: options.fromIdentity, kind: TrackKind.KIND_AUDIO, timeoutMs }, deadline);
  const reader = new AudioStream(track, { sampleRate: 48_000, numChannels: 1 }).getReader();
  let samples = 0;
  let peak = 0;
  let squares = 0;
  try {
    while ((samples / 48_000) * 1000 < options.durationMs) {
      const next = await withTimeout(reader.read(), deadline - performance.now(), () => 'no audio');
      if (next.done) throw new Error(`the audio stream from ${options.fromIdentity} ended after ${samples} samples`);
      for (const sample of next.value.data) {
        const magnitude = Math.abs(sample);
        if (magnitude > peak) peak = magnitude;
        squares += sample * sample;
      }
      samples += next.value.samplesPerChannel;
    }
  } catch (error) {
    if (error instanceof TimeoutError) {
      throw new Error(
        `received ${Math.round((samples / 48_000) * 1000)} of ${options.durationMs} ms of audio from ${options.fromIdentity} within ${timeoutMs} ms`,
      );
    }
    throw error;
  } finally {
    await reader.cancel().catch(() => {});
  }
  return {
    durationMs: (samples / 48_000) * 1000,
    sampleRate: 48_000,
    channels: 1,
    peak,
    rms: samples > 0 ? Math.sqrt(squares / samples) : 0,
  };
}

/**
 * Disconnects the given participants, then shuts rtc-node's native runtime down so the process
 * can exit. Call once, at the very end of a test file or benchmark process.
 */
export async function disposeMediaRuntime(participants: Iterable<MediaParticipant> = []): Promise<void> {
  await Promise.allSettled([...participants].map((p) => p.disconnect()));
  await dispose();
}

// ---- the frame stamp: a 32-bit code (24-bit sequence + 8-bit check) drawn as black/white cells ----
// Cells sit in the top quarter of the frame at positions relative to its size, so the stamp
// survives encoding and any resolution the SFU forwards. A benchmark reads it back to measure
// glass-to-glass latency against sentAt().

const STAMP_COLUMNS = 16;
const STAMP_ROWS = 2;
const STAMP_BAND = 1 / 4;
const SEQUENCE_MASK = 0xffffff;

function stampCode(sequence: number): number {
  const s = sequence & SEQUENCE_MASK;
  return ((s << 8) | stampCheck(s)) >>> 0;
}

function stampCheck(s: number): number {
  return ((s >> 16) ^ (s >> 8) ^ s ^ 0x5a) & 0xff;
}

function stampCell(index: number, width: number, height: number) {
  const column = index % STAMP_COLUMNS;
  const row = Math.floor(index / STAMP_COLUMNS);
  const cellHeight = (height * STAMP_BAND) / STAMP_ROWS;
  return {
    x0: Math.floor((column * width) / STAMP_COLUMNS),
    x1: Math.floor(((column + 1) * width) / STAMP_COLUMNS),
    y0: Math.floor(row * cellHeight),
    y1: Math.floor((row + 1) * cellHeight),
  };
}

/** Draws `sequence` into the luma plane of a packed I420 buffer. */
export function writeFrameStamp(i420: Uint8Array, width: number, height: number, sequence: number): void {
  const code = stampCode(sequence);
  for (let bit = 0; bit < STAMP_COLUMNS * STAMP_ROWS; bit++) {
    const luma = (code >>> (31 - bit)) & 1 ? 255 : 0;
    const { x0, x1, y0, y1 } = stampCell(bit, width, height);
    for (let y = y0; y < y1; y++) i420.fill(luma, y * width + x0, y * width + x1);
  }
}

/** Reads the sequence number back from a decoded frame; null when the stamp is not intact. */
export function readFrameStamp(frame: VideoFrame): number | null {
  const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
  const { width, height, data } = i420;
  let code = 0;
  for (let bit = 0; bit < STAMP_COLUMNS * STAMP_ROWS; bit++) {
    const { x0, x1, y0, y1 } = stampCell(bit, width, height);
    // Mean of the cell's middle half: edges blur under compression and scaling.
    const xs = [x0 + (x1 - x0) / 4, x0 + (x1 - x0) / 2, x0 + (3 * (x1 - x0)) / 4].map(Math.floor);
    const ys = [y0 + (y1 - y0) / 4, y0 + (y1 - y0) / 2, y0 + (3 * (y1 - y0)) / 4].map(Math.floor);
    let sum = 0;
    for (const y of ys) for (const x of xs) sum += data[y * width + x] ?? 0;
    code = ((code << 1) | (sum / 9 >= 128 ? 1 : 0)) >>> 0;
  }
  const sequence = code >>> 8;
  return (code & 0xff) === stampCheck(sequence) ? sequence : null;
}

function i420Size(width: number, height: number): number {
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  return width * height + 2 * chroma;
}

/** Draws frame `sequence` of the synthetic video (pattern and stamp) into a packed I420 buffer. */
export function drawSyntheticFrame(i420: Uint8Array, width: number, height: number, sequence: number): void {
  drawTestPattern(i420, width, height, sequence);
  writeFrameStamp(i420, width, height, sequence);
}

/** Grey luma with a bright bar sweeping across below the stamp, so the encoder has motion to encode. */
function drawTestPattern(i420: Uint8Array, width: number, height: number, sequence: number): void {
  const barWidth = Math.max(2, Math.floor(width / 10));
  const barX = (sequence * 8) % width;
  for (let y = Math.floor(height * STAMP_BAND); y < height; y++) {
    const row = y * width;
    i420.fill(64, row, row + width);
    i420.fill(200, row + barX, row + Math.min(width, barX + barWidth));
  }
}

/** What a media wait throws when its time is up (a connect, frames, sound). */
export class TimeoutError extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message())), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
