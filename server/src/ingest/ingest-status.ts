import type { IngestProtocol, IngestStopReason } from '@golive/sdk/protocol';

/** Why a relay stopped: the ingest's reasons it can see, or 'stopped' when golive stopped it on purpose. */
export type RelayStopReason =
  | Extract<IngestStopReason, 'encoder_disconnected' | 'replaced' | 'idle_timeout' | 'limit_reached' | 'shutdown' | 'error'>
  | 'stopped';

/**
 * What one RTMP relay reports: receiving (repeated with fresh figures), then stopped. The ingest
 * service turns it into the session's IngestStatus (sdk/src/contract/ingest.ts).
 */
export type RelayStatus =
  | {
      state: 'receiving';
      protocol: IngestProtocol;
      /** The decoded picture, null until the first frame (or for audio only). */
      video: { width: number; height: number; fps: number } | null;
      audio: boolean;
      /** What the encoder sends, measured on the wire over the last interval. */
      bitrateKbps: number;
    }
  | { state: 'stopped'; protocol: IngestProtocol; reason: RelayStopReason; message?: string };
