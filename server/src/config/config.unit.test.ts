import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Config, ConfigError, loadConfig } from './config.ts';

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'golive-config-test-'));
  tempDirs.push(dir);
  return dir;
}

/** The problems loadConfig reports for env; fails the test when it does not throw a ConfigError. */
function problemsOf(env: Record<string, string>, cwd = tempDir()): string[] {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.message, /fix the configuration/);
    for (const problem of error.problems) assert.ok(error.message.includes(problem), 'the message lists every problem');
    return error.problems;
  }
  assert.fail(`expected loadConfig to reject ${JSON.stringify(env)}`);
}

/** Asserts exactly one problem mentions `variable` and that it says how to fix it (matches `fix`). */
function assertProblem(problems: string[], variable: string, fix: RegExp): void {
  const found = problems.filter((p) => p.includes(variable));
  assert.equal(found.length, 1, `one problem about ${variable} in ${JSON.stringify(problems)}`);
  assert.match(found[0] ?? '', fix);
}

const LIVEKIT = {
  LIVEKIT_URL: 'wss://livekit.example.com',
  LIVEKIT_API_KEY: 'APIexample',
  LIVEKIT_API_SECRET: 'x'.repeat(40),
};
const PRODUCTION = {
  GOLIVE_MODE: 'production',
  DATABASE_URL: 'postgres://golive:pw@db.internal:5432/golive',
  AUTH_JWT_SECRET: 's'.repeat(40),
  ...LIVEKIT,
};

describe('loadConfig with no environment (embedded defaults)', () => {
  it('runs in dev mode on PGlite under <cwd>/.data, an embedded livekit-server and the dev login', () => {
    const cwd = tempDir();
    const config = loadConfig({}, cwd);
    assert.equal(config.mode, 'dev');
    assert.equal(config.host, '127.0.0.1', 'dev mode listens on loopback only');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, join(cwd, '.data'));
    assert.deepEqual(config.database, { kind: 'pglite', dataDir: join(cwd, '.data', 'pglite') });
    assert.deepEqual(config.livekit, { kind: 'embedded', binary: 'livekit-server', port: 0, prometheusPort: null });
    assert.equal(config.publicUrl, 'http://127.0.0.1:8080', 'the embedded livekit-server posts webhooks here');
    assert.equal(config.auth.devLogin, true);
    assert.equal(config.auth.jwksUrl, null);
    assert.equal(config.redisUrl, null);
    assert.equal(config.sessions.defaultMaxDurationSec, 7200, 'the default max length is 2 h');
  });

  it('generates dev secrets once, stores them with mode 0600 and reuses them on the next load', () => {
    const cwd = tempDir();
    const first = loadConfig({}, cwd);
    const file = join(cwd, '.data', 'dev-secrets.json');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner can read the secrets');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string; apiKeys: string[] };
    assert.equal(stored.jwtSecret, first.auth.jwtSecret);
    assert.deepEqual(stored.apiKeys, first.auth.apiKeys);
    assert.ok((first.auth.jwtSecret ?? '').length >= 32);
    assert.equal(first.auth.apiKeys.length, 1);
    assert.ok((first.auth.apiKeys[0] ?? '').length >= 32);

    const second = loadConfig({}, cwd);
    assert.equal(second.auth.jwtSecret, first.auth.jwtSecret, 'dev tokens survive a restart');
    assert.deepEqual(second.auth.apiKeys, first.auth.apiKeys);

    const elsewhere = loadConfig({}, tempDir());
    assert.notEqual(elsewhere.auth.jwtSecret, first.auth.jwtSecret, 'each data dir has its own secrets');
  });

  it('keeps the data dir where GOLIVE_DATA_DIR says, relative to cwd or absolute', () => {
    const cwd = tempDir();
    assert.equal(loadConfig({ GOLIVE_DATA_DIR: 'state' }, cwd).dataDir, join(cwd, 'state'));
    const absolute = join(tempDir(), 'abs');
    const config = loadConfig({ GOLIVE_DATA_DIR: absolute }, cwd);
    assert.equal(config.dataDir, absolute);
    assert.deepEqual(config.database, { kind: 'pglite', dataDir: join(absolute, 'pglite') });
    statSync(join(absolute, 'dev-secrets.json'));
  });

  it('treats empty and blank variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', LIVEKIT_URL: '  ', AUTH_JWT_SECRET: '', PORT: '' }, tempDir());
    assert.equal(config.database.kind, 'pglite');
    assert.equal(config.livekit.kind, 'embedded');
    assert.equal(config.port, 8080);
    assert.ok(config.auth.jwtSecret, 'the dev secret stands in for an empty AUTH_JWT_SECRET');
  });

  it('rejects a damaged dev-secrets.json with a message that says to delete it', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, '.data'));
    writeFileSync(join(cwd, '.data', 'dev-secrets.json'), '{"jwtSecret": "short"');
    const problems = problemsOf({}, cwd);
    assertProblem(problems, 'dev-secrets.json', /delete it/);
  });

  it('rejects a data dir it cannot write with a message naming GOLIVE_DATA_DIR', () => {
    const cwd = tempDir();
    const blocker = join(cwd, 'not-a-dir');
    writeFileSync(blocker, 'a file where the data dir should be');
    assertProblem(problemsOf({ GOLIVE_DATA_DIR: blocker }, cwd), 'GOLIVE_DATA_DIR', /writable folder/);
  });
});

