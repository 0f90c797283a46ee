import type { IngestStatus } from '@golive/sdk/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { LivekitAdapter } from '../adapters/livekit.ts';
import { actorId, type Principal } from '../auth/principal.ts';
import type { IngestConfig } from '../config/ingest-config.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize } from '../policy/policy.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import {
  deleteIngest,
  findByKeyHash,
  type IngestObservation,
  type IngestTarget,
  identityOf,
  insertIngest,
  observeIngest,
  presentIngest,
  readIngest,
  rotateKey,
} from './ingest.repository.ts';
import { ingestTokenRequest } from './ingest-participant.ts';
import type { RelayStatus } from './ingest-status.ts';
import { type RtmpIngestGrant, RtmpIngestServer } from './rtmp-server.ts';
import { lookupHashOf } from './stream-key.ts';
import { WHIP_PATH } from './whip.routes.ts';

/** What createIngest and rotateIngestKey answer; the only time the key is shown. */
export type IngestCredentials = { whipUrl: string; streamKey: string; rtmpUrl: string | null };

export type IngestServiceDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  livekit: LivekitAdapter;
  config: IngestConfig;
  /** golive's public URL: the WHIP URL is on it, and the RTMP URL's host by default. */
  publicUrl: string;
  ffmpegPath?: string;
  logger: Logger;
};

/**
 * The host's ingest: going live from OBS or an encoder. Creating, rotating and deleting run as
 * units of work on the session under the `ingest.manage` policy; the stream key is stored as a
 * hash and shown only in those answers. The state comes from two places: the RTMP relays this
 * instance runs (their status callbacks), and LiveKit's webhooks for WHIP (ingest-webhooks.ts).
 */
export class IngestService {
  /** Where encoders POST their WHIP offer. */
  readonly whipUrl: string;
  readonly #deps: IngestServiceDeps;
  #rtmp: RtmpIngestServer | null = null;
  #rtmpUrl: string | null;
  /** Each ingest's status writes, one after another, so a stop never lands before its start. */
  readonly #writes = new Map<string, Promise<void>>();
  #ranRelays = false;

  constructor(deps: IngestServiceDeps) {
    this.#deps = deps;
    this.whipUrl = `${deps.publicUrl}/v1${WHIP_PATH}`;
    this.#rtmpUrl = deps.config.rtmp.publicUrl;
  }

  /** Where encoders push RTMP (the key is the stream name); null when golive offers no RTMP. */
  get rtmpUrl(): string | null {
    return this.#rtmpUrl;
  }

  /** A relay ran here, so rtc-node's native runtime is up and wants disposing at exit. */
  get ranRelays(): boolean {
    return this.#ranRelays;
  }

  /** The RTMP listener, while this instance runs one. */
  get rtmp(): RtmpIngestServer | null {
    return this.#rtmp;
  }

