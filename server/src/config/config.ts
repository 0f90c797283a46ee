import { isAbsolute, join, resolve } from 'node:path';
import { type DevSecrets, loadDevSecrets } from './dev-secrets.ts';
import { createEnvReader, type Env } from './env-reader.ts';
import { type IngestConfig, readIngestConfig } from './ingest-config.ts';
import { type LivekitConfig, readLivekitConfig } from './livekit-config.ts';
import { type RecordingConfig, readRecordingConfig, readStorageConfig, type StorageConfig } from './storage-config.ts';
import { loadWebhooksOutConfig, type WebhooksOutConfig } from './webhooks.ts';

export type { LivekitConfig } from './livekit-config.ts';

/** Where sessions, chat and events are stored. */
export type DatabaseConfig = { kind: 'postgres'; url: string; poolSize: number } | { kind: 'pglite'; dataDir: string };

export type AuthConfig = {
  /** HS256 shared secret of the host app, or null when JWKS is used. */
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  /** Claim holding the user's role(s): a string or an array of strings. */
  roleClaim: string;
  /** Value of the role claim that marks a platform admin. */
  adminRole: string;
  /** Server-to-server keys of the host app's backend. */
  apiKeys: string[];
  /** `POST /v1/dev/login` exists only when true. */
  devLogin: boolean;
};

export type SessionPolicy = {
  defaultMaxDurationSec: number;
  /** Seconds a host waits between two session starts. */
  startCooldownSec: number;
  /** Session starts allowed per user per hour. */
  startsPerHour: number;
  /** LiveKit closes a room nobody joined after this many seconds. */
  roomEmptyTimeoutSec: number;
  /** LiveKit closes a room this long after the last participant left. */
  roomDepartureTimeoutSec: number;
  tokenTtlSec: number;
};

export type EffectsConfig = {
  /** Most time between two outbox polls of a worker. */
  pollIntervalMs: number;
  /** How long a runner's claim on an effect lasts before another may take it over. */
  leaseSec: number;
  /** Finished effects are kept this long. */
  retentionSec: number;
  /** How often the reconciler checks that every live session has its LiveKit room. */
  roomCheckIntervalMs: number;
  /** A live session whose room cannot be confirmed or re-created for this long ends as room_missing. */
  roomRecoveryGraceSec: number;
  /** Every LiveKit room-service call gives up after this long (then it is retried). */
  livekitRequestTimeoutSec: number;
};

/** Chat limits (see ChatService). */
export type ChatConfig = { ratePoints: number; rateWindowSec: number; recentOnSubscribe: number; resumeLimit: number };

/** Reactions (see ReactionsService). */
export type ReactionsConfig = { set: string[]; ratePoints: number; rateWindowSec: number; flushIntervalMs: number };

/** Client telemetry (see telemetry/). */
export type TelemetryConfig = { reportsPerMinute: number };

/** What one golive process does; the same build runs any mix. */
export type Role = 'web' | 'realtime' | 'worker';
export const ROLES: readonly Role[] = ['web', 'realtime', 'worker'];

