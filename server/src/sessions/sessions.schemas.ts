import { Type } from 'typebox';
import { SettingsInputSchema } from './settings.ts';

const USER_ID = { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@|-]+$' };
const UserId = Type.String(USER_ID);

export const CreateSessionBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S', description: '1-120 characters, not blank' }),
    mode: Type.Union([Type.Literal('broadcast'), Type.Literal('interactive')], {
      description: 'broadcast: only the host publishes; interactive: allowlisted participants publish too',
    }),
    visibility: Type.Union([Type.Literal('public'), Type.Literal('private')], {
      description: 'private sessions admit only the host, the participants allowlist and admins',
    }),
    participants: Type.Optional(Type.Array(UserId, { maxItems: 50, description: 'Allowlist of user ids' })),
    externalRef: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9_.:/#@|-]+$',
        description: "The app's own reference, e.g. task_123",
      }),
    ),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 30, pattern: '\\S' }), { maxItems: 10 })),
    coverUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' })),
    maxDurationSec: Type.Optional(Type.Integer({ minimum: 5, maximum: 86_400, description: 'Default 7200 (2 h)' })),
    settings: Type.Optional(SettingsInputSchema),
    recording: Type.Optional(
      Type.Object(
        { auto: Type.Boolean({ description: 'true: a recording starts when the first track is published (docs/recording.md)' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    title: Type.String(),
    mode: Type.Union([Type.Literal('broadcast'), Type.Literal('interactive')]),
    visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    status: Type.Union([Type.Literal('live'), Type.Literal('ended')]),
    host: Type.Object({ id: Type.String(), name: Type.String() }),
    externalRef: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    coverUrl: Type.Union([Type.String(), Type.Null()]),
    maxDurationSec: Type.Integer(),
    viewerCount: Type.Integer({ minimum: 0 }),
    peakViewers: Type.Integer({ minimum: 0 }),
    startedAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time', description: 'When golive ends the session at the latest' }),
    endedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    endedBy: Type.Union([Type.String(), Type.Null()]),
    endReason: Type.Union([Type.String(), Type.Null()]),
    participants: Type.Array(Type.String(), { description: 'Allowlisted user ids (besides the host)' }),
    settings: Type.Ref('SessionSettings'),
    recording: Type.Object({ auto: Type.Boolean({ description: 'A recording starts by itself at the first published track' }) }),
  },
  { $id: 'Session', title: 'Session' },
);

const Role = Type.Union(
  [Type.Literal('host'), Type.Literal('cohost'), Type.Literal('guest'), Type.Literal('viewer'), Type.Literal('observer')],
  { description: 'cohost: moderates and manages the stage; observer: a hidden admin, not seen by others and not counted' },
);

export const PermissionsSchema = Type.Object(
  {
    canPublish: Type.Boolean(),
    publishSources: Type.Array(
      Type.Union([Type.Literal('camera'), Type.Literal('microphone'), Type.Literal('screen_share'), Type.Literal('screen_share_audio')]),
      { description: 'The LiveKit track sources this token may publish' },
    ),
    canChat: Type.Boolean(),
    canReact: Type.Boolean(),
    canRequestStage: Type.Boolean(),
    canModerate: Type.Boolean({ description: 'Decide stage requests, invite, promote guests, delete and pin chat, mute, kick and ban' }),
    canManageCohosts: Type.Boolean(),
    canChangeSettings: Type.Boolean(),
    canEnd: Type.Boolean(),
    canRecord: Type.Boolean(),
    canReadEvents: Type.Boolean(),
  },
  { $id: 'Permissions', title: 'Permissions', description: "What the caller may do in this session, as golive's policy decides it" },
);

export const JoinGrantSchema = Type.Object(
  {
    token: Type.String({ description: 'Short-lived LiveKit access token' }),
    livekitUrl: Type.String(),
    role: Role,
    identity: Type.String(),
    expiresAt: Type.String({ format: 'date-time', description: 'Connect before this time' }),
    session: Type.Ref('Session'),
    permissions: Type.Ref('Permissions'),
  },
  { $id: 'JoinGrant', title: 'JoinGrant' },
);

export const ListSessionsQuery = Type.Object(
  {
    status: Type.Union([Type.Literal('live'), Type.Literal('ended')], { default: 'live' }),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
    externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    hostId: Type.Optional(Type.String({ ...USER_ID, description: "Only this host's sessions (e.g. a host's past lives)" })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  { additionalProperties: false },
);

export const SessionPage = Type.Object({
  sessions: Type.Array(Type.Ref('Session')),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const EndSessionBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const ExternalRefParams = Type.Object(
  { externalRef: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:/#@|-]+$' }) },
  { additionalProperties: false },
);
