import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/schema.ts';
import { Errors } from '../errors.ts';
import { authorize, authorizeAdmin } from '../policy/policy.ts';
import type { UnitOfWork } from '../work/unit-of-work.ts';
import { MAX_WINDOW_MS, platformStats } from './platform-stats.ts';
import { sessionStats } from './session-stats.ts';
import type { PlatformStats, SessionStats } from './stats.schemas.ts';

const DEFAULT_WINDOW_MS = 24 * 3600_000;

/** Analytics: one session's (host, co-hosts, admins), and the platform's (admins, the app's key). */
export class StatsService {
  readonly #db: Kysely<Database>;
  readonly #work: UnitOfWork;

  constructor(deps: { db: Kysely<Database>; work: UnitOfWork }) {
    this.#db = deps.db;
    this.#work = deps.work;
  }

  async session(principal: Principal, sessionId: string): Promise<SessionStats> {
    const facts = await this.#work.read(sessionId, { subjects: [principal.userId] });
    authorize(principal, { action: 'session.stats' }, facts);
    return sessionStats(this.#db, sessionId, Date.now());
  }

  async platform(principal: Principal, query: { from?: string; to?: string }): Promise<PlatformStats> {
    authorizeAdmin(principal, 'read platform stats');
    const asOfMs = Date.now();
    const toMs = query.to === undefined ? asOfMs : Date.parse(query.to);
    const fromMs = query.from === undefined ? toMs - DEFAULT_WINDOW_MS : Date.parse(query.from);
    if (!(fromMs < toMs)) throw new Errors.validationFailed('querystring.from must be before querystring.to');
    if (toMs - fromMs > MAX_WINDOW_MS) {
      throw new Errors.validationFailed(`querystring: the window is longer than ${MAX_WINDOW_MS / 86_400_000} days; ask for a shorter one`);
    }
    return platformStats(this.#db, { fromMs, toMs, asOfMs });
  }
}
