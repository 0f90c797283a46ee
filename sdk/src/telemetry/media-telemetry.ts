// The client side of sendTelemetry: samples a media connection's WebRTC stats every 10 s and
// sends what changed, per direction. Framework-free and not tied to LiveKit: the caller says how
// to read its receivers' and senders' getStats() and reports its connection's state changes.
import type { TelemetryReport } from '../types.ts';
import { type RtcStatsReport, readStreams, StreamTotals, toReport } from './rtc-stats.ts';

/** Where the stats come from: getStats() of every receiver and every sender, read now. */
export type TelemetryStatsSource = {
  receivers(): Promise<RtcStatsReport[]>;
  senders(): Promise<RtcStatsReport[]>;
};

/** A media connection's state, as LiveKit's ConnectionState values spell it. */
export type ConnectionPhase = 'connecting' | 'connected' | 'reconnecting' | 'signalReconnecting' | 'disconnected';

export type MediaTelemetryOptions = {
  source: TelemetryStatsSource;
  /** Sends one report, e.g. `(report) => client.sendTelemetry(sessionId, report)`. */
  send: (report: TelemetryReport) => Promise<void>;
  /** How often a report is sent per direction (golive's default rate limit allows 20 a minute). */
  intervalMs?: number;
  /**
   * How often the stats are read between reports, so that a stream that goes away (a guest off
   * stage, the connection closed by the end of the live) still counts up to its last reading.
   */
  sampleMs?: number;
  /** How often the receivers are read until the first video frame is decoded. */
  firstFrameProbeMs?: number;
  /** A monotonic clock in ms (performance.now by default). */
  now?: () => number;
  /** A report that could not be read or sent: telemetry never throws into the app. */
  onError?: (error: unknown) => void;
};

const DEFAULT_INTERVAL_MS = 10_000;
/** livekit-client reads its own stats this often too (its bitrate monitor). */
const DEFAULT_SAMPLE_MS = 2000;
const DEFAULT_PROBE_MS = 200;
/** After this long without a decoded frame, stop looking: the report's bound for timeToFirstFrameMs. */
const FIRST_FRAME_GIVE_UP_MS = 120_000;
/** The shortest interval a report may cover (the schema's minimum). */
const MIN_INTERVAL_MS = 1000;

/**
 * Every interval: one `receive` report when there were inbound streams (what was watched), one
 * `send` report when there were outbound ones (what was published), from readings every
 * `sampleMs` and one at the report, so little is lost when a stream or the connection goes away
 * between reports. `stop()` reads and sends the last partial interval. Time to first frame is from
 * `start()` to the first decoded video frame (read every `firstFrameProbeMs`), in the next
 * receive report. A connection attempt (connecting or reconnecting) counts once it resolves:
 * connected is a success, disconnected before that a failure.
 */
export class MediaTelemetry {
  readonly #options: Required<Omit<MediaTelemetryOptions, 'onError'>> & Pick<MediaTelemetryOptions, 'onError'>;
  #startedAt = 0;
  #lastAt = 0;
  readonly #received = new StreamTotals();
  readonly #sent = new StreamTotals();
  #attempting = false;
  #attempts = 0;
  #failures = 0;
  /** The first frame, measured and not yet reported; null before it is seen. */
  #firstFrameMs: number | null = null;
  #firstFrameSeen = false;
  #probing = false;
  #interval: ReturnType<typeof setInterval> | undefined;
  #sampler: ReturnType<typeof setInterval> | undefined;
  #probe: ReturnType<typeof setInterval> | undefined;
  /** The report being made, if any: the next one waits for it. */
  #running: Promise<void> | null = null;

