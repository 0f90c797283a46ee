import { randomBytes } from 'node:crypto';
import { Errors } from '../errors.ts';

/** Content types of the WHIP exchange (RFC 9725). livekit-server compares them exactly. */
export const SDP_CONTENT_TYPE = 'application/sdp';
export const SDP_FRAGMENT_CONTENT_TYPE = 'application/trickle-ice-sdpfrag';

/** livekit-server's native WHIP endpoint (pkg/service/whipservice.go in 1.13.5). */
const LIVEKIT_WHIP_PATH = '/whip/v1';

/**
 * One WHIP publish that golive proxies. The encoder only ever sees golive's id; LiveKit's
 * resource path (which carries its participant id) stays here. No secret is kept: every
 * exchange with LiveKit carries a token minted for it.
 */
export type WhipResource = {
  /** golive's resource id, the last segment of the Location golive answers. */
  id: string;
  sessionId: string;
  /** The ingest and the key generation the publish began with. */
  ingestId: string;
  keyId: string;
  /** The LiveKit identity that publishes, for minting the tokens of later PATCH and DELETE. */
  identity: string;
  /** LiveKit's Location, e.g. /whip/v1/PA_xxxx. */
  livekitPath: string;
  createdAt: Date;
};

/**
 * Where WHIP resources are kept: PostgreSQL (whip-resources.repository.ts), so any instance
 * serves the PATCH or DELETE of a publish; in memory for a single process (benchmarks).
 */
export interface WhipResourceStore {
  /** false when the key generation no longer opens the ingest (rotated, deleted, ended meanwhile). */
  save(resource: WhipResource): Promise<boolean>;
  get(id: string): Promise<WhipResource | null>;
  delete(id: string): Promise<void>;
  /** Resources of one session, e.g. to stop them when the session ends or its key is rotated. */
  listBySession(sessionId: string): Promise<WhipResource[]>;
}

export class MemoryWhipResourceStore implements WhipResourceStore {
  readonly #resources = new Map<string, WhipResource>();

  async save(resource: WhipResource): Promise<boolean> {
    this.#resources.set(resource.id, { ...resource });
    return true;
  }
  async get(id: string): Promise<WhipResource | null> {
    const found = this.#resources.get(id);
    return found ? { ...found } : null;
  }
  async delete(id: string): Promise<void> {
    this.#resources.delete(id);
  }
  async listBySession(sessionId: string): Promise<WhipResource[]> {
    return [...this.#resources.values()].filter((r) => r.sessionId === sessionId).map((r) => ({ ...r }));
  }
}

export type WhipProxyOptions = {
  /** livekit-server's HTTP address (the room service URL, http:// or https://). */
  livekitUrl: string;
  resources: WhipResourceStore;
  /** golive's public path of a resource, answered as Location (e.g. id => `/v1/ingest/whip/${id}`). */
  resourcePath: (id: string) => string;
  /** Give up on LiveKit after this long (default 10 s). */
  timeoutMs?: number;
};

export type WhipPublishRequest = {
  sessionId: string;
  ingestId: string;
  keyId: string;
  /** The identity the token was minted for. */
  identity: string;
  /** A LiveKit token for that identity in that room, allowed to publish. */
  token: string;
  offer: string;
};

export type WhipAnswer = {
  resource: WhipResource;
  answer: string;
  /** golive's Location for the resource. */
  location: string;
  /** The ICE session tag for PATCH If-Match. */
  etag: string | null;
  /** LiveKit's Link headers (rel="ice-server"), passed on unchanged. */
  links: string[];
};

export type WhipPatchRequest = {
  token: string;
  fragment: string;
  /** The ETag for trickle ICE, or * for an ICE restart. */
  ifMatch: string;
};

export type WhipPatchResult =
  /** Trickle ICE applied. */
  | { status: 204 }
  /** ICE restart: the answer's fragment and the new ETag. */
  | { status: 200; fragment: string; etag: string | null };

/**
 * Forwards the WHIP exchange (RFC 9725) to livekit-server's native /whip/v1: POST offer → 201
 * answer, PATCH trickle ICE or ICE restart, DELETE. Only signalling passes through golive: media
 * flows between the encoder and LiveKit, on the ICE candidates LiveKit answers.
 */
export class WhipProxy {
  readonly #options: WhipProxyOptions;
  readonly #base: string;

