import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { eventually, TEST_API_KEY, TEST_JWT_SECRET, TestStack, uniqueUser, userToken } from '../../test/harness.ts';

// Capture everything golive logs, down to trace, so the redaction check sees every line.
process.env.GOLIVE_TEST_LOG_LEVEL = 'trace';

type Grant = { token: string; role: string; session: { id: string } };
type Ready = { status: string; checks: { database: string; livekit: string } };

/**
 * The sum of a metric's samples whose labels include `labels`, from Prometheus text format.
 * Missing samples count as 0, so a counter that never moved reads 0.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[3]);
  }
  return total;
}

describe('ops endpoints, metrics and logs on real PostgreSQL and livekit-server', () => {
  let stack: TestStack;
  const metrics = async () => {
    const res = await fetch(`${stack.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const body = { title: 'Ops probe', mode: 'broadcast', visibility: 'public' };

  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => stack?.stop());

  it('/healthz answers 200 without credentials', async () => {
    const res = await stack.request<{ status: string }>('GET', '/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });

  it('/readyz is 200 when the database and LiveKit answer', async () => {
    const res = await stack.request<Ready>('GET', '/readyz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ready', checks: { database: 'ok', livekit: 'ok' } });
  });

  it('reports that LiveKit answers, and the PostgreSQL pool filling up', async () => {
    const idle = await metrics();
    assert.equal(sample(idle, 'golive_livekit_up'), 1);
    assert.ok(sample(idle, 'golive_livekit_requests_total', { method: 'ListRooms', outcome: 'ok' }) >= 1, 'the readiness probe counted');
    assert.equal(sample(idle, 'golive_db_pool_max_connections'), 10, 'DATABASE_POOL_SIZE of the test stack');
    // Twelve slow queries on a pool of ten: every connection busy, two queries queued.
    const slow = Array.from({ length: 12 }, () => sql`select pg_sleep(1)`.execute(stack.services.db));
    const saturated = await eventually(
      async () => {
        const text = await metrics();
        return sample(text, 'golive_db_pool_waiting_requests') >= 2 && text;
      },
      { what: 'queries waiting for a connection', intervalMs: 20 },
    );
    assert.equal(sample(saturated, 'golive_db_pool_connections'), 10);
    assert.equal(sample(saturated, 'golive_db_pool_idle_connections'), 0);
    await Promise.all(slow);
    const after = await eventually(
      async () => {
        const text = await metrics();
        return sample(text, 'golive_db_pool_waiting_requests') === 0 && text;
      },
      { what: 'the queue to drain' },
    );
    assert.ok(sample(after, 'golive_db_pool_idle_connections') >= 1);
  });

  it('/metrics declares every golive metric', async () => {
    const text = await metrics();
    for (const [name, type] of [
      ['golive_live_sessions', 'gauge'],
      ['golive_live_viewers', 'gauge'],
      ['golive_session_duration_seconds', 'histogram'],
      ['golive_tokens_issued_total', 'counter'],
      ['golive_session_start_failures_total', 'counter'],
      ['golive_session_start_refusals_total', 'counter'],
      ['golive_livekit_webhook_events_total', 'counter'],
      ['golive_livekit_up', 'gauge'],
      ['golive_livekit_requests_total', 'counter'],
      ['golive_db_pool_connections', 'gauge'],
      ['golive_db_pool_idle_connections', 'gauge'],
      ['golive_db_pool_waiting_requests', 'gauge'],
      ['golive_db_pool_max_connections', 'gauge'],
      ['golive_telemetry_reports_total', 'counter'],
      ['golive_client_frames_dropped_total', 'counter'],
      ['golive_client_bitrate_kbps', 'histogram'],
      ['golive_http_request_duration_seconds', 'histogram'],
    ] as const) {
      assert.match(text, new RegExp(`^# TYPE ${name.replace(/_total$/, '(_total)?')} ${type}$`, 'm'), `${name} is a ${type}`);
    }
  });

  it('moves the session, token, webhook and HTTP metrics with real actions', async () => {
    const before = await metrics();
    const host = await userToken(uniqueUser('host'));
    const created = await stack.request<Grant>('POST', '/v1/sessions', { token: host, body });
    assert.equal(created.status, 201);
    const sessionId = created.body.session.id;
    const viewer = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, { token: await userToken(uniqueUser('v')) });
    assert.equal(viewer.status, 200);
    const admin = await stack.request<Grant>('POST', `/v1/sessions/${sessionId}/join`, {
      token: await userToken(uniqueUser('admin'), { admin: true }),
    });
    assert.equal(admin.body.role, 'observer');

    const live = await metrics();
    assert.equal(sample(live, 'golive_live_sessions'), sample(before, 'golive_live_sessions') + 1);
    // A token alone is no viewer: only a LiveKit connection (its webhook) counts.
    assert.equal(sample(live, 'golive_live_viewers'), sample(before, 'golive_live_viewers'));
    for (const role of ['host', 'viewer', 'observer']) {
      assert.equal(
        sample(live, 'golive_tokens_issued_total', { role }),
        sample(before, 'golive_tokens_issued_total', { role }) + 1,
        `one ${role} token counted`,
      );
    }
    const created201 = { method: 'POST', route: '/v1/sessions', status_code: '201' };
    assert.equal(
      sample(live, 'golive_http_request_duration_seconds_count', created201),
      sample(before, 'golive_http_request_duration_seconds_count', created201) + 1,
    );
    assert.ok(sample(live, 'golive_http_request_duration_seconds_sum', created201) > 0);
    // Creating the room makes LiveKit post room_started to golive.
    await eventually(async () => sample(await metrics(), 'golive_livekit_webhook_events_total', { event: 'room_started' }) >= 1, {
      what: 'the room_started webhook to be counted',
    });

    const ended = await stack.request('POST', `/v1/sessions/${sessionId}/end`, { token: host, body: { reason: 'done' } });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const afterEnd = await metrics();
    assert.equal(sample(afterEnd, 'golive_live_sessions'), sample(before, 'golive_live_sessions'));
    assert.equal(
      sample(afterEnd, 'golive_session_duration_seconds_count', { reason_kind: 'user' }),
      sample(before, 'golive_session_duration_seconds_count', { reason_kind: 'user' }) + 1,
    );
    assert.ok(sample(afterEnd, 'golive_session_duration_seconds_sum') > sample(before, 'golive_session_duration_seconds_sum'));
  });

  it('counts a room_finished webhook that ends a session as applied', async () => {
    const before = await metrics();
    const created = await stack.request<Grant>('POST', '/v1/sessions', { token: await userToken(uniqueUser('host')), body });
    assert.equal(created.status, 201);
    // Deleting the room behind golive's back: LiveKit's room_finished webhook is what ends the session.
    await stack.services.livekit.deleteRoom(created.body.session.id);
    const finished = { event: 'room_finished', result: 'applied' };
    const text = await eventually(
      async () => {
        const t = await metrics();
        return (
          sample(t, 'golive_livekit_webhook_events_total', finished) > sample(before, 'golive_livekit_webhook_events_total', finished) && t
        );
      },
      { what: 'room_finished counted as applied' },
    );
    assert.equal(
      sample(text, 'golive_session_duration_seconds_count', { reason_kind: 'system' }),
      sample(before, 'golive_session_duration_seconds_count', { reason_kind: 'system' }) + 1,
    );
    assert.equal(sample(text, 'golive_live_sessions'), sample(before, 'golive_live_sessions'));
  });

  it('never logs user JWTs, API keys, the LiveKit API secret or minted LiveKit tokens; logs are JSON lines with request ids', async () => {
    const userJwt = await userToken(uniqueUser('secretive'));
    const minted: string[] = [];
    const created = await stack.request<Grant>('POST', '/v1/sessions', { token: userJwt, body });
    assert.equal(created.status, 201);
    minted.push(created.body.token);
    const viaKey = await stack.request<Grant>('POST', `/v1/sessions/${created.body.session.id}/join`, {
      headers: { 'x-api-key': TEST_API_KEY, 'x-golive-user': uniqueUser('k') },
    });
    assert.equal(viaKey.status, 200);
    minted.push(viaKey.body.token);
    // Credentials in places they do not belong must not leak either: a query string and a rejected key.
    await stack.request('GET', `/v1/sessions?token=${userJwt}&access_token=${userJwt}&api_key=${TEST_API_KEY}`, { token: userJwt });
    await stack.request('GET', '/v1/sessions', { headers: { 'x-api-key': `${TEST_API_KEY}-wrong` } });
    const login = await stack.request<{ token: string }>('POST', '/v1/dev/login', { body: { name: 'Logger' } });
    minted.push(login.body.token);
    await stack.request('POST', `/v1/sessions/${created.body.session.id}/end`, { token: userJwt, body: {} });

    const text = stack.logs.text();
    assert.ok(text.length > 0, 'golive logged something');
    const secrets = {
      'user JWT': userJwt,
      'API key': TEST_API_KEY,
      'JWT secret': TEST_JWT_SECRET,
      'LiveKit API secret': stack.livekitServer.endpoint.apiSecret,
      ...Object.fromEntries(minted.map((t, i) => [`minted token ${i}`, t])),
    };
    for (const [what, secret] of Object.entries(secrets)) {
      assert.ok(secret.length >= 32);
      assert.equal(text.includes(secret), false, `the ${what} appears in the logs`);
      // A JWT's signature alone is enough to replay nothing, but its payload+signature is; check the signature too.
      const tail = secret.split('.').at(-1) ?? secret;
      assert.equal(text.includes(tail), false, `part of the ${what} appears in the logs`);
    }

    const lines = stack.logs.lines.flatMap((chunk) => chunk.split('\n')).filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg?: string; reqId?: string; req?: { url: string } });
    // One line per request, when it completes (http/request-logging.ts).
    const incoming = entries.filter((e) => e.msg === 'request completed');
    assert.ok(incoming.length >= 5, 'requests are logged');
    assert.equal(entries.filter((e) => e.msg === 'incoming request').length, 0, 'one line per request, not two');
    for (const entry of incoming) assert.match(entry.reqId ?? '', /^[0-9a-f-]{36}$/, 'each request line carries its request id');
    assert.ok(
      incoming.some((e) => e.req?.url.startsWith('/v1/sessions?token=[redacted]')),
      'the query string is kept with its values redacted',
    );
  });

  it('answers a client-sent X-Request-Id in error bodies and logs', async () => {
    const requestId = `req-${uniqueUser()}`;
    const res = await stack.request<{ requestId: string; code: string }>('GET', '/v1/sessions', { headers: { 'x-request-id': requestId } });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'UNAUTHENTICATED');
    assert.equal(res.body.requestId, requestId);
    assert.ok(stack.logs.text().includes(`"reqId":"${requestId}"`));
  });

  // Last: stops this stack's livekit-server.
  it('/readyz is 503 with a clear LiveKit check when LiveKit is down, and a failed start is counted', async () => {
    const before = await metrics();
    await stack.livekitServer.stop();
    const res = await stack.request<Ready>('GET', '/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.body.status, 'not_ready');
    assert.equal(res.body.checks.database, 'ok');
    assert.match(res.body.checks.livekit, /ECONNREFUSED/, 'the check says why LiveKit is not ready');
    assert.equal((await stack.request('GET', '/healthz')).status, 200, 'the process itself is still healthy');

    const start = await stack.request<{ code: string }>('POST', '/v1/sessions', { token: await userToken(uniqueUser('host')), body });
    assert.equal(start.status, 503);
    assert.equal(start.body.code, 'LIVEKIT_UNAVAILABLE');
    const after = await metrics();
    assert.equal(
      sample(after, 'golive_session_start_failures_total', { reason: 'livekit' }),
      sample(before, 'golive_session_start_failures_total', { reason: 'livekit' }) + 1,
    );
    assert.equal(sample(after, 'golive_live_sessions'), sample(before, 'golive_live_sessions'), 'nothing was written');
    assert.equal(sample(after, 'golive_livekit_up'), 0, 'LiveKit is reported unreachable');
    assert.ok(sample(after, 'golive_livekit_requests_total', { method: 'CreateRoom', outcome: 'unreachable' }) >= 1);
    // The failure is kept, so the platform's start failure rate covers it.
    const platform = await stack.request<{ sessionsFailed: number; sessionsStarted: number; startFailureRate: number }>(
      'GET',
      '/v1/admin/stats',
      {
        headers: { 'x-api-key': TEST_API_KEY },
      },
    );
    assert.equal(platform.status, 200);
    assert.equal(platform.body.sessionsFailed, 1);
    assert.ok(platform.body.sessionsStarted >= 3);
    assert.equal(platform.body.startFailureRate, Math.round((1 / (platform.body.sessionsStarted + 1)) * 10_000) / 10_000);
  });
});
