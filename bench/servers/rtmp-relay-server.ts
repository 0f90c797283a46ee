// The RTMP ingest relay (server/src/ingest) in a process of its own, so that what it costs
// (RTMP parsing, copying pictures, rtc-node's re-encode) is measured apart from everything else;
// its ffmpeg decoder is its child. The orchestrator arms one stream key per round with a token
// it minted for the host's ingest participant.

import type { RelayStatus } from '../../server/src/ingest/ingest-status.ts';
import { type RtmpIngestGrant, RtmpIngestServer } from '../../server/src/ingest/rtmp-server.ts';
import { createLogger } from '../../server/src/logger.ts';
import { serveParent } from '../lib/ipc.ts';
import { childPids } from '../lib/proc.ts';

export type ArmJob = { key: string } & RtmpIngestGrant;
export type RelayState = { status: RelayStatus | null; decoderPid: number | null };

const armed = new Map<string, RtmpIngestGrant>();
const latest = new Map<string, RelayStatus>();
const server = new RtmpIngestServer({
  port: 0,
  maxConcurrent: 4,
  statusIntervalMs: 2_000,
  logger: createLogger('warn'),
  // A key opens its ingest once: the orchestrator arms a fresh token for every round.
  authorize: async (key) => {
    const grant = armed.get(key) ?? null;
    armed.delete(key);
    return grant;
  },
  onStatus: (ingestId, status) => latest.set(ingestId, status),
});
const { port } = await server.listen();

serveParent(
  { port },
  {
    arm: (payload) => {
      const { key, ...grant } = payload as ArmJob;
      armed.set(key, grant);
      latest.delete(grant.ingestId);
      return null;
    },
    state: (payload): RelayState => {
      const ingestId = payload as string;
      const relay = server.relayOf(ingestId);
      // The decoder is this process's ffmpeg child; the relay knows its pid once it has started.
      const decoderPid = relay?.decoderPid ?? childPids(process.pid, 'ffmpeg')[0] ?? null;
      return { status: latest.get(ingestId) ?? null, decoderPid };
    },
    stop: async () => {
      await server.close();
    },
  },
);