describe('loadConfig in production', () => {
  it('accepts a complete production environment', () => {
    const config: Config = loadConfig({ ...PRODUCTION, GOLIVE_API_KEYS: `${'k'.repeat(32)}, ${'j'.repeat(40)}`, PORT: '9000' }, tempDir());
    assert.equal(config.mode, 'production');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 9000);
    assert.deepEqual(config.database, { kind: 'postgres', url: PRODUCTION.DATABASE_URL, poolSize: 10 });
    assert.deepEqual(config.livekit, {
      kind: 'external',
      url: 'wss://livekit.example.com',
      clientUrl: 'wss://livekit.example.com',
      apiKey: 'APIexample',
      apiSecret: LIVEKIT.LIVEKIT_API_SECRET,
    });
    assert.equal(config.auth.devLogin, false, 'no dev login outside dev mode');
    assert.deepEqual(config.auth.apiKeys, ['k'.repeat(32), 'j'.repeat(40)]);
  });

  it('does not write dev secrets in production', () => {
    const cwd = tempDir();
    loadConfig(PRODUCTION, cwd);
    assert.throws(() => statSync(join(cwd, '.data', 'dev-secrets.json')), { code: 'ENOENT' });
  });

  it('lists every missing setting at once, each naming its variable and how to fix it', () => {
    const problems = problemsOf({ GOLIVE_MODE: 'production' });
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assertProblem(problems, 'DATABASE_URL', /set it to postgres:\/\//);
    assertProblem(problems, 'LIVEKIT_URL', /LIVEKIT_API_KEY and LIVEKIT_API_SECRET .*set them.*wss:\/\//);
    assertProblem(problems, 'AUTH_JWT_SECRET', /set AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
  });

  it('names each missing LiveKit setting when only some are given', () => {
    const onlyUrl = problemsOf({ ...PRODUCTION, LIVEKIT_API_KEY: '', LIVEKIT_API_SECRET: '' });
    assert.equal(onlyUrl.length, 2, JSON.stringify(onlyUrl));
    assertProblem(onlyUrl, 'LIVEKIT_API_KEY is missing', /set it to the key/);
    assertProblem(onlyUrl, 'LIVEKIT_API_SECRET is missing', /set it to the secret/);

    const onlyKeys = problemsOf({ ...PRODUCTION, LIVEKIT_URL: '' });
    assert.equal(onlyKeys.length, 1, JSON.stringify(onlyKeys));
    assertProblem(onlyKeys, 'LIVEKIT_URL is missing', /wss:\/\//);

    // Partial LiveKit settings are an error in dev mode too: golive never half-uses an external LiveKit.
    const dev = problemsOf({ LIVEKIT_API_KEY: 'APIexample' });
    assert.equal(dev.length, 2, JSON.stringify(dev));
  });

  it('rejects short secrets and keys', () => {
    const problems = problemsOf({
      ...PRODUCTION,
      LIVEKIT_API_SECRET: 'short',
      AUTH_JWT_SECRET: 'also-short',
      GOLIVE_API_KEYS: `${'k'.repeat(32)},tiny`,
    });
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assertProblem(problems, 'LIVEKIT_API_SECRET', /shorter than 32/);
    assertProblem(problems, 'AUTH_JWT_SECRET', /at least 32 characters/);
    assertProblem(problems, 'GOLIVE_API_KEYS', /at least 32 characters.*openssl rand/);
  });

  it('refuses both AUTH_JWT_SECRET and AUTH_JWKS_URL', () => {
    const problems = problemsOf({ ...PRODUCTION, AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0] ?? '', /only one of AUTH_JWT_SECRET .* and AUTH_JWKS_URL/);
  });

  it('accepts AUTH_JWKS_URL alone and then has no shared secret', () => {
    const jwks = 'https://idp.example.com/.well-known/jwks.json';
    const config = loadConfig(
      { ...PRODUCTION, AUTH_JWT_SECRET: '', AUTH_JWKS_URL: jwks, AUTH_JWT_ISSUER: 'https://idp.example.com/' },
      tempDir(),
    );
    assert.equal(config.auth.jwksUrl, jwks);
    assert.equal(config.auth.jwtSecret, null);
    assert.equal(config.auth.issuer, 'https://idp.example.com/');
  });
});

describe('loadConfig in dev mode with AUTH_JWKS_URL', () => {
  it('verifies with the JWKS only: the generated dev secret is not a second way in, and there is no dev login', () => {
    const config = loadConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }, tempDir());
    assert.equal(config.auth.jwksUrl, 'http://127.0.0.1:9/jwks.json');
    assert.equal(config.auth.jwtSecret, null);
    assert.equal(config.auth.devLogin, false);
  });
});

describe('loadConfig rejects malformed values', () => {
  it('rejects ports and numbers that are not whole numbers in range', () => {
    for (const bad of ['80a', '-1', '65536', '1.5', '0x1F', '1e3', 'eighty']) {
      const problems = problemsOf({ PORT: bad });
      assertProblem(problems, `PORT=${bad}`, /whole number from 0 to 65535/);
    }
    const problems = problemsOf({ LIVEKIT_TOKEN_TTL_SEC: '5', SESSION_DEFAULT_MAX_DURATION_SEC: 'two hours', DATABASE_POOL_SIZE: '0' });
    assertProblem(problems, 'LIVEKIT_TOKEN_TTL_SEC=5', /from 30 to 86400/);
    assertProblem(problems, 'SESSION_DEFAULT_MAX_DURATION_SEC', /whole number/);
    // DATABASE_POOL_SIZE is read only with DATABASE_URL.
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assertProblem(problemsOf({ DATABASE_URL: 'postgres://localhost/db', DATABASE_POOL_SIZE: '0' }), 'DATABASE_POOL_SIZE', /from 1 to 200/);
  });

  it('serves the embedded livekit-server metrics only when LIVEKIT_PROMETHEUS_PORT is set, and limits telemetry per minute', () => {
    const embedded = loadConfig({ LIVEKIT_PROMETHEUS_PORT: '6789', TELEMETRY_REPORTS_PER_MINUTE: '6' }, tempDir());
    assert.deepEqual(embedded.livekit, { kind: 'embedded', binary: 'livekit-server', port: 0, prometheusPort: 6789 });
    assert.equal(embedded.telemetry.reportsPerMinute, 6);
    assert.equal(loadConfig({}, tempDir()).telemetry.reportsPerMinute, 20);
    const problems = problemsOf({ LIVEKIT_PROMETHEUS_PORT: '0', TELEMETRY_REPORTS_PER_MINUTE: 'lots' });
    assertProblem(problems, 'LIVEKIT_PROMETHEUS_PORT=0', /from 1 to 65535/);
    assertProblem(problems, 'TELEMETRY_REPORTS_PER_MINUTE', /whole number from 1/);
  });

  it('accepts a whole number with surrounding spaces', () => {
    assert.equal(loadConfig({ PORT: ' 9090 ' }, tempDir()).port, 9090);
  });

  it('rejects PORT=0 with the embedded livekit-server, whose webhooks need a real port', () => {
    assertProblem(problemsOf({ PORT: '0' }), 'PORT=0', /set PORT to a fixed port/);
    assert.equal(loadConfig({ ...PRODUCTION, PORT: '0' }, tempDir()).port, 0, 'an external LiveKit does not need it');
  });

  it('rejects URLs with the wrong scheme or no scheme, naming the schemes to use', () => {
    const problems = problemsOf({
      ...PRODUCTION,
      DATABASE_URL: 'mysql://db/golive',
      LIVEKIT_URL: 'livekit.example.com',
      REDIS_URL: 'http://127.0.0.1:6379',
      GOLIVE_PUBLIC_URL: 'ftp://golive',
    });
    assertProblem(problems, 'DATABASE_URL', /postgres:\/\/ or postgresql:\/\//);
    assertProblem(problems, 'LIVEKIT_URL', /ws:\/\/ or wss:\/\//);
    assertProblem(problems, 'REDIS_URL', /redis:\/\/ or rediss:\/\//);
    assertProblem(problems, 'GOLIVE_PUBLIC_URL', /http:\/\/ or https:\/\//);
    assert.equal(problems.length, 4, `an invalid DATABASE_URL is not also reported missing: ${JSON.stringify(problems)}`);
  });

  it('rejects an unknown GOLIVE_MODE and LOG_LEVEL', () => {
    const problems = problemsOf({ GOLIVE_MODE: 'prod', LOG_LEVEL: 'verbose' });
    assertProblem(problems, 'GOLIVE_MODE=prod', /"dev" .* or "production"/);
    assertProblem(problems, 'LOG_LEVEL', /one of fatal, error/);
  });

  it('turns http LiveKit URLs into ws URLs for clients and strips trailing slashes', () => {
    const config = loadConfig({ ...PRODUCTION, LIVEKIT_URL: 'https://livekit.example.com/' }, tempDir());
    assert.ok(config.livekit.kind === 'external');
    assert.equal(config.livekit.url, 'https://livekit.example.com');
    assert.equal(config.livekit.clientUrl, 'wss://livekit.example.com');
  });
});

describe('loadConfig: recording storage', () => {
  const S3 = {
    GOLIVE_STORAGE_URL: 's3://golive-recordings/prod/eu',
    GOLIVE_S3_ENDPOINT: 'http://127.0.0.1:7070/',
    GOLIVE_S3_REGION: 'eu-west-1',
    GOLIVE_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    GOLIVE_S3_SECRET_ACCESS_KEY: 'secret-example',
  };

  it('with no setting, recordings are files under the data dir, signed with a generated secret', () => {
    const cwd = tempDir();
    const config = loadConfig({}, cwd);
    assert.deepEqual(config.storage, { kind: 'local', dir: join(cwd, '.data', 'recordings'), signingSecret: null });
  });

  it('file:///folder names another folder; GOLIVE_STORAGE_SIGNING_SECRET is used when set', () => {
    const config = loadConfig(
      { GOLIVE_STORAGE_URL: 'file:///var/lib/golive/recordings', GOLIVE_STORAGE_SIGNING_SECRET: 'z'.repeat(40) },
      tempDir(),
    );
    assert.deepEqual(config.storage, { kind: 'local', dir: '/var/lib/golive/recordings', signingSecret: 'z'.repeat(40) });
  });

  it('s3://bucket/prefix with endpoint, region and keys; path-style by default with a custom endpoint', () => {
    const config = loadConfig({ ...PRODUCTION, ...S3 }, tempDir());
    assert.deepEqual(config.storage, {
      kind: 's3',
      bucket: 'golive-recordings',
      prefix: 'prod/eu',
      endpoint: 'http://127.0.0.1:7070',
      region: 'eu-west-1',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret-example',
      forcePathStyle: true,
    });
    const aws = loadConfig({ ...PRODUCTION, GOLIVE_STORAGE_URL: 's3://golive-recordings' }, tempDir());
    assert.ok(aws.storage.kind === 's3');
    assert.deepEqual(
      [aws.storage.prefix, aws.storage.endpoint, aws.storage.region, aws.storage.accessKeyId, aws.storage.forcePathStyle],
      ['', null, 'us-east-1', null, false],
      'AWS itself: default region, the SDK credential chain, virtual-hosted style',
    );
    const virtual = loadConfig({ ...PRODUCTION, ...S3, GOLIVE_S3_FORCE_PATH_STYLE: 'false' }, tempDir());
    assert.ok(virtual.storage.kind === 's3' && virtual.storage.forcePathStyle === false);
  });

  it('rejects a bad storage URL, bucket name, region, half a key pair and a stray path-style value, each with its fix', () => {
    assertProblem(problemsOf({ GOLIVE_STORAGE_URL: 'gs://bucket' }), 'GOLIVE_STORAGE_URL', /s3:\/\/bucket\/prefix .* file:\/\/\//);
    assertProblem(problemsOf({ GOLIVE_STORAGE_URL: 's3://Bad_Bucket/x' }), 'GOLIVE_STORAGE_URL', /3 to 63 lowercase letters/);
    assertProblem(problemsOf({ GOLIVE_STORAGE_URL: 's3://key:secret@bucket/x' }), 'GOLIVE_STORAGE_URL', /GOLIVE_S3_ACCESS_KEY_ID/);
    assertProblem(problemsOf({ GOLIVE_STORAGE_URL: 'file://relative/dir' }), 'GOLIVE_STORAGE_URL', /absolute folder/);
    const problems = problemsOf({
      ...S3,
      GOLIVE_S3_REGION: 'EU West',
      GOLIVE_S3_SECRET_ACCESS_KEY: '',
      GOLIVE_S3_FORCE_PATH_STYLE: 'maybe',
      GOLIVE_S3_ENDPOINT: 'ftp://s3',
    });
    assertProblem(problems, 'GOLIVE_S3_REGION', /us-east-1/);
    assertProblem(problems, 'GOLIVE_S3_SECRET_ACCESS_KEY is missing', /together/);
    assertProblem(problems, 'GOLIVE_S3_FORCE_PATH_STYLE', /true or false/);
    assertProblem(problems, 'GOLIVE_S3_ENDPOINT', /http:\/\/ or https:\/\//);
  });

  it('S3 settings without an s3:// URL, or a signing secret with S3, are refused rather than ignored', () => {
    assertProblem(problemsOf({ GOLIVE_S3_ENDPOINT: 'http://127.0.0.1:7070' }), 'GOLIVE_S3_ENDPOINT', /set GOLIVE_STORAGE_URL=s3:\/\//);
    assertProblem(
      problemsOf({ ...S3, GOLIVE_STORAGE_SIGNING_SECRET: 'z'.repeat(40) }),
      'GOLIVE_STORAGE_SIGNING_SECRET',
      /only applies to local/,
    );
    assertProblem(problemsOf({ GOLIVE_STORAGE_SIGNING_SECRET: 'short' }), 'GOLIVE_STORAGE_SIGNING_SECRET', /32 characters/);
  });
});

describe('loadConfig: the recorder', () => {
  it('defaults fit a 2-core machine: 1280x720 at 30 fps, veryfast, CRF 23, 4 s segments, 2 at once, 15 min playback URLs', () => {
    const cwd = tempDir();
    const { recording } = loadConfig({}, cwd);
    assert.deepEqual(recording, {
      maxConcurrent: 2,
      encoder: {
        width: 1280,
        height: 720,
        fps: 30,
        preset: 'veryfast',
        crf: 23,
        videoBitrateKbps: null,
        audioBitrateKbps: 96,
        threads: 0,
        segmentSec: 4,
      },
      playbackUrlTtlSec: 900,
      retentionDays: 0,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      workDir: join(cwd, '.data', 'recording-work'),
    });
  });

  it('takes encoder settings, the cap and retention from the environment', () => {
    const { recording } = loadConfig(
      {
        RECORDING_WIDTH: '640',
        RECORDING_HEIGHT: '360',
        RECORDING_FPS: '24',
        RECORDING_PRESET: 'superfast',
        RECORDING_VIDEO_BITRATE_KBPS: '1200',
        RECORDING_MAX_CONCURRENT: '0',
        RECORDING_RETENTION_DAYS: '30',
        RECORDING_SEGMENT_SEC: '6',
      },
      tempDir(),
    );
    assert.deepEqual(
      [
        recording.encoder.width,
        recording.encoder.height,
        recording.encoder.fps,
        recording.encoder.preset,
        recording.encoder.videoBitrateKbps,
      ],
      [640, 360, 24, 'superfast', 1200],
    );
    assert.deepEqual([recording.maxConcurrent, recording.retentionDays, recording.encoder.segmentSec], [0, 30, 6]);
  });

  it('rejects odd sizes, unknown presets, out-of-range numbers and a relative work dir', () => {
    const problems = problemsOf({
      RECORDING_WIDTH: '641',
      RECORDING_PRESET: 'placebo',
      RECORDING_CRF: '60',
      RECORDING_VIDEO_BITRATE_KBPS: '50',
      RECORDING_MAX_CONCURRENT: '-1',
      RECORDING_WORK_DIR: 'tmp/rec',
    });
    assertProblem(problems, 'RECORDING_WIDTH and RECORDING_HEIGHT', /even numbers/);
    assertProblem(problems, 'RECORDING_PRESET', /one of ultrafast, superfast, veryfast/);
    assertProblem(problems, 'RECORDING_CRF', /0 to 51/);
    assertProblem(problems, 'RECORDING_VIDEO_BITRATE_KBPS', /at least 100/);
    assertProblem(problems, 'RECORDING_MAX_CONCURRENT', /0 to 64/);
    assertProblem(problems, 'RECORDING_WORK_DIR', /absolute/);
  });
});

describe('loadConfig: ingest (WHIP and RTMP)', () => {
  it('defaults: RTMP on 1935 at the HTTP bind address, 2 relays, the URL from GOLIVE_PUBLIC_URL; 30 WHIP offers a minute', () => {
    const dev = loadConfig({}, tempDir()).ingest;
    assert.deepEqual(dev, {
      whipPostsPerMinute: 30,
      rtmp: { maxConcurrent: 2, host: '127.0.0.1', port: 1935, app: 'live', publicUrl: null },
    });
    const production = loadConfig(PRODUCTION, tempDir()).ingest;
    assert.equal(production.rtmp.host, '0.0.0.0', 'production binds every interface, as HTTP does');
  });

  it('takes the port, bind address, limit and the public URL (whose path names the RTMP application)', () => {
    const { ingest } = loadConfig(
      {
        RTMP_PORT: '1936',
        RTMP_HOST: '10.0.0.5',
        RTMP_MAX_CONCURRENT: '0',
        RTMP_PUBLIC_URL: 'rtmps://ingest.example.com:443/obs/',
        WHIP_POSTS_PER_MINUTE: '10',
      },
      tempDir(),
    );
    assert.deepEqual(ingest, {
      whipPostsPerMinute: 10,
      rtmp: { maxConcurrent: 0, host: '10.0.0.5', port: 1936, app: 'obs', publicUrl: 'rtmps://ingest.example.com:443/obs' },
    });
  });

  it('rejects a public URL that is not rtmp://host/app, one with credentials or a key, and out-of-range numbers', () => {
    for (const bad of ['https://ingest.example.com/live', 'rtmp://ingest.example.com', 'rtmp://ingest.example.com/live/streamkey']) {
      assertProblem(problemsOf({ RTMP_PUBLIC_URL: bad }), 'RTMP_PUBLIC_URL', /e\.g\. rtmp:\/\/ingest\.example\.com:1935\/live/);
    }
    assertProblem(
      problemsOf({ RTMP_PUBLIC_URL: 'rtmp://user:pw@ingest.example.com/live' }),
      'RTMP_PUBLIC_URL',
      /stream key as the stream name/,
    );
    const problems = problemsOf({ RTMP_PORT: '70000', RTMP_MAX_CONCURRENT: '-1', WHIP_POSTS_PER_MINUTE: '0' });
    assertProblem(problems, 'RTMP_PORT', /0 to 65535/);
    assertProblem(problems, 'RTMP_MAX_CONCURRENT', /0 to 64/);
    assertProblem(problems, 'WHIP_POSTS_PER_MINUTE', /1 to 100000/);
  });
});
