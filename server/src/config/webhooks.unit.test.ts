import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { isWebhookSecret, parseSchedule } from './webhooks.ts';

const dir = mkdtempSync(join(tmpdir(), 'golive-webhooks-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PRODUCTION = {
  GOLIVE_MODE: 'production',
  DATABASE_URL: 'postgres://golive:pw@db.internal:5432/golive',
  AUTH_JWT_SECRET: 's'.repeat(40),
  LIVEKIT_URL: 'wss://livekit.example.com',
  LIVEKIT_API_KEY: 'APIexample',
  LIVEKIT_API_SECRET: 'x'.repeat(40),
};
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const load = (env: Record<string, string>) => loadConfig(env, dir).webhooks;
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, dir);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return assert.fail('expected a ConfigError');
}

describe('webhook configuration', () => {
  it('defaults to the issue’s schedule, 15 s, 30 days of deliveries, 5 days to disable, a 24 h overlap, no endpoint', () => {
    const dev = load({});
    assert.deepEqual(dev.retryScheduleMs, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    assert.equal(dev.timeoutMs, 15_000);
    assert.equal(dev.retentionSec, 30 * 86_400);
    assert.equal(dev.disableAfterFailingSec, 5 * 86_400);
    assert.equal(dev.secretOverlapSec, 86_400);
    assert.deepEqual([dev.envUrls, dev.envSecret], [[], null]);
    assert.deepEqual([dev.allowPrivate, dev.allowLoopback], [false, true], 'dev mode allows loopback');
    const production = load(PRODUCTION);
    assert.deepEqual([production.allowPrivate, production.allowLoopback], [false, false]);
    assert.deepEqual([load({ ...PRODUCTION, GOLIVE_WEBHOOK_ALLOW_PRIVATE: 'true' }).allowLoopback], [true]);
  });

  it('takes one or several GOLIVE_WEBHOOK_URL with their secret, and a test schedule', () => {
    const c = load({
      GOLIVE_WEBHOOK_URL: 'https://a.example.com/hooks, https://b.example.com/golive',
      GOLIVE_WEBHOOK_SECRET: SECRET,
      GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,1s,2s',
    });
    assert.deepEqual(c.envUrls, ['https://a.example.com/hooks', 'https://b.example.com/golive']);
    assert.equal(c.envSecret, SECRET);
    assert.deepEqual(c.retryScheduleMs, [1000, 1000, 2000]);
  });

  it('refuses at boot, saying how to fix it: a URL without secret, a bad secret, a secret without URL, a bad URL or schedule', () => {
    const noSecret = problems({ GOLIVE_WEBHOOK_URL: 'https://a.example.com/hooks' });
    assert.match(
      noSecret.join('\n'),
      /GOLIVE_WEBHOOK_URL is set without GOLIVE_WEBHOOK_SECRET: generate one with: echo "whsec_\$\(openssl rand -base64 32\)"/,
    );
    const badSecret = problems({ GOLIVE_WEBHOOK_URL: 'https://a.example.com/hooks', GOLIVE_WEBHOOK_SECRET: 'hunter2' });
    assert.match(badSecret.join('\n'), /GOLIVE_WEBHOOK_SECRET must be whsec_/);
    assert.ok(!badSecret.join('\n').includes('hunter2'), 'the secret is not echoed');
    assert.match(problems({ GOLIVE_WEBHOOK_SECRET: SECRET }).join('\n'), /GOLIVE_WEBHOOK_URL is not/);
    assert.match(problems({ GOLIVE_WEBHOOK_URL: 'ftp://a.example.com', GOLIVE_WEBHOOK_SECRET: SECRET }).join('\n'), /not an http\(s\) URL/);
    assert.match(problems({ GOLIVE_WEBHOOK_RETRY_SCHEDULE: '1s,soon' }).join('\n'), /GOLIVE_WEBHOOK_RETRY_SCHEDULE=1s,soon is not valid/);
    assert.match(problems({ GOLIVE_WEBHOOK_ALLOW_PRIVATE: 'yes' }).join('\n'), /must be true or false/);
  });

  it('refuses in production a GOLIVE_WEBHOOK_URL on a loopback or private address, unless private ones are allowed', () => {
    for (const url of [
      'http://127.0.0.1:9000/h',
      'http://localhost/h',
      'http://10.0.0.5/h',
      'http://169.254.169.254/latest',
      'http://[::1]/h',
    ]) {
      const found = problems({ ...PRODUCTION, GOLIVE_WEBHOOK_URL: url, GOLIVE_WEBHOOK_SECRET: SECRET });
      assert.match(found.join('\n'), /is refused in production: .* GOLIVE_WEBHOOK_ALLOW_PRIVATE=true/, url);
    }
    const allowed = load({
      ...PRODUCTION,
      GOLIVE_WEBHOOK_URL: 'http://10.0.0.5/h',
      GOLIVE_WEBHOOK_SECRET: SECRET,
      GOLIVE_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    assert.deepEqual(allowed.envUrls, ['http://10.0.0.5/h']);
    assert.deepEqual(load({ GOLIVE_WEBHOOK_URL: 'http://127.0.0.1:9000/h', GOLIVE_WEBHOOK_SECRET: SECRET }).envUrls, [
      'http://127.0.0.1:9000/h',
    ]);
  });

  it('reads durations and Standard Webhooks secrets', () => {
    assert.deepEqual(parseSchedule('250ms,5s,5m,2h'), [250, 5000, 300_000, 7_200_000]);
    assert.equal(parseSchedule('5'), null);
    assert.ok(isWebhookSecret(SECRET));
    assert.ok(!isWebhookSecret(`whsec_${Buffer.alloc(8).toString('base64')}`), 'too short');
    assert.ok(!isWebhookSecret(Buffer.alloc(32).toString('base64')), 'no prefix');
  });
});