  constructor(options: WhipProxyOptions) {
    this.#options = options;
    this.#base = options.livekitUrl.replace(/\/+$/, '');
  }

  /** The resource for golive's id, or null. */
  async find(id: string): Promise<WhipResource | null> {
    return this.#options.resources.get(id);
  }

  async publish(req: WhipPublishRequest): Promise<WhipAnswer> {
    const res = await this.#call('POST', LIVEKIT_WHIP_PATH, req.token, { contentType: SDP_CONTENT_TYPE, body: req.offer });
    const body = await res.text();
    if (res.status !== 201) throw upstreamError('offer', res.status, body);
    const livekitPath = res.headers.get('location');
    if (!livekitPath?.startsWith(`${LIVEKIT_WHIP_PATH}/`)) {
      throw new Error(`livekit-server answered the WHIP offer without a usable Location (${livekitPath ?? 'none'})`);
    }
    const resource: WhipResource = {
      id: randomBytes(16).toString('base64url'),
      sessionId: req.sessionId,
      ingestId: req.ingestId,
      keyId: req.keyId,
      identity: req.identity,
      livekitPath,
      createdAt: new Date(),
    };
    if (!(await this.#options.resources.save(resource))) {
      // The key was rotated (or the ingest deleted, the session ended) while LiveKit answered.
      await this.#call('DELETE', livekitPath, req.token, {}).catch(() => undefined);
      throw new Errors.invalidStreamKey();
    }
    return {
      resource,
      answer: body,
      location: this.#options.resourcePath(resource.id),
      etag: res.headers.get('etag'),
      links: splitLinks(res.headers.get('link')),
    };
  }

  async patch(resource: WhipResource, req: WhipPatchRequest): Promise<WhipPatchResult> {
    const res = await this.#call('PATCH', resource.livekitPath, req.token, {
      contentType: SDP_FRAGMENT_CONTENT_TYPE,
      body: req.fragment,
      ifMatch: req.ifMatch,
    });
    const body = await res.text();
    if (res.status === 204) return { status: 204 };
    if (res.status === 200) return { status: 200, fragment: body, etag: res.headers.get('etag') };
    if (res.status === 404) {
      await this.#options.resources.delete(resource.id);
      throw new Errors.whipResourceNotFound(resource.id);
    }
    throw upstreamError('PATCH', res.status, body);
  }

  /** Ends the publish: LiveKit removes the participant. A publish already gone is not an error. */
  async stop(resource: WhipResource, token: string): Promise<void> {
    const res = await this.#call('DELETE', resource.livekitPath, token, {});
    const body = await res.text();
    // LiveKit answers 404 when the room is gone, which ends the publish just as well.
    if (res.status !== 200 && res.status !== 204 && res.status !== 404) throw upstreamError('DELETE', res.status, body);
    await this.#options.resources.delete(resource.id);
  }

  async #call(
    method: string,
    path: string,
    token: string,
    options: { contentType?: string; body?: string; ifMatch?: string },
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    try {
      return await fetch(`${this.#base}${path}`, {
        method,
        headers,
        body: options.body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new Errors.livekitUnavailable(`WHIP ${method}: ${(error as Error).message}`);
    }
  }
}

/**
 * LiveKit's refusal as golive's error. A 400 is the encoder's (a malformed offer or fragment);
 * anything else means golive or LiveKit is wrong, and is logged as such by the error handler.
 */
function upstreamError(what: string, status: number, body: string): Error {
  const reason = livekitReason(body);
  if (status === 400) return new Errors.whipOfferRejected(reason);
  if (status >= 500) return new Errors.livekitUnavailable(`WHIP ${what} answered ${status}: ${reason}`);
  return new Error(`livekit-server refused the WHIP ${what} with ${status}: ${reason}`);
}

function livekitReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not LiveKit's JSON error body
  }
  return body.slice(0, 200) || 'no reason given';
}

/** fetch joins repeated Link headers with ", "; each link is one <uri>; params entry. */
function splitLinks(header: string | null): string[] {
  if (!header) return [];
  return header.split(/,\s*(?=<)/).filter((link) => link.trim().length > 0);
}
