import { type Kysely, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { presentRecording, type RecordingView } from './recordings.repository.ts';

export type ReplaysQuery = { limit: number; before?: string };

/** A recording the caller may play, with the session it is of (the web app's Replays list). */
export type ReplayItem = RecordingView & {
  session: { id: string; title: string; host: { id: string; name: string }; visibility: 'public' | 'private' };
};

/**
 * The ready recordings the caller may play, newest first: the same rule as the policy's
 * `recording.play`, as a SQL filter. Admins and the app's backend see every one; a user those of
 * sessions they host or are allowlisted in, and public recordings of public sessions they are not
 * banned from.
 */
export async function listReplays(db: Kysely<Database>, principal: Principal, query: ReplaysQuery): Promise<ReplayItem[]> {
  const userId = principal.userId;
  let q = db
    .selectFrom('recordings as r')
    .innerJoin('sessions as s', 's.id', 'r.session_id')
    .selectAll('r')
    .select(['s.title', 's.host_id', 's.host_name', 's.visibility as session_visibility'])
    .where('r.status', '=', 'ready');
  if (!principal.isAdmin) {
    const me = userId ?? '';
    q = q.where(
      (eb) => sql<boolean>`(${eb.ref('s.host_id')} = ${me}
        or (not exists (select 1 from session_bans b where b.session_id = s.id and b.user_id = ${me}
              and (b.expires_at is null or b.expires_at > now()))
          and (exists (select 1 from session_members m where m.session_id = s.id and m.user_id = ${me} and m.role = 'participant')
            or (r.visibility = 'public' and s.visibility = 'public'))))`,
    );
  }
  if (query.before) q = q.where('r.started_at', '<', new Date(query.before));
  const rows = await q.orderBy('r.started_at', 'desc').orderBy('r.id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    ...presentRecording(row),
    session: { id: row.session_id, title: row.title, host: { id: row.host_id, name: row.host_name }, visibility: row.session_visibility },
  }));
}
