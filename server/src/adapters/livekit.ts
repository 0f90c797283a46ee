import {
  AccessToken,
  type ParticipantInfo,
  type Room,
  RoomServiceClient,
  TrackSource,
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

  constructor(endpoint: LivekitEndpoint) {
    this.#endpoint = endpoint;
    this.clientUrl = endpoint.clientUrl;
    this.#rooms = new RoomServiceClient(endpoint.apiUrl, endpoint.apiKey, endpoint.apiSecret);
    this.#webhooks = new WebhookReceiver(endpoint.apiKey, endpoint.apiSecret);
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
    return this.#rooms.createRoom({
      name,
      emptyTimeout: options.emptyTimeoutSec,
      departureTimeout: options.departureTimeoutSec,
      metadata: options.metadata,
    });
  }

  /** Deletes a room, disconnecting everyone in it. A room that is already gone is not an error. */
  async deleteRoom(name: string): Promise<void> {
    try {
      await this.#rooms.deleteRoom(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }

  async listRooms(names?: string[]): Promise<Room[]> {
    return this.#rooms.listRooms(names);
  }

  async listParticipants(room: string): Promise<ParticipantInfo[]> {
    try {
      return await this.#rooms.listParticipants(room);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** Verifies the signature over the raw body (never re-serialized JSON) and decodes the event. */
  async receiveWebhook(rawBody: string, authorization: string | undefined): Promise<WebhookEvent> {
    return this.#webhooks.receive(rawBody, authorization);
  }
}

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  const code = (error as { code?: string }).code;
  return status === 404 || code === 'not_found';
}

export const PUBLISH_SOURCES = {
  all: [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO],
} as const;
