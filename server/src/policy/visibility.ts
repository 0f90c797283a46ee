import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * The session.view rule of policy.ts as a query filter, for listings: public sessions, and those
 * the (non-admin) user hosts or is allowlisted in. policy.unit.test.ts checks the two agree.
 */
export function visibleTo(userId: string) {
  return (eb: ExpressionBuilder<Database, 'sessions'>) =>
    eb.or([
      eb('visibility', '=', 'public'),
      eb.exists(
        eb
          .selectFrom('session_members as m')
          .select(sql.lit(1).as('one'))
          .whereRef('m.session_id', '=', 'sessions.id')
          .where('m.user_id', '=', userId),
      ),
    ]);
}
