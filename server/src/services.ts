import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { migrateToLatest, openDatabase } from './adapters/database.ts';
import { LivekitAdapter, type LivekitEndpoint } from './adapters/livekit.ts';
import { LocalLivekitServer } from './adapters/livekit-process.ts';
import { Authenticator } from './auth/authenticator.ts';
import { ChatService } from './chat/chat.service.ts';
import type { Config } from './config/config.ts';
import type { Database } from './db/schema.ts';
import { ModerationService } from './moderation/moderation.service.ts';
import { createMetrics, type Metrics } from './ops/metrics.ts';
import { ReactionsService } from './reactions/reactions.service.ts';
import { RateLimits } from './realtime/rate-limits.ts';
import { SessionBroadcaster } from './realtime/session-broadcaster.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { ReportsService } from './reports/reports.service.ts';
import { SessionsService } from './sessions/sessions.service.ts';
import { StageService } from './stage/stage.service.ts';
import { WebhooksService } from './webhooks/webhooks.service.ts';

/** Everything golive runs on, wired once, here, and handed down explicitly. */
export type Services = {
  db: Kysely<Database>;
  redis: Redis | null;
  livekit: LivekitAdapter;
  /** The supervised livekit-server in dev mode; null with an external LiveKit. */
  localLivekit: LocalLivekitServer | null;
  authenticator: Authenticator;
  metrics: Metrics;
  sessions: SessionsService;
  webhooks: WebhooksService;
  reconciler: Reconciler;
  /** Pushes session events to realtime subscribers once buildApp attaches the Socket.IO server. */
  broadcaster: SessionBroadcaster;
  chat: ChatService;
  reactions: ReactionsService;
  stage: StageService;
  moderation: ModerationService;
  reports: ReportsService;
  /** Stops background work and closes connections, in reverse order of creation. */
  close(): Promise<void>;
};

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const db = await openDatabase(config.database);
  await migrateToLatest(db);

  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 }) : null;

  let localLivekit: LocalLivekitServer | null = null;
  let endpoint: LivekitEndpoint;
  if (config.livekit.kind === 'embedded') {
    localLivekit = new LocalLivekitServer({
      binary: config.livekit.binary,
      port: config.livekit.port,
      webhookUrl: `${config.publicUrl}/v1/livekit/webhook`,
      logger: logger.child({ component: 'livekit-server' }),
    });
    endpoint = await localLivekit.start();
  } else {
    endpoint = {
      apiUrl: config.livekit.url.replace(/^ws(s?):\/\//, 'http$1://'),
      clientUrl: config.livekit.clientUrl,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
    };
  }
  const livekit = new LivekitAdapter(endpoint);

  const metrics = createMetrics({
    liveSessions: async () => {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'live')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  });
  const authenticator = new Authenticator(config.auth);
  const rateLimits = new RateLimits(redis);
  const broadcaster = new SessionBroadcaster({
    db,
    logger: logger.child({ component: 'realtime' }),
    countersIntervalMs: config.countersIntervalMs,
  });

  // The reconciler schedules deadlines the sessions service reports; it is created just below.
  let reconciler: Reconciler | null = null;
  const sessions = new SessionsService({
    db,
    livekit,
    policy: config.sessions,
    metrics,
    deadlines: { noteDeadline: (at) => reconciler?.noteDeadline(at) },
    broadcaster,
    logger: logger.child({ component: 'sessions' }),
  });
  reconciler = new Reconciler({
    db,
    livekit,
    sessions,
    broadcaster,
    metrics,
    logger: logger.child({ component: 'reconciler' }),
    intervalMs: config.reconcileIntervalSec * 1000,
  });
  const wiredReconciler = reconciler;
  const chat = new ChatService({ db, sessions, rateLimits, broadcaster, policy: config.chat });
  const stage = new StageService({
    db,
    sessions,
    livekit,
    broadcaster,
    policy: { requestTtlSec: config.stageRequestTtlSec },
    logger: logger.child({ component: 'stage' }),
  });
  const moderation = new ModerationService({ db, sessions, livekit, broadcaster, logger: logger.child({ component: 'moderation' }) });
  const reports = new ReportsService({ db, sessions });
  const webhooks = new WebhooksService({
    db,
    sessions,
    broadcaster,
    bans: moderation,
    metrics,
    logger: logger.child({ component: 'webhooks' }),
  });
  const reactions = new ReactionsService({
    db,
    rateLimits,
    broadcaster,
    policy: config.reactions,
    logger: logger.child({ component: 'reactions' }),
  });

  return {
    db,
    redis,
    livekit,
    localLivekit,
    authenticator,
    metrics,
    sessions,
    webhooks,
    reconciler: wiredReconciler,
    broadcaster,
    chat,
    reactions,
    stage,
    moderation,
    reports,
    async close() {
      await wiredReconciler.stop();
      await reactions.stop();
      broadcaster.detach();
      await localLivekit?.stop();
      redis?.disconnect();
      await db.destroy();
    },
  };
}