  constructor(options: MediaTelemetryOptions) {
    this.#options = {
      intervalMs: DEFAULT_INTERVAL_MS,
      sampleMs: DEFAULT_SAMPLE_MS,
      firstFrameProbeMs: DEFAULT_PROBE_MS,
      now: () => performance.now(),
      ...options,
    };
  }

  /** Starts the clock for time to first frame, the interval reports and the first-frame probe. */
  start(): void {
    if (this.#interval) return;
    this.#startedAt = this.#lastAt = this.#options.now();
    this.#interval = setInterval(() => void this.report(), this.#options.intervalMs);
    this.#sampler = setInterval(() => void this.sample(), this.#options.sampleMs);
    this.#probe = setInterval(() => void this.probeFirstFrame(), this.#options.firstFrameProbeMs);
  }

  /** Follows the media connection: attempts, successes and failures for the next report. */
  connection(phase: ConnectionPhase): void {
    if (phase === 'connecting' || phase === 'reconnecting' || phase === 'signalReconnecting') {
      this.#attempting = true;
    } else if (this.#attempting) {
      this.#attempting = false;
      this.#attempts++;
      if (phase === 'disconnected') this.#failures++;
    }
  }

  /** Reads every receiver and sender once, for the next report. */
  async sample(): Promise<void> {
    const [receivers, senders] = await Promise.all([
      this.#read(this.#options.source.receivers()),
      this.#read(this.#options.source.senders()),
    ]);
    this.#received.observe(readStreams(receivers, 'receive'));
    this.#sent.observe(readStreams(senders, 'send'));
  }

  /** Reads the receivers once; the first decoded video frame fixes the time to first frame. */
  async probeFirstFrame(): Promise<void> {
    if (this.#firstFrameSeen || this.#probing) return;
    const at = this.#options.now();
    if (at - this.#startedAt > FIRST_FRAME_GIVE_UP_MS) return this.#stopProbe();
    this.#probing = true;
    try {
      const streams = readStreams(await this.#read(this.#options.source.receivers()), 'receive');
      this.#received.observe(streams);
      if ([...streams.values()].some((s) => s.video && s.framesDecoded > 0) && !this.#firstFrameSeen) {
        this.#firstFrameSeen = true;
        this.#firstFrameMs = this.#options.now() - this.#startedAt;
        this.#stopProbe();
      }
    } finally {
      this.#probing = false;
    }
  }

  /**
   * Sends what changed since the last report (one per direction), after any report in progress.
   * With none in progress the stats are read at once, in the caller's turn: a page that stops
   * telemetry just before its connection closes still reads the last interval's stats.
   */
  report(): Promise<void> {
    const run = this.#running ? this.#running.then(() => this.#report()) : this.#report();
    const tracked = run.finally(() => {
      if (this.#running === tracked) this.#running = null;
    });
    this.#running = tracked;
    return tracked;
  }

  /** Stops sampling, and sends the last partial interval when it is at least a second long. */
  async stop(): Promise<void> {
    clearInterval(this.#interval);
    clearInterval(this.#sampler);
    this.#interval = this.#sampler = undefined;
    this.#stopProbe();
    await this.report();
  }

  async #report(): Promise<void> {
    const at = this.#options.now();
    const intervalMs = at - this.#lastAt;
    if (intervalMs < MIN_INTERVAL_MS) return;
    await this.sample();
    const connections = { attempts: this.#attempts, failures: this.#failures };
    const firstFrame = this.#firstFrameMs;
    let receive = this.#received.seen || firstFrame !== null;
    const send = this.#sent.seen;
    // A connection that failed has no streams: its attempt still goes out, as a receive report.
    if (connections.attempts > 0 && !receive && !send) receive = true;

    const reports: TelemetryReport[] = [];
    const received = this.#received.take();
    const sent = this.#sent.take();
    if (receive) reports.push(toReport('receive', intervalMs, received, { connections, timeToFirstFrameMs: firstFrame }));
    if (send) reports.push(toReport('send', intervalMs, sent, receive ? {} : { connections }));
    this.#lastAt = at;
    this.#attempts = this.#failures = 0;
    this.#firstFrameMs = null;
    // Best effort: a report golive refused (rate limit, session over) is not sent again.
    await Promise.all(reports.map((r) => this.#options.send(r).catch((error: unknown) => this.#options.onError?.(error))));
  }

  async #read(reports: Promise<RtcStatsReport[]>): Promise<RtcStatsReport[]> {
    try {
      return await reports;
    } catch (error) {
      this.#options.onError?.(error);
      return [];
    }
  }

  #stopProbe(): void {
    clearInterval(this.#probe);
    this.#probe = undefined;
  }
}
