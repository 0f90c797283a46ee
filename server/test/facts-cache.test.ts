// Join at memory speed, across instances: instance B keeps a session's join facts in memory, and a
// demotion, a ban or an end committed on instance A reaches B's joins within the stated bound
// (LISTEN/NOTIFY), also after B's LISTEN connection is killed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ADMIN_DSN, eventually, TestStack, uniqueUser, userToken } from './harness.ts';
import { liveSession } from './realtime-clients.ts';

/** docs/architecture.md: the listener's heartbeat (2 s) plus its timeout (1 s). */
const BOUND_MS = 3_000;

type Grant = { role: string };

describe('join facts cached on each instance, invalidated across instances', () => {
  let a: TestStack;
  let b: TestStack;
  before(async () => {
    // A long TTL: only LISTEN/NOTIFY can bring a change to B within the bound.
    a = await TestStack.start({ reconciler: false, env: { FACTS_CACHE_TTL_MS: '600000' } });
    b = await TestStack.start({
      env: { FACTS_CACHE_TTL_MS: '600000' },
      databaseUrl: a.databaseUrl,
      livekit: { server: a.livekitServer, endpoint: a.livekitServer.endpoint },
      reconciler: false,
    });
    await eventually(() => b.services.factsCache.trusted, { what: 'B to LISTEN' });
  });
  after(async () => {
    await b?.stopApp();
    await a?.stop();
  });

  const hits = async (stack: TestStack) =>
    (await stack.services.metrics.factsCache.get()).values.find((v) => v.labels.result === 'hit')?.value ?? 0;
  const joinOn = (stack: TestStack, sessionId: string, token: string) =>
    stack.request<Grant & { code?: string }>('POST', `/v1/sessions/${sessionId}/join`, { token });

  /** Joins on B until `done` holds; returns how long after `changedAt` that took. */
  async function reachedB(
    sessionId: string,
    token: string,
    changedAt: number,
    done: (res: { status: number; body: Grant & { code?: string } }) => boolean,
  ) {
    await eventually(async () => done(await joinOn(b, sessionId, token)), {
      timeoutMs: BOUND_MS,
      intervalMs: 20,
      what: 'the change to reach B',
    });
    return performance.now() - changedAt;
  }

  it('a demotion, a ban and an end on A reach joins on B within the bound; joins on B are served from memory', async (t) => {
    const { id, hostToken } = await liveSession(a);
    const guestId = uniqueUser('guest');
    const guestToken = await userToken(guestId);
    assert.equal(
      (await a.request('PUT', `/v1/sessions/${id}/participants/${guestId}/role`, { token: hostToken, body: { role: 'guest' } })).status,
      200,
    );
    assert.equal((await joinOn(b, id, guestToken)).body.role, 'guest');
    const before = await hits(b);
    assert.equal((await joinOn(b, id, guestToken)).body.role, 'guest');
    assert.equal(await hits(b), before + 1, 'the second join on B came from memory');

    const demotedAt = performance.now();
    assert.equal(
      (await a.request('PUT', `/v1/sessions/${id}/participants/${guestId}/role`, { token: hostToken, body: { role: 'viewer' } })).status,
      200,
    );
    const demoteMs = await reachedB(id, guestToken, demotedAt, (res) => res.body.role === 'viewer');

    const viewerId = uniqueUser('viewer');
    const viewerToken = await userToken(viewerId);
    assert.equal((await joinOn(b, id, viewerToken)).status, 200);
    const bannedAt = performance.now();
    assert.equal((await a.request('POST', `/v1/sessions/${id}/bans`, { token: hostToken, body: { userId: viewerId } })).status, 201);
    const banMs = await reachedB(id, viewerToken, bannedAt, (res) => res.status === 403 && res.body.code === 'BANNED');

    const endedAt = performance.now();
    assert.equal((await a.request('POST', `/v1/sessions/${id}/end`, { token: hostToken })).status, 200);
    const endMs = await reachedB(id, guestToken, endedAt, (res) => res.status === 410 && res.body.code === 'SESSION_ENDED');
    t.diagnostic(`on B after the change on A: demotion ${demoteMs.toFixed(1)} ms, ban ${banMs.toFixed(1)} ms, end ${endMs.toFixed(1)} ms`);
  });

  it('when B’s LISTEN connection is killed, B reads through until it listens again, and never serves a stale role', async () => {
    const { id, hostToken } = await liveSession(a);
    const guestId = uniqueUser('guest');
    const guestToken = await userToken(guestId);
    await a.request('PUT', `/v1/sessions/${id}/participants/${guestId}/role`, { token: hostToken, body: { role: 'guest' } });
    assert.equal((await joinOn(b, id, guestToken)).body.role, 'guest');

    const admin = new pg.Client({ connectionString: ADMIN_DSN });
    await admin.connect();
    try {
      const dbName = new URL(a.databaseUrl).pathname.slice(1);
      const killed = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'golive-listen-golive_facts'",
        [dbName],
      );
      assert.equal(killed.rowCount, 2, 'both instances’ listeners were killed');
    } finally {
      await admin.end();
    }
    await eventually(() => !b.services.factsCache.trusted, { what: 'B to notice its listener is gone' });
    // Changed while B cannot hear about it: B must read it from the database.
    await a.request('PUT', `/v1/sessions/${id}/participants/${guestId}/role`, { token: hostToken, body: { role: 'viewer' } });
    assert.equal((await joinOn(b, id, guestToken)).body.role, 'viewer');
    await eventually(() => b.services.factsCache.trusted, { timeoutMs: 15_000, what: 'B to LISTEN again' });
    assert.equal((await joinOn(b, id, guestToken)).body.role, 'viewer');
  });
});
