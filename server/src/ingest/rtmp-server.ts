/// <reference path="./node-media-server.d.ts" />
import { createServer, type Server, type Socket } from 'node:net';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import Rtmp from 'node-media-server/src/protocol/rtmp.js';
import type { Logger } from 'pino';
import { Errors } from '../errors.ts';
import type { RelayStatus } from './ingest-status.ts';
import { RtmpRelay } from './rtmp-relay.ts';

/** What a valid stream key opens: the ingest, and a LiveKit token for the host's ingest participant. */
export type RtmpIngestGrant = { ingestId: string; livekitUrl: string; token: string };

export type RtmpIngestServerOptions = {
  /** Listen address (default 127.0.0.1) and port (0 picks a free one). */
  host?: string;
  port: number;
  /** The RTMP application in rtmpUrl: rtmp://<host>:<port>/<app> (default "live"). */
  app?: string;
  /** Concurrent relays this process takes; one more is refused with INGEST_LIMIT_REACHED. */
  maxConcurrent: number;
  /** The ingest a stream key opens, or null for a wrong, rotated-out or ended one. */
  authorize: (streamKey: string) => Promise<RtmpIngestGrant | null>;
  /** Every status change of an ingest: receiving (repeated with fresh figures), stopped. */
  onStatus: (ingestId: string, status: RelayStatus) => void;
  logger: Logger;
  ffmpegPath?: string;
  /** Pictures taller than this are scaled down before the re-encode (default 1080). */
  maxHeight?: number;
  /** A connection that sends nothing for this long is closed (default 15 s). */
  idleTimeoutMs?: number;
  /** How often a receiving status is reported (default 5 s). */
  statusIntervalMs?: number;
};

/** Bytes of media kept while the key is checked; an encoder that outruns the check is dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

type Active = { relay: RtmpRelay; socket: Socket };

/**
 * golive's RTMP listener for encoders without WHIP: the stream key is the stream name
 * (rtmp://host:port/live/<key>). node-media-server's protocol module speaks RTMP; this class
 * owns the sockets, checks each key through `authorize`, enforces the per-process limit, and
 * hands accepted publishes to an RtmpRelay.
 */
export class RtmpIngestServer {
  readonly #options: RtmpIngestServerOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #active = new Map<string, Active>();
  #port = 0;

