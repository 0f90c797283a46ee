import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { bodyMayBeOmitted } from './body-parsing.ts';
import { METHODS_WITH_BODY } from './declared-codes.ts';

type Json = Record<string, unknown>;
type Operation = {
  parameters?: Array<{ in: string; required?: boolean; schema?: Json }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { description?: string; content?: unknown }>;
};

/**
 * Descriptions of what route.ts does not describe: success answers Fastify leaves as 'Default
 * Response', and the 413 and 415 added below (route.ts lists the codes of each error status).
 */
const REASONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '413': 'The body is too large (BODY_TOO_LARGE)',
  '415': 'The body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
};

const errorResponse = (status: string) => ({
  description: REASONS[status] ?? 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

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
      // Every request with a body goes through the content-type parser and the body limit first.
      if (METHODS_WITH_BODY.has(method)) {
        operation.responses['413'] ??= errorResponse('413');
        operation.responses['415'] ??= errorResponse('415');
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.description === 'Default Response') response.description = REASONS[status] ?? 'Response';
      }
    }
  }
  return document;
}
