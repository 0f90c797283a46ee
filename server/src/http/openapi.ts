import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { bodyMayBeOmitted } from './body-parsing.ts';
import { BODY_PIPELINE_CODES, METHODS_WITH_BODY } from './declared-codes.ts';

type Json = Record<string, unknown>;
type Operation = {
  'x-error-codes'?: string[];
  parameters?: Array<{ in: string; required?: boolean; schema?: Json }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { description?: string; content?: unknown }>;
};

/** Descriptions of the success answers Fastify leaves as 'Default Response'. */
const REASONS: Record<string, string> = { '200': 'OK', '201': 'Created' };

/**
 * Declares `code` under `status` as route.ts declares a route's own codes: in the status's
 * description (a comma-separated list of codes) and in `x-error-codes`.
 */
function declareCode(operation: Operation, status: string, code: string): void {
  operation.responses ??= {};
  const response = operation.responses[status] ?? {
    description: '',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  operation.responses[status] = response;
  const listed = response.description ? response.description.split(', ') : [];
  if (!listed.includes(code)) response.description = [...listed, code].sort().join(', ');
  const codes = operation['x-error-codes'];
  if (codes && !codes.includes(code)) operation['x-error-codes'] = [...codes, code].sort();
}

/**
 * How the generated document describes golive. Shared schemas keep their $id as their component
 * name (clients generate types from these names), and `finishDocument` states what the HTTP
 * pipeline does around every route, which route schemas alone cannot say.
 */
export const openapiDocumentOptions: Pick<FastifyDynamicSwaggerOptions, 'refResolver' | 'transformObject'> = {
  refResolver: {
    buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
  },
  transformObject: (document) =>
    'openapiObject' in document
      ? (finishDocument(document.openapiObject as Json) as typeof document.openapiObject)
      : document.swaggerObject,
};

export function finishDocument<T extends Json>(document: T): T {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const pathItem of Object.values(paths)) {
    for (const [method, operation] of Object.entries(pathItem)) {
      // A query parameter with a default may be left out: the validator fills the default in.
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema && 'default' in parameter.schema) parameter.required = false;
      }
      // A body whose fields are all optional may be left out (body-parsing.ts reads it as {}).
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      if (operation.requestBody && bodyMayBeOmitted(bodySchema)) operation.requestBody.required = false;
      operation.responses ??= {};
      // Every request with a body goes through the content-type parser and the body limit first,
      // also where the route reads none (a DELETE sent malformed JSON).
      if (METHODS_WITH_BODY.has(method)) {
        for (const [code, status] of Object.entries(BODY_PIPELINE_CODES)) declareCode(operation, status, code);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.description === 'Default Response') response.description = REASONS[status] ?? 'Response';
      }
    }
  }
  return document;
}