  async create(principal: Principal, sessionId: string): Promise<IngestCredentials> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'ingest.manage' }, w.facts);
      const created = await insertIngest(w.trx, { sessionId, hostId: w.facts.row.host_id, createdBy: actorId(principal) });
      if (!created) throw new Errors.ingestExists(sessionId);
      w.effect({ kind: 'realtime.ingest', sessionId, ingest: presentIngest(created.row) });
      return this.#credentials(created.streamKey);
    });
  }

  /** A new key; the old one stops working at this commit, and what still publishes with it is removed. */
  async rotate(principal: Principal, sessionId: string): Promise<IngestCredentials> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'ingest.manage' }, w.facts);
      const rotated = await rotateKey(w, actorId(principal));
      if (!rotated) throw new Errors.ingestNotFound(sessionId);
      w.effect(
        { kind: 'ingest.participant.remove', sessionId, identity: identityOf(rotated.row), keepKeyId: rotated.row.key_id },
        { kind: 'realtime.ingest', sessionId, ingest: presentIngest(rotated.row) },
      );
      return this.#credentials(rotated.streamKey);
    });
  }

  async remove(principal: Principal, sessionId: string): Promise<void> {
    await this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'ingest.manage' }, w.facts);
      const removed = await deleteIngest(w, actorId(principal));
      if (!removed) throw new Errors.ingestNotFound(sessionId);
      w.effect(
        { kind: 'ingest.participant.remove', sessionId, identity: identityOf(removed), keepKeyId: null },
        { kind: 'realtime.ingest', sessionId, ingest: null },
      );
    });
  }

  /** The ingest's state, for the subscribe answer of those who may manage it. */
  async statusOf(sessionId: string): Promise<IngestStatus | null> {
    const row = await readIngest(this.#deps.db, sessionId);
    return row ? presentIngest(row) : null;
  }

  /** The ingest a key opens while its session is live; null for a wrong, rotated-out or ended key. */
  async resolveStreamKey(streamKey: string): Promise<IngestTarget | null> {
    const hash = lookupHashOf(streamKey);
    return hash ? findByKeyHash(this.#deps.db, hash) : null;
  }

  /** Starts this instance's RTMP listener (the web role's), unless RTMP_MAX_CONCURRENT is 0. */
  async startRtmp(): Promise<void> {
    const { rtmp } = this.#deps.config;
    if (rtmp.maxConcurrent === 0 || this.#rtmp) return;
    const server = new RtmpIngestServer({
      host: rtmp.host,
      port: rtmp.port,
      app: rtmp.app,
      maxConcurrent: rtmp.maxConcurrent,
      ffmpegPath: this.#deps.ffmpegPath,
      logger: this.#deps.logger.child({ component: 'rtmp-ingest' }),
      authorize: (key) => this.#authorizeRtmp(key),
      onStatus: (relayKey, status) => this.#onRelayStatus(relayKey, status),
    });
    const { port } = await server.listen().catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
      throw new Error(
        `the RTMP listener cannot bind ${rtmp.host}:${rtmp.port} (${error.code}): set RTMP_PORT to a free port, or RTMP_MAX_CONCURRENT=0 to turn RTMP off on this instance`,
        { cause: error },
      );
    });
    this.#rtmp = server;
    this.#rtmpUrl ??= `rtmp://${new URL(this.#deps.publicUrl).hostname}:${port}/${rtmp.app}`;
  }

  /** Stops the relays (each encoder is told to reconnect) and waits for their last status. */
  async stopRtmp(): Promise<void> {
    await this.#rtmp?.close();
    this.#rtmp = null;
    await Promise.allSettled([...this.#writes.values()]);
  }

  async #authorizeRtmp(streamKey: string): Promise<RtmpIngestGrant | null> {
    const target = await this.resolveStreamKey(streamKey);
    if (!target) return null;
    const token = await this.#deps.livekit.mintToken(ingestTokenRequest({ ...target, protocol: 'rtmp' }));
    this.#ranRelays = true;
    return { ingestId: relayKeyOf(target), livekitUrl: this.#deps.livekit.clientUrl, token };
  }

  #onRelayStatus(relayKey: string, status: RelayStatus): void {
    const target = parseRelayKey(relayKey);
    const seen = target ? observationOf(status) : null;
    if (!target || !seen) return;
    const write = async () => {
      const result = await this.#deps.work.change(target.sessionId, { subjects: [], lean: true }, (w) => observeIngest(w, target, seen));
      // The key no longer opens the ingest and LiveKit's removal has not reached this relay yet.
      if (result === 'stale' && status.state === 'receiving') await this.#rtmp?.stop(relayKey);
    };
    const next = (this.#writes.get(target.ingestId) ?? Promise.resolve())
      .then(write)
      .catch((error: unknown) =>
        this.#deps.logger.warn({ err: error, ingestId: target.ingestId }, 'could not record an RTMP ingest status'),
      );
    this.#writes.set(target.ingestId, next);
    void next.finally(() => {
      if (this.#writes.get(target.ingestId) === next) this.#writes.delete(target.ingestId);
    });
  }

  #credentials(streamKey: string): IngestCredentials {
    return { whipUrl: this.whipUrl, streamKey, rtmpUrl: this.#rtmpUrl };
  }
}

/** What a relay's status says about the ingest; null for 'stopped': golive stopped it on purpose, and recorded why. */
function observationOf(status: RelayStatus): IngestObservation | null {
  if (status.state === 'receiving') {
    return { kind: 'receiving', protocol: 'rtmp', video: status.video, audio: status.audio, bitrateKbps: status.bitrateKbps };
  }
  if (status.reason === 'stopped') return null;
  return { kind: 'stopped', protocol: 'rtmp', reason: status.reason, message: status.message ?? null };
}

/**
 * The RTMP server's id for a relay: the ingest and the key generation it was admitted with, so
 * an encoder reconnecting with the same key replaces its stale connection, and a relay on a
 * rotated-out key is told apart from one on the new key.
 */
function relayKeyOf(target: IngestTarget): string {
  return `${target.sessionId}/${target.ingestId}/${target.keyId}`;
}

function parseRelayKey(relayKey: string): { sessionId: string; ingestId: string; keyId: string } | null {
  const [sessionId, ingestId, keyId] = relayKey.split('/');
  return sessionId && ingestId && keyId ? { sessionId, ingestId, keyId } : null;
}