  constructor(options: RtmpIngestServerOptions) {
    this.#options = options;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<{ port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    this.#port = typeof address === 'object' && address ? address.port : this.#options.port;
    this.#options.logger.info({ port: this.#port }, 'RTMP ingest listening');
    return { port: this.#port };
  }

  get port(): number {
    return this.#port;
  }

  /** Relays running now. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** The relay of an ingest, while it runs (its decoder's pid is there for measurements). */
  relayOf(ingestId: string): RtmpRelay | undefined {
    return this.#active.get(ingestId)?.relay;
  }

  /** Stops an ingest (key rotated, ingest deleted, session ended) and drops its encoder. */
  async stop(ingestId: string): Promise<boolean> {
    const active = this.#active.get(ingestId);
    if (!active) return false;
    await active.relay.stop('stopped');
    active.socket.destroy();
    return true;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.allSettled([...this.#active.values()].map((a) => a.relay.stop('shutdown')));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #accept(socket: Socket): void {
    const { logger } = this.#options;
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#sockets.add(socket);
    const rtmp = new Rtmp();
    const pending: AVPacket[] = [];
    let pendingBytes = 0;
    let relay: RtmpRelay | null = null;
    let decided = false;
    let requested = { app: '', name: '' };

    const refuse = (code: string, description: string) => {
      decided = true;
      logger.warn({ remote, rtmpStatus: code, reason: description }, 'RTMP publish refused');
      rtmp.sendStatusMessage(rtmp.streamId, 'error', code, description);
      socket.end();
    };
    rtmp.onOutputCallback = (buffer) => {
      if (!socket.destroyed) socket.write(buffer);
    };
    rtmp.onConnectCallback = (req) => {
      requested = { app: req.app, name: req.name };
    };
    rtmp.onPlayCallback = () => refuse('NetStream.Play.Failed', 'golive takes RTMP publishes only');
    rtmp.onPushCallback = () => {
      void this.#admit(requested, socket).then(
        (admitted) => {
          if ('refused' in admitted) return refuse(admitted.refused.code, admitted.refused.description);
          decided = true;
          relay = admitted.relay;
          for (const packet of pending.splice(0)) relay.feed(packet);
        },
        (error: Error) => {
          logger.error({ err: error, remote }, 'RTMP publish could not be admitted');
          refuse('NetStream.Publish.Rejected', 'golive could not check the stream key: try again');
        },
      );
    };
    rtmp.onPacketCallback = (packet) => {
      if (relay) {
        if (!relay.feed(packet)) {
          socket.pause();
          void relay.drain().then(() => socket.resume());
        }
      } else if (!decided) {
        // The parser reuses its payload buffer, so a packet kept for later is copied.
        pending.push(
          Object.assign(Object.create(Object.getPrototypeOf(packet)), packet, { data: Buffer.from(packet.data.subarray(0, packet.size)) }),
        );
        pendingBytes += packet.size;
        if (pendingBytes > MAX_PENDING_BYTES) socket.destroy();
      }
    };

    socket.on('data', (data) => {
      relay?.noteBytes(data.length);
      const error = rtmp.parserData(data);
      if (error) {
        logger.warn({ remote, error }, 'RTMP protocol error');
        socket.destroy();
      }
    });
    socket.setTimeout(this.#options.idleTimeoutMs ?? 15_000, () => {
      void relay?.stop('idle_timeout');
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#sockets.delete(socket);
      void relay?.stop('encoder_disconnected');
    });
  }

  async #admit(
    requested: { app: string; name: string },
    socket: Socket,
  ): Promise<{ relay: RtmpRelay } | { refused: { code: string; description: string } }> {
    const app = this.#options.app ?? 'live';
    if (requested.app !== app) {
      return {
        refused: {
          code: 'NetStream.Publish.BadName',
          description: `publish to rtmp://<host>:${this.#port}/${app}, with the stream key as the stream name`,
        },
      };
    }
    const grant = await this.#options.authorize(requested.name);
    if (!grant) return { refused: statusOf(new Errors.invalidStreamKey(), 'NetStream.Publish.BadName') };
    if (socket.destroyed) return { refused: { code: 'NetStream.Publish.Rejected', description: 'the encoder went away' } };

    const running = this.#active.get(grant.ingestId);
    if (running) {
      // The same ingest from a new connection: an encoder reconnecting. The newest one wins.
      await running.relay.stop('replaced');
      running.socket.destroy();
    } else if (this.#active.size >= this.#options.maxConcurrent) {
      const error = new Errors.ingestLimitReached(this.#options.maxConcurrent);
      this.#options.onStatus(grant.ingestId, { state: 'stopped', protocol: 'rtmp', reason: 'limit_reached', message: error.message });
      return { refused: statusOf(error, 'NetStream.Publish.Rejected') };
    }
    const relay = new RtmpRelay({
      ingestId: grant.ingestId,
      livekitUrl: grant.livekitUrl,
      token: grant.token,
      ffmpegPath: this.#options.ffmpegPath,
      maxHeight: this.#options.maxHeight,
      statusIntervalMs: this.#options.statusIntervalMs ?? 5_000,
      onStatus: (status) => this.#options.onStatus(grant.ingestId, status),
      logger: this.#options.logger,
    });
    this.#active.set(grant.ingestId, { relay, socket });
    void relay.ended.then(() => {
      if (this.#active.get(grant.ingestId)?.relay === relay) this.#active.delete(grant.ingestId);
      socket.end();
    });
    this.#options.logger.info({ ingestId: grant.ingestId, active: this.#active.size }, 'RTMP publish accepted');
    return { relay };
  }
}

/** An RTMP onStatus error that carries golive's stable code, since RTMP has no HTTP status. */
function statusOf(error: Error & { code: string }, rtmpCode: string): { code: string; description: string } {
  return { code: rtmpCode, description: `${error.code}: ${error.message}` };
}
