import { Type } from 'typebox';

/** Shared schema pieces: the error body and common parameters. */
export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    error: Type.String(),
    message: Type.String({ description: 'What went wrong and how to fix it' }),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'Error', title: 'Error' },
);

export const SessionIdParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Session id' }) },
  { additionalProperties: false },
);

/** Security requirements every authenticated route declares in OpenAPI. */
export const authenticated: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKey: [] }];

/** For actions that take no input: the body may be omitted, and unknown fields are refused. */
export const EmptyBody = Type.Object({}, { additionalProperties: false });

/** A user id as golive accepts it everywhere (JWT sub, X-Golive-User, allowlists). */
export const UserIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@|-]+$' });
