import { Type } from 'typebox';
import { ParticipantRoleSchema } from '../contract.ts';
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

export const JoinGrantSchema = Type.Object(
  {
    token: Type.String({ description: 'Short-lived LiveKit access token' }),
    livekitUrl: Type.String(),
    role: ParticipantRoleSchema,
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
