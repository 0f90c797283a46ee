import { randomUUID } from 'node:crypto';
import type { ChatMessage, ChatRole } from '@golive/sdk/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { actorId, type Principal, type UserPrincipal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize, type Standing } from '../policy/policy.ts';
import { type RateLimits, tryConsume } from '../realtime/rate-limits.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';

export const MAX_MESSAGE_CHARS = 500;

export type ChatPolicy = {
  /** Messages per user per session per window. */
  ratePoints: number;
  rateWindowSec: number;
  /** Messages sent with a fresh subscribe. */
  recentOnSubscribe: number;
  /** Most messages a resume replays; past that the client pages through history. */
  resumeLimit: number;
};

export type ChatServiceDeps = {
  db: Kysely<Database>;
  work: UnitOfWork;
  rateLimits: RateLimits;
  policy: ChatPolicy;
};

type MessageRow = {
  id: string;
  session_id: string;
  seq: string | number;
  user_id: string;
  user_name: string;
  user_role: string;
  text: string;
  created_at: Date | string;
};

const MESSAGE_COLUMNS = ['id', 'session_id', 'seq', 'user_id', 'user_name', 'user_role', 'text', 'created_at'] as const;

/**
 * Chat: every message is saved (with its per-session seq) before it is acknowledged or broadcast,
 * and is only ever stored and delivered as plain text.
 */
export class ChatService {
  readonly #deps: ChatServiceDeps;
  readonly #limiter: RateLimiterAbstract;

  constructor(deps: ChatServiceDeps) {
    this.#deps = deps;
    this.#limiter = deps.rateLimits.create('chat', deps.policy.ratePoints, deps.policy.rateWindowSec);
  }

