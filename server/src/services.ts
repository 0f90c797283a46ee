import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { migrateToLatest, openDatabase } from './adapters/database.ts';
import { LivekitAdapter, type LivekitEndpoint } from './adapters/livekit.ts';
import { LocalLivekitServer } from './adapters/livekit-process.ts';
import { PgListener } from './adapters/pg-listener.ts';
import { createStorage, type ObjectStorage } from './adapters/storage.ts';
import { Authenticator } from './auth/authenticator.ts';
import { ChatService } from './chat/chat.service.ts';
import type { Config } from './config/config.ts';
import type { Database } from './db/schema.ts';
import { EffectRunner } from './effects/effect-runner.ts';
import { createEffectHandlers } from './effects/handlers.ts';
import { outboxStats } from './effects/outbox.repository.ts';
import { IngestService } from './ingest/ingest.service.ts';
import { WHIP_PATH } from './ingest/whip.routes.ts';
import { WhipProxy } from './ingest/whip-proxy.ts';
import { PgWhipResourceStore } from './ingest/whip-resources.repository.ts';
import { ModerationService } from './moderation/moderation.service.ts';
import { LivekitReachability } from './ops/livekit-reachability.ts';
import { createMetrics, type Metrics } from './ops/metrics.ts';
import { rederivePeak } from './presence/presence.ts';
import { ReactionsService } from './reactions/reactions.service.ts';
import { RateLimits } from './realtime/rate-limits.ts';
import { SessionBroadcaster } from './realtime/session-broadcaster.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { RoomRecovery } from './reconciler/room-recovery.ts';
import { RecorderPool } from './recording/recorder-pool.ts';
import { RecordingsService } from './recordings/recordings.service.ts';
import { RecordingsWorker } from './recordings/recordings.worker.ts';
import { ReportsService } from './reports/reports.service.ts';
import { Lease } from './scheduling/lease.ts';
import { SessionQueries } from './sessions/sessions.queries.ts';
import { SessionsService } from './sessions/sessions.service.ts';
import { StageService } from './stage/stage.service.ts';
import { StatsService } from './stats/stats.service.ts';
import { TelemetryService } from './telemetry/telemetry.service.ts';
import { WebhooksService } from './webhooks/webhooks.service.ts';
import { WebhookDeliverer } from './webhooks-out/delivery.handler.ts';
import { syncEnvEndpoints } from './webhooks-out/endpoints.repository.ts';
import { WebhookSender } from './webhooks-out/http-sender.ts';
import { Signer } from './webhooks-out/signer.ts';
import { WebhooksOutService } from './webhooks-out/webhooks-out.service.ts';
import { FactsCache } from './work/facts-cache.ts';
import { FACTS_CHANNEL, UnitOfWork } from './work/unit-of-work.ts';

