import { Ajv } from 'ajv';
import { Type } from 'typebox';

const SessionId = Type.String({ format: 'uuid' });

export const SubscribeSchema = Type.Object(
  { sessionId: SessionId, sinceSeq: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
/** sessions.watch and sessions.unwatch take no fields yet. */
export const FeedSchema = Type.Object({}, { additionalProperties: false });
export const UnsubscribeSchema = Type.Object({ sessionId: SessionId }, { additionalProperties: false });
export const SendChatSchema = Type.Object(
  {
    sessionId: SessionId,
    // Length after trimming is the service's job; this only bounds what is read at all.
    text: Type.String({ maxLength: 4000 }),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const SendReactionSchema = Type.Object(
  { sessionId: SessionId, emoji: Type.String({ minLength: 1, maxLength: 16 }) },
  { additionalProperties: false },
);

const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, strict: false });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

/** A payload check that names the first problem, like the HTTP validation errors do. */
export function payloadValidator<T>(schema: object): (value: unknown) => { ok: true; value: T } | { ok: false; problem: string } {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    const issue = validate.errors?.[0];
    if (issue && 'additionalProperty' in issue.params)
      return { ok: false, problem: `payload has unknown field "${String(issue.params.additionalProperty)}"` };
    return { ok: false, problem: `payload${issue?.instancePath.replaceAll('/', '.') ?? ''} ${issue?.message ?? 'is not valid'}` };
  };
}
