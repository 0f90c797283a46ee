import { isIP } from 'node:net';
import { hostOf, refusalOf } from '../webhooks-out/address-policy.ts';

/** Events to the app (webhooks-out/). */
export type WebhooksOutConfig = {
  /** GOLIVE_WEBHOOK_URL: endpoints kept from the environment, all signed with envSecret. */
  envUrls: string[];
  envSecret: string | null;
  /** Delay before each retry after the first, immediate attempt. */
  retryScheduleMs: number[];
  /** One attempt gives up after this long. */
  timeoutMs: number;
  /** Private, link-local and metadata addresses allowed (GOLIVE_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Loopback allowed: dev mode, or allowPrivate. */
  allowLoopback: boolean;
  /** Deliveries and their attempts are kept this long. */
  retentionSec: number;
  /** An endpoint whose every attempt failed for this long is disabled. */
  disableAfterFailingSec: number;
  /** After a rotation the old secret signs too, this long. */
  secretOverlapSec: number;
};

/** The schedule: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1s,1s,2s" → [1000, 1000, 2000]; null when any step is not a duration. */
export function parseSchedule(raw: string): number[] | null {
  const steps = raw.split(',').map((s) => s.trim());
  const out: number[] = [];
  for (const step of steps) {
    const m = /^(\d{1,7})(ms|s|m|h)$/.exec(step);
    if (!m) return null;
    out.push(Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0));
  }
  return out;
}

/** whsec_ then base64 of 24 to 64 random bytes, as Standard Webhooks libraries read it. */
export function isWebhookSecret(secret: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m?.[1]) return false;
  const bytes = Buffer.from(m[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

type Read = {
  str(name: string): string | undefined;
  int(name: string, fallback: number, min: number, max: number): number;
  problems: string[];
  dev: boolean;
};

export function loadWebhooksOutConfig({ str, int, problems, dev }: Read): WebhooksOutConfig {
  const allowPrivate = str('GOLIVE_WEBHOOK_ALLOW_PRIVATE') === 'true';
  if (!['true', 'false', undefined].includes(str('GOLIVE_WEBHOOK_ALLOW_PRIVATE'))) {
    problems.push('GOLIVE_WEBHOOK_ALLOW_PRIVATE must be true or false');
  }
  const policy = { allowPrivate, allowLoopback: dev || allowPrivate };

  const envUrls: string[] = [];
  for (const raw of (str('GOLIVE_WEBHOOK_URL') ?? '').split(',').map((u) => u.trim())) {
    if (!raw) continue;
    let parsed: URL | null = null;
    try {
      parsed = new URL(raw);
    } catch {}
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      problems.push(`GOLIVE_WEBHOOK_URL has ${raw}, which is not an http(s) URL: use e.g. https://app.example.com/hooks/golive`);
      continue;
    }
    // A literal address is checked here; a name is checked each time it is resolved, at delivery.
    const host = hostOf(parsed);
    const reason = isIP(host) ? refusalOf(policy, host) : host === 'localhost' ? refusalOf(policy, '127.0.0.1') : null;
    if (reason) {
      problems.push(`GOLIVE_WEBHOOK_URL ${raw} is refused in production: ${reason}`);
      continue;
    }
    envUrls.push(parsed.toString());
  }
  const envSecret = str('GOLIVE_WEBHOOK_SECRET') ?? null;
  const secretFix = 'generate one with: echo "whsec_$(openssl rand -base64 32)"';
  if (envUrls.length > 0 && !envSecret) problems.push(`GOLIVE_WEBHOOK_URL is set without GOLIVE_WEBHOOK_SECRET: ${secretFix}`);
  if (envSecret && !isWebhookSecret(envSecret)) {
    problems.push(`GOLIVE_WEBHOOK_SECRET must be whsec_ followed by base64 of 24 to 64 random bytes: ${secretFix}`);
  }
  if (envSecret && !str('GOLIVE_WEBHOOK_URL')) {
    problems.push('GOLIVE_WEBHOOK_SECRET is set but GOLIVE_WEBHOOK_URL is not: set the URL(s) to deliver to, or unset the secret');
  }

  const scheduleRaw = str('GOLIVE_WEBHOOK_RETRY_SCHEDULE') ?? DEFAULT_RETRY_SCHEDULE;
  let retryScheduleMs = parseSchedule(scheduleRaw);
  if (!retryScheduleMs || retryScheduleMs.length > 20 || retryScheduleMs.some((ms) => ms > 86_400_000)) {
    problems.push(
      `GOLIVE_WEBHOOK_RETRY_SCHEDULE=${scheduleRaw} is not valid: give the delays before each retry, comma-separated, each a number with ms, s, m or h, at most 20 and each at most 24h (default ${DEFAULT_RETRY_SCHEDULE})`,
    );
    retryScheduleMs = parseSchedule(DEFAULT_RETRY_SCHEDULE) ?? [];
  }

  return {
    envUrls,
    envSecret: envSecret && isWebhookSecret(envSecret) ? envSecret : null,
    retryScheduleMs,
    timeoutMs: int('GOLIVE_WEBHOOK_TIMEOUT_SEC', 15, 1, 120) * 1000,
    allowPrivate,
    allowLoopback: policy.allowLoopback,
    retentionSec: int('GOLIVE_WEBHOOK_RETENTION_DAYS', 30, 1, 3650) * 86_400,
    disableAfterFailingSec: int('GOLIVE_WEBHOOK_DISABLE_AFTER_SEC', 5 * 86_400, 60, 365 * 86_400),
    secretOverlapSec: int('GOLIVE_WEBHOOK_SECRET_OVERLAP_SEC', 86_400, 0, 30 * 86_400),
  };
}