/** Everything golive runs on, wired once, here, and handed down explicitly. */
export type Services = {
  /** This process, as it signs outbox claims and leases. */
  instanceId: string;
  db: Kysely<Database>;
  redis: Redis | null;
  livekit: LivekitAdapter;
  /** The supervised livekit-server in dev mode; null with an external LiveKit. */
  localLivekit: LocalLivekitServer | null;
  authenticator: Authenticator;
  /** Recordings: an S3 bucket, or files in the data dir served by signed URL. */
  storage: ObjectStorage;
  /** The recorders this process runs (capped by RECORDING_MAX_CONCURRENT). */
  recorders: RecorderPool;
  /** Recordings through the API: start, stop, list, playback, visibility, deletion, replays. */
  recordings: RecordingsService;
  /** The worker side of recordings: runs recorders, finalizes, adopts orphans, retention. */
  recordingsWorker: RecordingsWorker;
  metrics: Metrics;
  work: UnitOfWork;
  effects: EffectRunner;
  /** Join facts in memory, kept current by LISTEN golive_facts (PostgreSQL) or in-process (PGlite). */
  factsCache: FactsCache;
  sessions: SessionsService;
  queries: SessionQueries;
  webhooks: WebhooksService;
  reconciler: Reconciler;
  /** Pushes session events to realtime subscribers once buildApp attaches the Socket.IO server. */
  broadcaster: SessionBroadcaster;
  chat: ChatService;
  reactions: ReactionsService;
  stage: StageService;
  moderation: ModerationService;
  reports: ReportsService;
  /** The host's ingest from OBS or an encoder: keys, state, and this instance's RTMP listener. */
  ingest: IngestService;
  /** Forwards WHIP exchanges to LiveKit, with the resources in PostgreSQL. */
  whip: WhipProxy;
  /** Starts the web role's RTMP listener (ingest), where RTMP_MAX_CONCURRENT is above 0. */
  startRtmp(): Promise<void>;
  stats: StatsService;
  telemetry: TelemetryService;
  /** Events to the app: webhook endpoints and the delivery log. */
  webhooksOut: WebhooksOutService;
  /** Starts the worker role's background work: the outbox poller and the reconciler. */
  startWorker(): Promise<void>;
  /** Stops background work and closes connections, in reverse order of creation. */
  close(): Promise<void>;
};

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { db, poolStats } = await openDatabase(config.database);
  await migrateToLatest(db);
  const metrics = createMetrics({
    liveSessions: async () => {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'live')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    liveViewers: async () => {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.sum<string>('viewer_count').as('n'))
        .where('status', '=', 'live')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    outbox: () => outboxStats(db),
    livekitReachable: () => reachability.reachable(),
    databasePool: poolStats,
    recorders: () => recorders.stats(),
  });
  // The probe uses the adapter built below; it runs only once a scrape asks.
  const reachability = new LivekitReachability(() => livekit.listRooms(['golive-readiness-probe']));

  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 }) : null;

  let localLivekit: LocalLivekitServer | null = null;
  let endpoint: LivekitEndpoint;
  if (config.livekit.kind === 'embedded') {
    localLivekit = new LocalLivekitServer({
      binary: config.livekit.binary,
      port: config.livekit.port,
      webhookUrl: `${config.publicUrl}/v1/livekit/webhook`,
      logger: logger.child({ component: 'livekit-server' }),
      ...(config.livekit.prometheusPort === null ? {} : { prometheusPort: config.livekit.prometheusPort }),
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
  const livekit = new LivekitAdapter(endpoint, {
    requestTimeoutSec: config.effects.livekitRequestTimeoutSec,
    observe: (method, outcome) => {
      metrics.livekitRequests.inc({ method, outcome });
      reachability.record(outcome);
    },
  });
  const storage = createStorage(config.storage, { publicUrl: config.publicUrl, dataDir: config.dataDir });
  const recorders = new RecorderPool({ config: config.recording, storage, logger: logger.child({ component: 'recorder' }) });
  const authenticator = new Authenticator(config.auth);
  const rateLimits = new RateLimits(redis);
  const broadcaster = new SessionBroadcaster({
    db,
    logger: logger.child({ component: 'realtime' }),
    countersIntervalMs: config.countersIntervalMs,
  });

  await syncEnvEndpoints(db, config.webhooks.envUrls, config.webhooks.envSecret);
  const webhookSender = new WebhookSender({ policy: config.webhooks, timeoutMs: config.webhooks.timeoutMs });
  const deliverer = new WebhookDeliverer({
    db,
    sender: webhookSender,
    signer: new Signer(),
    metrics,
    logger: logger.child({ component: 'webhooks-out' }),
    disableAfterFailingSec: config.webhooks.disableAfterFailingSec,
  });
  const effects: EffectRunner = new EffectRunner({
    db,
    // session.expire needs the sessions service, which is built on the unit of work below; the
    // runner only calls handlers once everything here is wired.
    handlers: createEffectHandlers({
      livekit,
      broadcaster,
      expireSession: (id: string) => sessions.expire(id),
      rederivePeak: (id: string) => work.change(id, { subjects: [], lean: true }, rederivePeak),
      deliverWebhook: (effect, run) => deliverer.deliver(effect, run),
      recordings: {
        start: (e) => recordingsWorker.start(e),
        stop: (e) => recordingsWorker.stop(e),
        deleteFiles: (e) => recordingsWorker.deleteFiles(e),
      },
    }),
    metrics,
    logger: logger.child({ component: 'effects' }),
    holder: instanceId,
    leaseMs: config.effects.leaseSec * 1000,
    pollIntervalMs: config.effects.pollIntervalMs,
    retryPolicies: { 'webhook.deliver': { scheduleMs: config.webhooks.retryScheduleMs } },
  });
  // With PostgreSQL other instances may change facts: the cache is trusted only while LISTEN runs.
  // PGlite is one process: every change passes through this unit of work.
  const factsCache = new FactsCache({ db, metrics, ttlMs: config.factsCacheTtlMs, trusted: config.database.kind === 'pglite' });
  const factsListener =
    config.database.kind === 'postgres'
      ? new PgListener({
          url: config.database.url,
          channel: FACTS_CHANNEL,
          onNotify: (payload) => factsCache.onNotify(payload),
          onState: (state) => (state === 'connected' ? factsCache.trust() : factsCache.distrust()),
          logger: logger.child({ component: 'facts-listener' }),
        })
      : null;
  await factsListener?.start();
  const work: UnitOfWork = new UnitOfWork({ db, runner: effects, broadcaster, factsCache, logger: logger.child({ component: 'work' }) });
  const recordings = new RecordingsService({
    db,
    work,
    storage,
    config: config.recording,
    logger: logger.child({ component: 'recordings' }),
  });
  const recordingsWorker: RecordingsWorker = new RecordingsWorker({
    db,
    work,
    livekit,
    recorders,
    storage,
    config: config.recording,
    instanceId,
    isWorker: config.roles.has('worker'),
    metrics,
    logger: logger.child({ component: 'recordings' }),
  });
  const sessions: SessionsService = new SessionsService({
    db,
    work,
    factsCache,
    livekit,
    policy: config.sessions,
    metrics,
    logger: logger.child({ component: 'sessions' }),
  });
  const queries = new SessionQueries({ db, work });
  const reconciler = new Reconciler({
    db,
    work,
    livekit,
    recovery: new RoomRecovery({
      work,
      livekit,
      sessions,
      metrics,
      logger: logger.child({ component: 'reconciler' }),
      graceMs: config.effects.roomRecoveryGraceSec * 1000,
    }),
    lease: new Lease({ db, name: 'reconciler', holder: instanceId, ttlMs: Math.max(10_000, config.effects.roomCheckIntervalMs * 5) }),
    metrics,
    logger: logger.child({ component: 'reconciler' }),
    roomCheckMs: config.effects.roomCheckIntervalMs,
    syncMs: config.reconcileIntervalSec * 1000,
    outboxRetentionSec: config.effects.retentionSec,
    webhookRetentionSec: config.webhooks.retentionSec,
  });
  const chat = new ChatService({ db, work, rateLimits, policy: config.chat });
  const stage = new StageService({ db, work, policy: { requestTtlSec: config.stageRequestTtlSec } });
  const moderation = new ModerationService({ db, work, livekit, logger: logger.child({ component: 'moderation' }) });
  const reports = new ReportsService({ db, work });
  const ingest = new IngestService({
    db,
    work,
    livekit,
    config: config.ingest,
    publicUrl: config.publicUrl,
    ffmpegPath: config.recording.ffmpegPath,
    logger: logger.child({ component: 'ingest' }),
  });
  const whip = new WhipProxy({
    livekitUrl: endpoint.apiUrl,
    resources: new PgWhipResourceStore(db),
    resourcePath: (id) => `/v1${WHIP_PATH}/${id}`,
  });
  const stats = new StatsService({ db, work });
  const telemetry = new TelemetryService({ db, work, metrics });
  const webhooksOut = new WebhooksOutService({ db, runner: effects, config: config.webhooks });
  const webhooks = new WebhooksService({ work, sessions, recordings, metrics, logger: logger.child({ component: 'webhooks' }) });
  const reactions = new ReactionsService({
    db,
    rateLimits,
    broadcaster,
    policy: config.reactions,
    logger: logger.child({ component: 'reactions' }),
  });

  return {
    instanceId,
    db,
    redis,
    livekit,
    localLivekit,
    authenticator,
    storage,
    recorders,
    recordings,
    recordingsWorker,
    metrics,
    work,
    effects,
    factsCache,
    sessions,
    queries,
    webhooks,
    reconciler,
    broadcaster,
    chat,
    reactions,
    stage,
    moderation,
    reports,
    ingest,
    whip,
    startRtmp: () => ingest.startRtmp(),
    stats,
    telemetry,
    webhooksOut,
    async startWorker() {
      effects.start();
      recordingsWorker.startTicking();
      await reconciler.start();
    },
    async close() {
      // First, while LiveKit, storage and the database are still there: each RTMP encoder is
      // dropped with its last status recorded, each recorder stores its last segment.
      await ingest.stopRtmp();
      await recordingsWorker.stopTicking();
      await recorders.stopAll();
      await reconciler.stop();
      await effects.stop();
      await factsListener?.stop();
      webhookSender.close();
      await reactions.stop();
      broadcaster.detach();
      await localLivekit?.stop();
      redis?.disconnect();
      await db.destroy();
    },
  };
}
