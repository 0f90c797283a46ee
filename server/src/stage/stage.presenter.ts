import type { StageRequest } from '@golive/sdk/protocol';
import type { Selectable } from 'kysely';
import type { StageRequestsTable } from '../db/schema.ts';

export function presentRequest(row: Selectable<StageRequestsTable>): StageRequest {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    userName: row.user_name,
    kind: row.kind,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    decidedAt: iso(row.decided_at),
    decidedBy: row.decided_by,
  };
}
