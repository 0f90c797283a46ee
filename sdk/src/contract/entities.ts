/**
 * The entities HTTP and realtime share, each defined once. A schema's $id is its name in
 * /openapi.json (the server turns nested $id schemas into $refs there, see server/src/http/components.ts);
 * the TypeScript types are Static<> of the same schemas.
 */
import { type Static, Type } from 'typebox';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A participant's role in a session. observer is a hidden admin. */
export const ParticipantRoleSchema = Type.Union(
  [Type.Literal('host'), Type.Literal('cohost'), Type.Literal('guest'), Type.Literal('viewer'), Type.Literal('observer')],
  { description: 'cohost: moderates and manages the stage; observer: a hidden admin, not seen by others and not counted' },
);
export type ParticipantRole = Static<typeof ParticipantRoleSchema>;

/** A role the host or a co-host can give (setParticipantRole). */
export const AssignableRoleSchema = Type.Union([Type.Literal('cohost'), Type.Literal('guest'), Type.Literal('viewer')]);
export type AssignableRole = Static<typeof AssignableRoleSchema>;

/** The role a chat message's author had when it was sent; an admin is shown as admin. */
export const ChatRoleSchema = Type.Union([
  Type.Literal('host'),
  Type.Literal('cohost'),
  Type.Literal('guest'),
  Type.Literal('viewer'),
  Type.Literal('admin'),
]);
export type ChatRole = Static<typeof ChatRoleSchema>;

/** Guests on stage at once can be set up to this. */
export const MAX_GUESTS_LIMIT = 20;

export const GuestCanPublishSchema = Type.Object(
  { camera: Type.Boolean(), microphone: Type.Boolean(), screen: Type.Boolean() },
  { additionalProperties: false, description: 'What guests may publish' },
);

export const SessionSettingsSchema = Type.Object(
  {
    chatEnabled: Type.Boolean(),
    reactionsEnabled: Type.Boolean(),
    slowModeSec: Type.Integer({
      minimum: 0,
      maximum: 3600,
      description: 'Minimum seconds between two messages of one viewer; 0 is off. Hosts, co-hosts and admins are exempt',
    }),
    allowGuests: Type.Boolean({ description: 'Viewers may ask to come on stage' }),
    requireApproval: Type.Boolean({
      description: 'Requests wait for the host or a co-host; when off they are approved at once, up to maxGuests',
    }),
    maxGuests: Type.Integer({
      minimum: 0,
      maximum: MAX_GUESTS_LIMIT,
      description: `Guests on stage at once (the host and co-hosts are not counted), at most ${MAX_GUESTS_LIMIT}`,
    }),
    guestCanPublish: GuestCanPublishSchema,
    maxParticipants: Type.Integer({ minimum: 0, maximum: 100_000, description: 'Connected participants at once; 0 is no limit' }),
  },
  { $id: 'SessionSettings', title: 'SessionSettings' },
);
export type SessionSettingsView = Static<typeof SessionSettingsSchema>;

export const PublishSourceSchema = Type.Union([
  Type.Literal('camera'),
  Type.Literal('microphone'),
  Type.Literal('screen_share'),
  Type.Literal('screen_share_audio'),
]);

export const PermissionsSchema = Type.Object(
  {
    canPublish: Type.Boolean(),
    publishSources: Type.Array(PublishSourceSchema, { description: 'The LiveKit track sources this token may publish' }),
    canChat: Type.Boolean(),
    canReact: Type.Boolean(),
    canRequestStage: Type.Boolean(),
    canModerate: Type.Boolean({ description: 'Decide stage requests, invite, promote guests, delete and pin chat, mute, kick and ban' }),
    canManageCohosts: Type.Boolean(),
    canChangeSettings: Type.Boolean(),
    canEnd: Type.Boolean(),
    canRecord: Type.Boolean(),
    canManageIngest: Type.Boolean({ description: 'Create, rotate and delete the ingest (OBS or an encoder), and see its state' }),
    canReadEvents: Type.Boolean(),
  },
  { $id: 'Permissions', title: 'Permissions', description: "What the caller may do in this session, as golive's policy decides it" },
);
/** What the caller may do in the session, as golive's policy decides it (also in the join answer). */
export type Permissions = Static<typeof PermissionsSchema>;

