import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_API_KEY, TestStack, uniqueUser, userToken } from '../../server/test/harness.ts';
import { createGoliveClient, GoliveError } from './index.ts';

describe('@golive/sdk analytics and telemetry against a real golive', () => {
  let stack: TestStack;
  before(async () => {
    stack = await TestStack.start({ reconciler: false });
  });
  after(async () => stack?.stop());

  it('sends telemetry, and reads session stats (host only) and platform stats (the API key)', async () => {
    const host = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(uniqueUser('host')) });
    const viewer = createGoliveClient({ baseUrl: stack.baseUrl, token: await userToken(uniqueUser('viewer')) });
    const { session } = await host.createSession({ title: 'SDK stats', mode: 'broadcast', visibility: 'public' });
    await viewer.sendTelemetry(session.id, { direction: 'receive', intervalMs: 10_000, bytes: 50_000, packets: 60, packetsLost: 0 });
    const stats = await host.getSessionStats(session.id);
    assert.equal(stats.sessionId, session.id);
    assert.equal(stats.media.reports, 1);
    assert.equal(stats.media.bytesReceived, 50_000);
    const refused = await viewer.getSessionStats(session.id).catch((e: unknown) => e);
    assert.ok(refused instanceof GoliveError && refused.code === 'NOT_MODERATOR', String(refused));
    const platform = await createGoliveClient({ baseUrl: stack.baseUrl, apiKey: TEST_API_KEY }).getPlatformStats();
    assert.ok(platform.sessionsStarted >= 1);
    assert.equal(platform.peakConcurrentSessions, 1);
  });
});
