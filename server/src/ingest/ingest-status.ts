import type { IngestProtocol } from './ingest-participant.ts';

/** Why an ingest stopped. */
export type IngestStopReason =
  /** The encoder closed the connection (OBS "Stop Streaming"). */
  | 'encoder_disconnected'
  /** The same ingest started again from a new connection (an encoder reconnecting). */
  | 'replaced'
  /** No bytes arrived for the idle timeout. */
  | 'idle_timeout'
  /** Refused: this instance already relays its limit of RTMP ingests. */
  | 'limit_reached'
  /** golive stopped it: key rotated, ingest deleted, session ended, or shutdown. */
  | 'stopped'
  /** Decoding or publishing failed; `message` says what. */
  | 'error';

/**
 * What the host sees at Go Live: waiting for the encoder, receiving (with what is received), or
 * stopped. Pushed to the host over realtime in phase 2.
 */
export type IngestStatus =
  | { state: 'waiting'; protocol: IngestProtocol }
  | {
      state: 'receiving';
      protocol: IngestProtocol;
      /** The decoded picture, null until the first frame (or for audio only). */
      video: { width: number; height: number; fps: number } | null;
      audio: boolean;
      /** What the encoder sends, measured on the wire over the last interval. */
      bitrateKbps: number;
    }
  | { state: 'stopped'; protocol: IngestProtocol; reason: IngestStopReason; message?: string };
