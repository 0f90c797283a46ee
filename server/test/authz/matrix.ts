// What every authorization matrix shares: a row is one operation (and variant) with the expected
// cell per principal, written as "status CODE" (or "status detail"), compared whole so a failure
// shows the full row.
import assert from 'node:assert/strict';
import type { ContractResponse } from '../openapi-validator.ts';

export type Row<Op extends string, P extends string> = { operation: Op; variant: string; expected: Record<P, string> };

/** A row from its cells, "a | b | c", one per principal in order. */
export function parseRow<Op extends string, P extends string>(
  principals: readonly P[],
  operation: Op,
  variant: string,
  cells: string,
): Row<Op, P> {
  const values = cells.trim().split(/\s*\|\s*/);
  assert.equal(values.length, principals.length, `${operation} ${variant}: one cell per principal`);
  return { operation, variant, expected: Object.fromEntries(principals.map((p, i) => [p, values[i]])) as Record<P, string> };
}

/** An answer as a matrix cell: its status and error code, else the status and what the caller saw. */
export function summarize(res: ContractResponse<unknown>, detail?: string): string {
  const code = (res.body as { code?: unknown } | null)?.code;
  return [res.status, typeof code === 'string' ? code : detail].filter((part) => part !== undefined).join(' ');
}
