import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { actorId, type Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize, authorizeAdmin } from '../policy/policy.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';

export type ReportView = {
  id: string;
  sessionId: string;
  reporterId: string;
  messageId: string | null;
  reason: string;
  status: 'open' | 'resolved';
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
};

/** Abuse reports: anyone in a session flags it or a message; admins see and resolve them. */
export class ReportsService {
  readonly #db: Kysely<Database>;
  readonly #work: UnitOfWork;

  constructor(deps: { db: Kysely<Database>; work: UnitOfWork }) {
    this.#db = deps.db;
    this.#work = deps.work;
  }

  async report(principal: Principal, sessionId: string, input: { reason: string; messageId?: string }): Promise<ReportView> {
    const reporter = actorId(principal);
    const row = await this.#work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      const { trx, facts } = w;
      authorize(principal, { action: 'report.create' }, facts);
      let target = facts.row.host_id;
      if (input.messageId) {
        const message = await trx
          .selectFrom('chat_messages')
          .select('user_id')
          .where('id', '=', input.messageId)
          .where('session_id', '=', sessionId)
          .executeTakeFirst();
        if (!message) throw new Errors.messageNotFound(input.messageId);
        target = message.user_id;
      }
      const inserted = await trx
        .insertInto('reports')
        .values({
          id: randomUUID(),
          session_id: sessionId,
          reporter_id: reporter,
          message_id: input.messageId ?? null,
          reason: input.reason.trim(),
          status: 'open',
          resolved_at: null,
          resolved_by: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      w.event({
        sessionId,
        type: 'live.session.abuse.flagged',
        actorId: reporter,
        targetId: target,
        reason: inserted.reason,
        data: { reportId: inserted.id, messageId: inserted.message_id },
      });
      return inserted;
    });
    return present(row);
  }

  async list(principal: Principal, options: { status: 'open' | 'resolved'; limit: number }): Promise<ReportView[]> {
    authorizeAdmin(principal, 'read abuse reports');
    const rows = await this.#db
      .selectFrom('reports')
      .selectAll()
      .where('status', '=', options.status)
      .orderBy('created_at', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(present);
  }

  /** Idempotent: resolving a resolved report returns the first resolution, so who handled it stays on record. */
  async resolve(principal: Principal, reportId: string): Promise<ReportView> {
    authorizeAdmin(principal, 'resolve abuse reports');
    const row =
      (await this.#db
        .updateTable('reports')
        .set({ status: 'resolved', resolved_at: sql`now()`, resolved_by: actorId(principal) })
        .where('id', '=', reportId)
        .where('status', '=', 'open')
        .returningAll()
        .executeTakeFirst()) ?? (await this.#db.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirst());
    if (!row) throw new Errors.reportNotFound(reportId);
    return present(row);
  }
}

type ReportRow = {
  id: string;
  session_id: string;
  reporter_id: string;
  message_id: string | null;
  reason: string;
  status: 'open' | 'resolved';
  created_at: Date | string;
  resolved_at: Date | string | null;
  resolved_by: string | null;
};

function present(row: ReportRow): ReportView {
  return {
    id: row.id,
    sessionId: row.session_id,
    reporterId: row.reporter_id,
    messageId: row.message_id,
    reason: row.reason,
    status: row.status,
    createdAt: new Date(row.created_at).toISOString(),
    resolvedAt: row.resolved_at ? new Date(row.resolved_at).toISOString() : null,
    resolvedBy: row.resolved_by,
  };
}
