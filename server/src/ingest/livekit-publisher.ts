import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { PCM_CHANNELS, PCM_SAMPLE_RATE } from './flv-decoder.ts';
import type { I420Frame } from './y4m-reader.ts';

/** 10 ms of PCM per AudioFrame, as WebRTC's audio pipeline takes it. */
const SAMPLES_PER_FRAME = PCM_SAMPLE_RATE / 100;
const BYTES_PER_FRAME = SAMPLES_PER_FRAME * PCM_CHANNELS * 2;
/**
 * How much sound rtc-node may queue ahead of playout: small, so sound stays close to picture.
 * Sound beyond it is dropped rather than waited for: waiting would block ffmpeg's audio pipe,
 * and ffmpeg, blocked on one output, stalls the other, so pictures would come in bursts that
 * WebRTC's frame-rate limiter mostly drops.
 */
const AUDIO_QUEUE_MS = 100;

/**
 * Publishes decoded pictures and sound into a LiveKit room through @livekit/rtc-node, as a
 * camera and a microphone track (what the ingest participant's grant allows). rtc-node encodes
 * them again for WebRTC; that re-encode is most of an RTMP ingest's CPU.
 */
export class LivekitMediaPublisher {
  readonly room: Room;
  /** Sound dropped because it came faster than real time (the start-up backlog). */
  droppedAudioMs = 0;
  #video: { source: VideoSource; width: number; height: number } | null = null;
  #audio: AudioSource | null = null;
  #pcm: Buffer = Buffer.alloc(0);
  #closed = false;
  #starting: Promise<void> | null = null;

  private constructor(room: Room) {
    this.room = room;
  }

  static async connect(url: string, token: string, timeoutMs = 10_000): Promise<LivekitMediaPublisher> {
    const room = new Room();
    const connecting = room.connect(url, token, { autoSubscribe: false, dynacast: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`LiveKit did not connect within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      connecting.then(() => room.disconnect()).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return new LivekitMediaPublisher(room);
  }

  get videoSize(): { width: number; height: number } | null {
    return this.#video ? { width: this.#video.width, height: this.#video.height } : null;
  }

  /** Publishes the camera track at the first picture's size. */
  async startVideo(width: number, height: number): Promise<void> {
    if (this.#video || this.#closed) return;
    const source = new VideoSource(width, height);
    this.#video = { source, width, height };
    const track = LocalVideoTrack.createVideoTrack('encoder-camera', source);
    await this.#publish(track, TrackSource.SOURCE_CAMERA, { maxBitrate: 2_500_000n, maxFramerate: 30 });
  }

  async startAudio(): Promise<void> {
    if (this.#audio || this.#closed) return;
    this.#audio = new AudioSource(PCM_SAMPLE_RATE, PCM_CHANNELS, AUDIO_QUEUE_MS);
    const track = LocalAudioTrack.createAudioTrack('encoder-microphone', this.#audio);
    await this.#publish(track, TrackSource.SOURCE_MICROPHONE);
  }

  /** Hands one picture to the encoder; dropped until startVideo has run. captureFrame copies it. */
  captureVideo(frame: I420Frame): boolean {
    const video = this.#video;
    if (!video || this.#closed) return false;
    video.source.captureFrame(new VideoFrame(frame.data, frame.width, frame.height, VideoBufferType.I420));
    return true;
  }

  /** Queues PCM (48 kHz stereo s16le, any length) as 10 ms frames; drops what would overfill the queue. */
  async captureAudio(pcm: Buffer): Promise<void> {
    const source = this.#audio;
    if (!source || this.#closed) return;
    const data = this.#pcm.length > 0 ? Buffer.concat([this.#pcm, pcm]) : pcm;
    let offset = 0;
    for (; offset + BYTES_PER_FRAME <= data.length && !this.#closed; offset += BYTES_PER_FRAME) {
      if (source.queuedDuration > AUDIO_QUEUE_MS - 10) {
        this.droppedAudioMs += 10;
        continue;
      }
      // A copy: Int16Array needs an aligned buffer, and rtc-node keeps the frame while it is queued.
      const samples = new Int16Array(SAMPLES_PER_FRAME * PCM_CHANNELS);
      Buffer.from(samples.buffer).set(data.subarray(offset, offset + BYTES_PER_FRAME));
      await source.captureFrame(new AudioFrame(samples, PCM_SAMPLE_RATE, PCM_CHANNELS, SAMPLES_PER_FRAME));
    }
    this.#pcm = Buffer.from(data.subarray(offset));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => {});
    await Promise.allSettled([this.#video?.source.close(), this.#audio?.close()]);
    await this.room.disconnect();
  }

  async #publish(
    track: LocalVideoTrack | LocalAudioTrack,
    source: TrackSource,
    videoEncoding?: { maxBitrate: bigint; maxFramerate: number },
  ): Promise<void> {
    const participant = this.room.localParticipant;
    if (!participant) throw new Error('the ingest participant is not connected to LiveKit');
    const publishing = participant
      .publishTrack(track, new TrackPublishOptions({ source, simulcast: false, ...(videoEncoding ? { videoEncoding } : {}) }))
      .then(() => {});
    this.#starting = publishing;
    await publishing;
  }
}