export const SessionSchema = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    mode: Type.Union([Type.Literal('broadcast'), Type.Literal('interactive')]),
    visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    status: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
    host: Type.Object({ id: Type.String(), name: Type.String() }),
    externalRef: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    coverUrl: Nullable(Type.String()),
    maxDurationSec: Type.Integer(),
    viewerCount: Type.Integer({ minimum: 0 }),
    peakViewers: Type.Integer({ minimum: 0 }),
    startedAt: DateTime,
    endsAt: Type.String({ format: 'date-time', description: 'When golive ends the session at the latest' }),
    endedAt: Nullable(DateTime),
    endedBy: Nullable(Type.String()),
    endReason: Nullable(Type.String()),
    participants: Type.Array(Type.String(), { description: 'Allowlisted user ids (besides the host)' }),
    settings: SessionSettingsSchema,
    recording: Type.Object({ auto: Type.Boolean({ description: 'A recording starts by itself at the first published track' }) }),
  },
  { $id: 'Session', title: 'Session' },
);
/** A session as the HTTP API presents it (GET /v1/sessions/{id}); the sessions feed carries it. */
export type SessionInfo = Static<typeof SessionSchema>;

export const CountersSchema = Type.Object(
  { sessionId: Uuid, viewerCount: Type.Integer({ minimum: 0 }), peakViewers: Type.Integer({ minimum: 0 }) },
  { $id: 'Counters', title: 'Counters' },
);
export type Counters = Static<typeof CountersSchema>;

export const ChatMessageSchema = Type.Object(
  {
    id: Uuid,
    sessionId: Uuid,
    seq: Type.Integer({ minimum: 1, description: 'Per-session order; strictly increasing' }),
    user: Type.Object({ id: Type.String(), name: Type.String(), role: ChatRoleSchema }),
    text: Type.String({ description: 'Plain text; render it as text, never as HTML' }),
    createdAt: DateTime,
  },
  { $id: 'ChatMessage', title: 'ChatMessage' },
);
export type ChatMessage = Static<typeof ChatMessageSchema>;

export const StageRequestSchema = Type.Object(
  {
    id: Uuid,
    sessionId: Uuid,
    userId: Type.String(),
    userName: Type.String(),
    kind: Type.Union([Type.Literal('request'), Type.Literal('invite')], {
      description: "request: a viewer's request to come on stage; invite: a host's invitation",
    }),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('approved'),
      Type.Literal('rejected'),
      Type.Literal('cancelled'),
      Type.Literal('expired'),
      Type.Literal('accepted'),
      Type.Literal('declined'),
    ]),
    createdAt: DateTime,
    expiresAt: DateTime,
    decidedAt: Nullable(DateTime),
    decidedBy: Nullable(Type.String()),
  },
  { $id: 'StageRequest', title: 'StageRequest' },
);
/** A viewer's request to come on stage, or a host's invitation. */
export type StageRequest = Static<typeof StageRequestSchema>;

export const ParticipantSchema = Type.Object(
  { userId: Type.String(), name: Type.String(), role: ParticipantRoleSchema, connected: Type.Boolean() },
  { $id: 'Participant', title: 'Participant' },
);
export type ParticipantView = Static<typeof ParticipantSchema>;

export const ReactionBurstSchema = Type.Object(
  {
    sessionId: Uuid,
    counts: Type.Record(Type.String(), Type.Integer(), { description: 'Taps since the previous burst, per emoji' }),
    totals: Type.Record(Type.String(), Type.Integer(), { description: 'Running totals for the session, per emoji' }),
  },
  { $id: 'ReactionBurst', title: 'ReactionBurst' },
);
export type ReactionBurst = Static<typeof ReactionBurstSchema>;
