import { Ajv } from 'ajv';
import { CLIENT_MESSAGES, type ClientMessageName, type RequestOf } from '../contract.ts';

const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, strict: false });
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

export type PayloadCheck<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problem: string };

/** The contract's request schema of a client message, compiled. */
export function requestValidator<K extends ClientMessageName>(message: K): PayloadCheck<RequestOf<K>> {
  return payloadValidator<RequestOf<K>>(CLIENT_MESSAGES[message].request);
}

/** A payload check that names the first problem, like the HTTP validation errors do. */
export function payloadValidator<T>(schema: object): PayloadCheck<T> {
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    const issue = validate.errors?.[0];
    if (issue && 'additionalProperty' in issue.params)
      return { ok: false, problem: `payload has unknown field "${String(issue.params.additionalProperty)}"` };
    return { ok: false, problem: `payload${issue?.instancePath.replaceAll('/', '.') ?? ''} ${issue?.message ?? 'is not valid'}` };
  };
}
