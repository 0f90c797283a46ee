/// <reference path="./node-media-server.d.ts" />
import { DisconnectReason, RoomEvent } from '@livekit/rtc-node';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import Flv from 'node-media-server/src/protocol/flv.js';
import type { Logger } from 'pino';
import { FlvDecoder } from './flv-decoder.ts';
import type { RelayStatus, RelayStopReason } from './ingest-status.ts';
import { LivekitMediaPublisher } from './livekit-publisher.ts';

const FLV_AUDIO = 8;
const FLV_VIDEO = 9;
const KEY_FRAME = 3;
/** Without a key frame (an audio-only stream, a codec NMS does not flag), start after this much media. */
const START_WITHOUT_KEY_FRAME_MS = 2_000;
const FIRST_REPORT_MS = 1_000;

export type RtmpRelayOptions = {
  ingestId: string;
  /** Where and as whom to publish: the host's ingest participant (see ingestTokenRequest). */
  livekitUrl: string;
  token: string;
  ffmpegPath?: string;
  maxHeight?: number;
  /** How often a receiving status (bitrate, frame rate) is reported. */
  statusIntervalMs: number;
  onStatus: (status: RelayStatus) => void;
  logger: Logger;
};

/**
 * One accepted RTMP publish, relayed into LiveKit: FLV tags → ffmpeg (decode) → rtc-node
 * (re-encode for WebRTC, publish as the host's camera and microphone). LiveKit connects while
 * the first tags are buffered; ffmpeg starts at the first key frame, told which streams exist.
 */
export class RtmpRelay {
  readonly ingestId: string;
  /** Resolves once the relay has stopped, for whatever reason. */
  readonly ended: Promise<RelayStopReason>;
  readonly #options: RtmpRelayOptions;
  readonly #publisher: Promise<LivekitMediaPublisher>;
  readonly #buffered: Buffer[] = [];
  #firstDts: number | null = null;
  #hasAudio = false;
  #hasVideo = false;
  #decoder: FlvDecoder | null = null;
  #stopping: Promise<void> | null = null;
  #resolveEnded!: (reason: RelayStopReason) => void;
  #timer: NodeJS.Timeout;
  #bytes = 0;
  #frames = 0;
  #receiving = false;
  #sampledAt = performance.now();
  /** The publisher once LiveKit has connected: pictures are captured synchronously. */
  #publisherNow: LivekitMediaPublisher | null = null;
  #videoStarting = false;
  #audioStarted: Promise<void> | null = null;
  #audioReady = false;

