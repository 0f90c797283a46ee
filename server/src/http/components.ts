import type { FastifyInstance } from 'fastify';
import {
  ChatMessageSchema,
  ParticipantSchema,
  PermissionsSchema,
  SessionSchema,
  SessionSettingsSchema,
  StageRequestSchema,
} from '../contract.ts';

/**
 * A contract schema as a shared Fastify schema (an OpenAPI component): nested schemas with their
 * own $id become $refs, so /openapi.json describes each entity once, under its name.
 */
export function asComponent<T extends object>(schema: T): T {
  return refNested(schema, true) as T;
}

function refNested(node: unknown, root: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => refNested(item, false));
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  if (!root && typeof record.$id === 'string') return { $ref: record.$id };
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, refNested(value, false)]));
}

/** The contract's entities HTTP routes refer to by name (Type.Ref('Session')). */
export const CONTRACT_COMPONENTS = [
  SessionSettingsSchema,
  SessionSchema,
  PermissionsSchema,
  ChatMessageSchema,
  StageRequestSchema,
  ParticipantSchema,
];

export function registerContractComponents(app: FastifyInstance): void {
  for (const schema of CONTRACT_COMPONENTS) app.addSchema(asComponent(schema));
}