  /** Saves a message from `author`; their role (shown with it) and slow-mode exemption are read under the lock. */
  async send(author: UserPrincipal, sessionId: string, rawText: string, clientId?: string): Promise<ChatMessage> {
    const text = rawText.trim();
    if (text.length === 0) throw new Errors.messageEmpty();
    const length = [...text].length;
    if (length > MAX_MESSAGE_CHARS) throw new Errors.messageTooLong(length);
    const key = `${sessionId}:${author.userId}`;
    // The spam limit is a Redis call, so it is taken before the transaction, never inside it.
    const rateWait = await tryConsume(this.#limiter, key);
    if (rateWait !== null) throw withRetry(new Errors.rateLimited(`${Math.ceil(rateWait / 1000)} s`), rateWait);

    // The row lock orders concurrent sends: seq order is commit order.
    const { message, fresh } = await this.#deps.work.change(sessionId, { subjects: [author.userId] }, async (w) => {
      if (clientId) {
        const existing = await w.trx
          .selectFrom('chat_messages')
          .select(MESSAGE_COLUMNS)
          .where('session_id', '=', sessionId)
          .where('user_id', '=', author.userId)
          .where('client_id', '=', clientId)
          .executeTakeFirst();
        if (existing) return { message: present(existing), fresh: false };
      }
      const me = authorize(author, { action: 'chat.send' }, w.facts);
      const slowModeSec = w.facts.settings.slowModeSec;
      if (slowModeSec > 0 && !me.canModerate) await assertSlowModeWait(w.trx, sessionId, author.userId, slowModeSec);
      const bumped = await w.trx
        .updateTable('sessions')
        .set({ chat_seq: sql`chat_seq + 1` })
        .where('id', '=', sessionId)
        .returning('chat_seq')
        .executeTakeFirstOrThrow();
      const row = await w.trx
        .insertInto('chat_messages')
        .values({
          id: randomUUID(),
          session_id: sessionId,
          seq: String(bumped.chat_seq),
          user_id: author.userId,
          user_name: author.name,
          user_role: chatRoleOf(author, me),
          text,
          client_id: clientId ?? null,
          deleted_at: null,
          deleted_by: null,
        })
        .returning(MESSAGE_COLUMNS)
        .executeTakeFirstOrThrow();
      const saved = present(row);
      // Fan-out is not an outbox effect: a subscriber that misses it gets it on resume, by seq.
      w.notify((b) => b.chatMessage(saved));
      return { message: saved, fresh: true };
    });
    // A resend of a saved message is not a new message: give its point back.
    if (!fresh) await this.#limiter.reward(key, 1).catch(() => undefined);
    return message;
  }

  /** A page of history, oldest first, ending before `beforeSeq` (or at the newest message). */
  async history(principal: Principal, sessionId: string, options: { beforeSeq?: number; limit: number }) {
    authorize(principal, { action: 'chat.read' }, await this.#deps.work.read(sessionId, { subjects: [principal.userId] }));
    let query = this.#visible(sessionId).orderBy('seq', 'desc').limit(options.limit);
    if (options.beforeSeq !== undefined) query = query.where('seq', '<', String(options.beforeSeq));
    const rows = await query.execute();
    const messages = rows.map(present).reverse();
    const first = messages[0];
    return { messages, nextBefore: rows.length === options.limit && first ? first.seq : null };
  }

  /** What a subscriber needs: recent messages (or all since its last seq), deletions, the pin. */
  async snapshot(sessionId: string, pinnedId: string | null, sinceSeq: number | undefined) {
    const { recentOnSubscribe, resumeLimit } = this.#deps.policy;
    // Read the head first: anything sent after it is in the messages below or arrives live.
    const head = await this.#deps.db.selectFrom('sessions').select('chat_seq').where('id', '=', sessionId).executeTakeFirstOrThrow();
    let messages: ChatMessage[];
    let truncated = false;
    if (sinceSeq === undefined) {
      const rows = await this.#visible(sessionId).orderBy('seq', 'desc').limit(recentOnSubscribe).execute();
      messages = rows.map(present).reverse();
    } else {
      const rows = await this.#visible(sessionId)
        .where('seq', '>', String(sinceSeq))
        .orderBy('seq', 'asc')
        .limit(resumeLimit + 1)
        .execute();
      truncated = rows.length > resumeLimit;
      messages = rows.slice(0, resumeLimit).map(present);
    }
    const deleted = await this.#deps.db
      .selectFrom('chat_messages')
      .select('id')
      .where('session_id', '=', sessionId)
      .where('deleted_at', '>', sql<Date>`now() - interval '10 minutes'`)
      .execute();
    const pinned = pinnedId ? await this.#visible(sessionId).where('id', '=', pinnedId).executeTakeFirst() : undefined;
    return {
      headSeq: Number(head.chat_seq),
      messages,
      truncated,
      deletedMessageIds: deleted.map((d) => d.id),
      pinned: pinned ? present(pinned) : null,
    };
  }

  async delete(principal: Principal, sessionId: string, messageId: string): Promise<void> {
    await this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'chat.moderate' }, w.facts);
      const deleted = await w.trx
        .updateTable('chat_messages')
        .set({ deleted_at: sql`now()`, deleted_by: actorId(principal) })
        .where('id', '=', messageId)
        .where('session_id', '=', sessionId)
        .where('deleted_at', 'is', null)
        .returning(['user_id'])
        .executeTakeFirst();
      if (!deleted) throw new Errors.messageNotFound(messageId);
      const cleared = await w.trx
        .updateTable('sessions')
        .set({ pinned_message_id: null })
        .where('id', '=', sessionId)
        .where('pinned_message_id', '=', messageId)
        .executeTakeFirst();
      w.event({
        sessionId,
        type: 'live.chat.message.deleted',
        actorId: actorId(principal),
        targetId: deleted.user_id,
        data: { messageId },
      });
      w.effect({ kind: 'realtime.chat.deleted', sessionId, messageId });
      if (Number(cleared.numUpdatedRows) > 0) w.effect({ kind: 'realtime.chat.pinned', sessionId, message: null });
    });
  }

  /** Pins one message (or clears the pin with null); subscribers see it on join. */
  async pin(principal: Principal, sessionId: string, messageId: string | null): Promise<ChatMessage | null> {
    return this.#deps.work.change(sessionId, { subjects: [principal.userId] }, async (w) => {
      authorize(principal, { action: 'chat.moderate' }, w.facts);
      let message: ChatMessage | null = null;
      if (messageId) {
        const row = await this.#visible(sessionId, w.trx).where('id', '=', messageId).executeTakeFirst();
        if (!row) throw new Errors.messageNotFound(messageId);
        message = present(row);
      }
      await w.trx.updateTable('sessions').set({ pinned_message_id: messageId }).where('id', '=', sessionId).execute();
      w.event({ sessionId, type: 'live.chat.message.pinned', actorId: actorId(principal), data: { messageId } });
      w.effect({ kind: 'realtime.chat.pinned', sessionId, message });
      return message;
    });
  }

  #visible(sessionId: string, db: Kysely<Database> = this.#deps.db) {
    return db.selectFrom('chat_messages').select(MESSAGE_COLUMNS).where('session_id', '=', sessionId).where('deleted_at', 'is', null);
  }
}

function present(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: Number(row.seq),
    user: { id: row.user_id, name: row.user_name, role: row.user_role as ChatRole },
    text: row.text,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function withRetry<E extends Error>(error: E, retryAfterMs: number): E & { retryAfterMs: number } {
  return Object.assign(error, { retryAfterMs });
}

/** Slow mode, exact under the session lock: the author's last message must be old enough. */
async function assertSlowModeWait(trx: Transaction<Database>, sessionId: string, userId: string, slowModeSec: number): Promise<void> {
  const last = await trx
    .selectFrom('chat_messages')
    .select(sql<number>`extract(epoch from now() - created_at) * 1000`.as('ago_ms'))
    .where('session_id', '=', sessionId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const waitMs = last ? Math.ceil(slowModeSec * 1000 - Number(last.ago_ms)) : 0;
  if (waitMs > 0) throw withRetry(new Errors.slowMode(slowModeSec), waitMs);
}

/** The role shown with a message: as the author stands when it is saved, not when they subscribed. */
function chatRoleOf(author: UserPrincipal, me: Standing): ChatRole {
  if (me.isHost) return 'host';
  if (author.isAdmin) return 'admin';
  if (me.role === 'cohost') return 'cohost';
  if (me.role === 'guest') return 'guest';
  return 'viewer';
}