export type Config = {
  mode: 'dev' | 'production';
  /** web: HTTP API, webhooks and the web app; realtime: Socket.IO; worker: the reconciler. */
  roles: ReadonlySet<Role>;
  host: string;
  port: number;
  /** Base URL LiveKit uses to reach golive's webhook. */
  publicUrl: string;
  dataDir: string;
  database: DatabaseConfig;
  livekit: LivekitConfig;
  auth: AuthConfig;
  sessions: SessionPolicy;
  reconcileIntervalSec: number;
  /** Effects and the reconciler's lease (see effects/ and reconciler/). */
  effects: EffectsConfig;
  chat: ChatConfig;
  reactions: ReactionsConfig;
  telemetry: TelemetryConfig;
  /** Viewer-count pushes per session are at most one per this interval. */
  countersIntervalMs: number;
  /** Join facts cached in memory are re-read after this long (work/facts-cache.ts). */
  factsCacheTtlMs: number;
  /** Stage requests and invites expire after this many seconds. */
  stageRequestTtlSec: number;
  /** Events to the app: signed webhooks (webhooks-out/). */
  webhooks: WebhooksOutConfig;
  redisUrl: string | null;
  /** Where recordings are kept: an S3 bucket, or files under the data dir served by signed URL. */
  storage: StorageConfig;
  recording: RecordingConfig;
  /** WHIP and RTMP ingest (docs/ingest.md); the web role runs the RTMP listener. */
  ingest: IngestConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  corsOrigins: string[] | true;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`golive cannot start; fix the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads and validates the whole configuration once, at boot. Every problem is collected so that
 * one run shows all of them, each with the fix.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const reader = createEnvReader(env);
  const { problems, str, int, url } = reader;

  const modeRaw = str('GOLIVE_MODE') ?? 'dev';
  if (modeRaw !== 'dev' && modeRaw !== 'production') {
    problems.push(`GOLIVE_MODE=${modeRaw} is not valid: use "dev" (embedded defaults) or "production"`);
  }
  const mode = modeRaw === 'production' ? 'production' : 'dev';
  const dev = mode === 'dev';

  const port = int('PORT', 8080, 0, 65535);
  const host = str('HOST') ?? (dev ? '127.0.0.1' : '0.0.0.0');
  const dataDirRaw = str('GOLIVE_DATA_DIR') ?? '.data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const publicUrl = url('GOLIVE_PUBLIC_URL', ['http:', 'https:']) ?? `http://127.0.0.1:${port}`;

  // Dev-mode secrets are generated once and kept in the data dir, so tokens survive restarts.
  let devSecrets: DevSecrets | null = null;
  if (dev) {
    try {
      devSecrets = loadDevSecrets(dataDir);
    } catch (error) {
      problems.push(`${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  let database: DatabaseConfig;
  if (databaseUrl) {
    database = { kind: 'postgres', url: databaseUrl, poolSize: int('DATABASE_POOL_SIZE', 10, 1, 200) };
  } else {
    if (!dev && str('DATABASE_URL') === undefined) {
      problems.push('DATABASE_URL is required in production: set it to postgres://user:pass@host:5432/dbname');
    }
    database = { kind: 'pglite', dataDir: join(dataDir, 'pglite') };
  }

  const livekit = readLivekitConfig(reader, { dev, port });

  const jwksUrl = url('AUTH_JWKS_URL', ['http:', 'https:']) ?? null;
  // The generated dev secret stands in only when no verification method is configured: with
  // AUTH_JWKS_URL set, tokens must come from that JWKS, also in dev mode.
  const jwtSecret = str('AUTH_JWT_SECRET') ?? (str('AUTH_JWKS_URL') === undefined ? devSecrets?.jwtSecret : undefined) ?? null;
  if (jwtSecret !== null && jwtSecret.length < 32) {
    problems.push('AUTH_JWT_SECRET is shorter than 32 characters: use a random secret of at least 32 characters (openssl rand -base64 48)');
  }
  if (str('AUTH_JWT_SECRET') && jwksUrl) {
    problems.push('set only one of AUTH_JWT_SECRET (HS256) and AUTH_JWKS_URL (asymmetric keys), not both');
  }
  if (!jwtSecret && !jwksUrl) {
    problems.push('no way to verify user tokens: set AUTH_JWT_SECRET (HS256 shared secret) or AUTH_JWKS_URL');
  }
  const apiKeys =
    str('GOLIVE_API_KEYS')
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean) ??
    devSecrets?.apiKeys ??
    [];
  if (apiKeys.some((k) => k.length < 32)) {
    problems.push('every key in GOLIVE_API_KEYS must be at least 32 characters: generate one with openssl rand -hex 32');
  }

  const logLevel = (str('LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const cors = str('CORS_ORIGINS');
  const rolesRaw = (str('GOLIVE_ROLES') ?? ROLES.join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknownRoles = rolesRaw.filter((r) => !ROLES.includes(r as Role));
  if (unknownRoles.length > 0 || rolesRaw.length === 0) {
    problems.push(`GOLIVE_ROLES=${str('GOLIVE_ROLES')} is not valid: use a comma-separated subset of ${ROLES.join(', ')}`);
  }
  const roles = new Set(rolesRaw.filter((r): r is Role => ROLES.includes(r as Role)));
  if (roles.has('web') && !roles.has('realtime') && !str('REDIS_URL')) {
    problems.push('GOLIVE_ROLES has web without realtime: set REDIS_URL so its events reach the realtime instances (or add realtime)');
  }

  const corsOrigins: string[] | true = cors === undefined || cors === '*' ? true : cors.split(',').map((o) => o.trim());

  const reactionSet = (str('REACTIONS') ?? '❤️,🔥,👏,😂,😮')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (reactionSet.length === 0 || reactionSet.some((r) => [...r].length > 8)) {
    problems.push('REACTIONS must be a comma-separated list of short emoji, e.g. ❤️,🔥,👏');
  }

  const config: Config = {
    mode,
    roles,
    host,
    port,
    publicUrl,
    dataDir,
    database,
    livekit,
    auth: {
      jwtSecret,
      jwksUrl: str('AUTH_JWT_SECRET') ? null : jwksUrl,
      issuer: str('AUTH_JWT_ISSUER') ?? null,
      audience: str('AUTH_JWT_AUDIENCE') ?? null,
      roleClaim: str('AUTH_ROLE_CLAIM') ?? 'role',
      adminRole: str('AUTH_ADMIN_ROLE') ?? 'admin',
      apiKeys,
      // Dev tokens are HS256-signed with the secret; without one (JWKS) there is no dev login.
      devLogin: dev && jwtSecret !== null,
    },
    sessions: {
      defaultMaxDurationSec: int('SESSION_DEFAULT_MAX_DURATION_SEC', 7200, 5, 86_400),
      startCooldownSec: int('SESSION_START_COOLDOWN_SEC', 10, 0, 86_400),
      startsPerHour: int('SESSION_STARTS_PER_HOUR', 30, 1, 100_000),
      roomEmptyTimeoutSec: int('ROOM_EMPTY_TIMEOUT_SEC', 300, 1, 86_400),
      roomDepartureTimeoutSec: int('ROOM_DEPARTURE_TIMEOUT_SEC', 60, 1, 86_400),
      tokenTtlSec: int('LIVEKIT_TOKEN_TTL_SEC', 600, 30, 86_400),
    },
    reconcileIntervalSec: int('RECONCILE_INTERVAL_SEC', 15, 1, 3600),
    effects: {
      pollIntervalMs: int('OUTBOX_POLL_MS', 1000, 10, 60_000),
      leaseSec: int('OUTBOX_LEASE_SEC', 30, 1, 3600),
      retentionSec: int('OUTBOX_RETENTION_DAYS', 7, 1, 365) * 86_400,
      roomCheckIntervalMs: int('ROOM_CHECK_INTERVAL_MS', 2000, 100, 60_000),
      roomRecoveryGraceSec: int('ROOM_RECOVERY_GRACE_SEC', 60, 1, 3600),
      livekitRequestTimeoutSec: int('LIVEKIT_REQUEST_TIMEOUT_SEC', 5, 1, 120),
    },
    chat: {
      ratePoints: int('CHAT_RATE_LIMIT_MESSAGES', 5, 1, 10_000),
      rateWindowSec: int('CHAT_RATE_LIMIT_WINDOW_SEC', 10, 1, 3600),
      recentOnSubscribe: int('CHAT_RECENT_ON_SUBSCRIBE', 50, 0, 500),
      resumeLimit: int('CHAT_RESUME_LIMIT', 500, 1, 5000),
    },
    reactions: {
      set: reactionSet,
      ratePoints: int('REACTION_RATE_LIMIT', 20, 1, 10_000),
      rateWindowSec: int('REACTION_RATE_LIMIT_WINDOW_SEC', 10, 1, 3600),
      flushIntervalMs: int('REACTION_FLUSH_MS', 250, 20, 10_000),
    },
    // Clients report every 10 s per direction (a host both sends and receives): 12 a minute, with room for reconnects.
    telemetry: { reportsPerMinute: int('TELEMETRY_REPORTS_PER_MINUTE', 20, 1, 10_000) },
    countersIntervalMs: int('COUNTERS_INTERVAL_MS', 1000, 50, 60_000),
    factsCacheTtlMs: int('FACTS_CACHE_TTL_MS', 1000, 1, 3_600_000),
    stageRequestTtlSec: int('STAGE_REQUEST_TTL_SEC', 120, 5, 3600),
    webhooks: loadWebhooksOutConfig({ str, int, problems, dev }),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']) ?? null,
    storage: readStorageConfig(reader, dataDir),
    recording: readRecordingConfig(reader, dataDir),
    ingest: readIngestConfig(reader, { host }),
    logLevel,
    corsOrigins,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
