import {
  AccessToken,
  type ParticipantInfo,
  type ParticipantPermission,
  type Room,
  RoomServiceClient,
  type VideoGrant,
  type WebhookEvent,
  WebhookReceiver,
} from 'livekit-server-sdk';

/** Credentials and addresses of the LiveKit golive talks to, embedded or external. */
export type LivekitEndpoint = {
  /** Where golive calls the room service. */
  apiUrl: string;
  /** Where clients connect (ws:// or wss://). */
  clientUrl: string;
  apiKey: string;
  apiSecret: string;
};

export type TokenRequest = {
  room: string;
  identity: string;
  name: string;
  ttlSec: number;
  grant: VideoGrant;
  metadata: string;
  attributes: Record<string, string>;
};

/**
 * How a room-service call ended: answered (ok), answered with a refusal (a 4xx, e.g. not found:
 * LiveKit is there), or not answered at all (connection refused, timeout, a 5xx).
 */
export type LivekitCallOutcome = 'ok' | 'refused' | 'unreachable';

export type LivekitAdapterOptions = {
  /** Bounds every room-service call, so a stopped LiveKit fails fast and is retried. */
  requestTimeoutSec: number;
  /** Told the outcome of every room-service call (metrics: golive_livekit_up). */
  observe?: (method: string, outcome: LivekitCallOutcome) => void;
};

export type RoomOptions = {
  emptyTimeoutSec: number;
  departureTimeoutSec: number;
  metadata: string;
};

/**
 * The only place golive talks to LiveKit: tokens, the room service and webhook verification,
 * all through livekit-server-sdk.
 */
export class LivekitAdapter {
  readonly clientUrl: string;
  readonly #endpoint: LivekitEndpoint;
  readonly #rooms: RoomServiceClient;
  readonly #webhooks: WebhookReceiver;
  readonly #observe: NonNullable<LivekitAdapterOptions['observe']>;

  constructor(endpoint: LivekitEndpoint, options: LivekitAdapterOptions = { requestTimeoutSec: 5 }) {
    this.#endpoint = endpoint;
    this.#observe = options.observe ?? (() => {});
    this.clientUrl = endpoint.clientUrl;
    this.#rooms = new RoomServiceClient(endpoint.apiUrl, endpoint.apiKey, endpoint.apiSecret, {
      requestTimeout: options.requestTimeoutSec,
    });
    this.#webhooks = new WebhookReceiver(endpoint.apiKey, endpoint.apiSecret);
  }

  /** Where golive's own participants (the recorder) connect: the server URL, as ws(s). */
  get serverUrl(): string {
    return this.#endpoint.apiUrl.replace(/^http(s?):\/\//, 'ws$1://');
  }

  async mintToken(req: TokenRequest): Promise<string> {
    const token = new AccessToken(this.#endpoint.apiKey, this.#endpoint.apiSecret, {
      identity: req.identity,
      name: req.name,
      ttl: req.ttlSec,
      metadata: req.metadata,
      attributes: req.attributes,
    });
    token.addGrant({ ...req.grant, room: req.room, roomJoin: true });
    return token.toJwt();
  }

  async createRoom(name: string, options: RoomOptions): Promise<Room> {
    return this.#call('CreateRoom', () =>
      this.#rooms.createRoom({
        name,
        emptyTimeout: options.emptyTimeoutSec,
        departureTimeout: options.departureTimeoutSec,
        metadata: options.metadata,
      }),
    );
  }

  /** Deletes a room, disconnecting everyone in it. A room that is already gone is not an error. */
  async deleteRoom(name: string): Promise<void> {
    try {
      await this.#call('DeleteRoom', () => this.#rooms.deleteRoom(name));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  /** Replaces the room's metadata (every client sees it: room.metadata); a room already gone is not an error. */
  async updateRoomMetadata(name: string, metadata: string): Promise<void> {
    try {
      await this.#call('UpdateRoomMetadata', () => this.#rooms.updateRoomMetadata(name, metadata));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  async listRooms(names?: string[]): Promise<Room[]> {
    return this.#call('ListRooms', () => this.#rooms.listRooms(names));
  }

  async listParticipants(room: string): Promise<ParticipantInfo[]> {
    try {
      return await this.#call('ListParticipants', () => this.#rooms.listParticipants(room));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** The participant, or null when it is not in the room. */
  async getParticipant(room: string, identity: string): Promise<ParticipantInfo | null> {
    try {
      return await this.#call('GetParticipant', () => this.#rooms.getParticipant(room, identity));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Changes a connected participant's grants and role attribute in place: no reconnect and no new
   * token. Returns false when the participant is not connected (its next join carries the role).
   */
  async updateParticipant(
    room: string,
    identity: string,
    change: { grant: VideoGrant; metadata: string; attributes: Record<string, string> },
  ): Promise<boolean> {
    const { grant } = change;
    const permission: Partial<ParticipantPermission> = {
      canSubscribe: grant.canSubscribe ?? false,
      canPublish: grant.canPublish ?? false,
      canPublishData: grant.canPublishData ?? false,
      canPublishSources: grant.canPublishSources ?? [],
      hidden: grant.hidden ?? false,
      canUpdateMetadata: grant.canUpdateOwnMetadata ?? false,
    };
    try {
      await this.#call('UpdateParticipant', () =>
        this.#rooms.updateParticipant(room, identity, { permission, metadata: change.metadata, attributes: change.attributes }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Disconnects a participant. revokeTokensIssuedBefore asks LiveKit to refuse the participant's
   * tokens issued before that time (RemoveParticipant revokeTokenTs). No livekit-server release
   * reads that field (1.13.5 and 1.13.11 ignore it), so golive's own ban enforcement is what
   * holds; it is sent for servers that may honour it. Returns false when the participant was not
   * connected.
   */
  async removeParticipant(room: string, identity: string, options: { revokeTokensIssuedBefore?: Date } = {}): Promise<boolean> {
    try {
      const revoke = options.revokeTokensIssuedBefore;
      await this.#call('RemoveParticipant', () =>
        this.#rooms.removeParticipant(room, identity, revoke ? { revokeTokenTs: BigInt(Math.ceil(revoke.getTime() / 1000)) } : {}),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Mutes a published track; a participant or track that is gone is not an error. */
  async mutePublishedTrack(room: string, identity: string, trackSid: string): Promise<void> {
    try {
      await this.#call('MutePublishedTrack', () => this.#rooms.mutePublishedTrack(room, identity, trackSid, true));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  async #call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.#observe(method, 'ok');
      return result;
    } catch (error) {
      this.#observe(method, answered(error) ? 'refused' : 'unreachable');
      throw error;
    }
  }

  /** Verifies the signature over the raw body (never re-serialized JSON) and decodes the event. */
  async receiveWebhook(rawBody: string, authorization: string | undefined): Promise<WebhookEvent> {
    return this.#webhooks.receive(rawBody, authorization);
  }
}

/** LiveKit answered with a refusal (a 4xx Twirp error), as opposed to not answering. */
function answered(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  const code = (error as { code?: string }).code;
  return status === 404 || code === 'not_found';
}