  constructor(options: RtmpRelayOptions) {
    this.#options = options;
    this.ingestId = options.ingestId;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.#publisher = LivekitMediaPublisher.connect(options.livekitUrl, options.token);
    this.#publisher.then(
      (publisher) => {
        this.#publisherNow = publisher;
        // LiveKit removed the ingest participant (golive does when the key is rotated, the ingest
        // deleted or the session ended), or gave up on it: the encoder is dropped and reconnects.
        publisher.room.on(RoomEvent.Disconnected, (reason) => {
          void this.stop('error', `LiveKit disconnected the ingest participant (${DisconnectReason[reason] ?? reason})`);
        });
      },
      (error: Error) => void this.stop('error', `could not publish into LiveKit: ${error.message}`),
    );
    this.#timer = setInterval(() => this.#report(), options.statusIntervalMs);
    this.#timer.unref();
  }

  /** The ffmpeg child's pid once it runs (for CPU measurements). */
  get decoderPid(): number | undefined {
    return this.#decoder?.pid;
  }

  /** Counts bytes read from the encoder's socket, for the bitrate. */
  noteBytes(n: number): void {
    this.#bytes += n;
  }

  /** Takes one media message; false asks the caller to wait for drain(). */
  feed(packet: AVPacket): boolean {
    if (this.#stopping) return true;
    if (packet.codec_type === FLV_AUDIO) this.#hasAudio = true;
    if (packet.codec_type === FLV_VIDEO) this.#hasVideo = true;
    const tag = Flv.createMessage(packet);
    if (this.#decoder) return this.#decoder.write(tag);
    this.#buffered.push(tag);
    this.#firstDts ??= packet.dts;
    const isKeyFrame = packet.codec_type === FLV_VIDEO && packet.flags === KEY_FRAME;
    if (isKeyFrame || packet.dts - this.#firstDts >= START_WITHOUT_KEY_FRAME_MS) this.#startDecoder();
    return true;
  }

  drain(): Promise<void> {
    return this.#decoder?.drain() ?? Promise.resolve();
  }

  /** Stops decoding and leaves the room; safe to call more than once. */
  stop(reason: RelayStopReason, message?: string): Promise<void> {
    this.#stopping ??= this.#stop(reason, message);
    return this.#stopping;
  }

  #startDecoder(): void {
    const audio = this.#hasAudio;
    const video = this.#hasVideo;
    const decoder = new FlvDecoder({
      ffmpegPath: this.#options.ffmpegPath,
      maxHeight: this.#options.maxHeight,
      audio,
      video,
      onVideoFrame: (frame) => this.#onVideoFrame(frame),
      onAudio: (pcm) => this.#onAudio(pcm),
    });
    this.#decoder = decoder;
    decoder.write(Flv.createHeader(audio, video));
    for (const tag of this.#buffered.splice(0)) decoder.write(tag);
    void decoder.exited.then((exit) => {
      if (this.#stopping) return;
      const detail = exit.stderr || `exit code ${exit.code ?? exit.signal}`;
      void this.stop('error', `ffmpeg stopped decoding: ${detail}`);
    });
    this.#options.logger.info({ ingestId: this.ingestId, audio, video, ffmpegPid: decoder.pid }, 'RTMP ingest decoding');
  }

  #onVideoFrame(frame: Parameters<LivekitMediaPublisher['captureVideo']>[0]): void {
    // Until LiveKit has connected and the track is published, pictures are dropped.
    const publisher = this.#publisherNow;
    if (!publisher) return;
    if (!publisher.videoSize) {
      if (!this.#videoStarting) {
        this.#videoStarting = true;
        publisher.startVideo(frame.width, frame.height).catch((error: Error) => void this.stop('error', error.message));
      }
      return;
    }
    if (publisher.captureVideo(frame)) {
      this.#frames += 1;
      if (!this.#receiving) this.#startReceiving();
    }
  }

  async #onAudio(pcm: Buffer): Promise<void> {
    // Never waits for LiveKit: until the microphone track is published, sound is dropped. Waiting
    // would stop this read, block ffmpeg's audio output, and so its input and the encoder's socket.
    const publisher = this.#publisherNow;
    if (!publisher) return;
    if (!this.#audioReady) {
      this.#audioStarted ??= publisher.startAudio().then(
        () => {
          this.#audioReady = true;
        },
        (error: Error) => void this.stop('error', `could not publish the sound: ${error.message}`),
      );
      return;
    }
    await publisher.captureAudio(pcm);
    if (!this.#hasVideo && !this.#receiving) this.#startReceiving();
  }

  /** The first status counts from the first picture (or sound), a second later, so its figures are real. */
  #startReceiving(): void {
    this.#receiving = true;
    this.#bytes = 0;
    this.#frames = this.#hasVideo ? 1 : 0;
    this.#sampledAt = performance.now();
    setTimeout(() => this.#report(), FIRST_REPORT_MS).unref();
  }

  #report(): void {
    if (!this.#receiving || this.#stopping) return;
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.#sampledAt) / 1000);
    const size = this.#publisherNow?.videoSize ?? null;
    this.#options.onStatus({
      state: 'receiving',
      protocol: 'rtmp',
      video: size ? { ...size, fps: Math.round((this.#frames / seconds) * 10) / 10 } : null,
      audio: this.#hasAudio,
      bitrateKbps: Math.round((this.#bytes * 8) / 1000 / seconds),
    });
    this.#bytes = 0;
    this.#frames = 0;
    this.#sampledAt = now;
  }

  async #stop(reason: RelayStopReason, message?: string): Promise<void> {
    clearInterval(this.#timer);
    const exit = await this.#decoder?.end();
    const publisher = await this.#publisher.catch(() => null);
    await publisher?.close().catch(() => {});
    this.#options.logger.info({ ingestId: this.ingestId, reason, message, ffmpegExit: exit?.code }, 'RTMP ingest stopped');
    this.#options.onStatus({ state: 'stopped', protocol: 'rtmp', reason, ...(message ? { message } : {}) });
    this.#resolveEnded(reason);
  }
}
