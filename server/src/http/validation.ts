import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';

type ValidatorFactory = NonNullable<
  NonNullable<Parameters<FastifyInstance['setSchemaController']>[0]['compilersFactory']>['buildValidator']
>;

// ajv-formats ships CommonJS; its default export arrives wrapped under verbatimModuleSyntax.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  allErrors: false,
  // Unknown fields are a client bug worth reporting, so they fail instead of being dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: false,
};

/**
 * Bodies are validated as sent (a "5" is not a number); query strings and path params are
 * text by nature, so only they are coerced. `sharedSchemas` are those added with addSchema,
 * so request schemas may $ref them.
 */
export function createValidatorCompiler(sharedSchemas: Record<string, unknown> = {}): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  for (const schema of Object.values(sharedSchemas)) {
    strict.addSchema(schema as object);
    coercing.addSchema(schema as object);
  }
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}

/**
 * Installs the compiler for every context. A plugin that calls addSchema gets its validator
 * rebuilt from the schema controller's factory: `app.setValidatorCompiler` alone is lost there,
 * and Fastify's default ajv (which drops unknown fields and coerces bodies) would validate its
 * routes instead.
 */
export function registerValidation(app: FastifyInstance): void {
  // Fastify types the factory for ajv pools; it is called as (sharedSchemas, ajvOptions).
  const buildValidator = (sharedSchemas: Record<string, unknown>) => createValidatorCompiler(sharedSchemas);
  app.setSchemaController({ compilersFactory: { buildValidator: buildValidator as unknown as ValidatorFactory } });
}
