// A room that LiveKit lost (livekit-server killed and restarted: no room_finished, no rooms) comes
// back through the reconciler with the metadata that is true of its session, the recording
// consent flag included, and the flag follows the recording on the new room.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { factories } from '../../test/factories.ts';
import { eventually, TestStack } from '../../test/harness.ts';

type RoomMetadata = { sessionId: string; mode: string; recording?: boolean };

describe('room recovery on real PostgreSQL and a livekit-server that is killed', () => {
  let stack: TestStack;
  before(async () => {
    // No worker role: the recording.start effect waits for a worker, so the recording stays in
    // progress with no recorder in the room (whose own fate in an outage is not this test's), and
    // the reconciler passes are this test's runOnce calls alone.
    stack = await TestStack.start({ env: { GOLIVE_ROLES: 'web,realtime' } });
  });
  after(async () => {
    await stack?.stop();
  });

  /** The room's metadata as LiveKit's room service lists it; null while there is no room. */
  async function roomMetadata(sessionId: string): Promise<RoomMetadata | null> {
    const [room] = await stack.services.livekit.listRooms([sessionId]);
    return room ? (JSON.parse(room.metadata) as RoomMetadata) : null;
  }

  it('re-creates a lost room with its recording flag, true while a recording is on and false otherwise', async () => {
    const make = factories(stack);
    const recorded = await make.goLive({ title: 'Recorded when LiveKit dies' });
    const unrecorded = await make.goLive({ title: 'Not recorded when LiveKit dies', mode: 'interactive' });
    const started = await stack.request<{ id: string; status: string }>('POST', `/v1/sessions/${recorded.id}/recordings`, {
      token: recorded.hostToken,
      body: {},
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.status, 'recording');
    await eventually(async () => (await roomMetadata(recorded.id))?.recording === true, { what: 'the flag on the first room' });

    const crashed = stack.livekitServer.pid;
    assert.ok(crashed, 'livekit-server runs');
    process.kill(crashed, 'SIGKILL');
    // LocalLivekitServer restarts it (same port and keys), with none of the rooms.
    await eventually(
      async () => {
        const pid = stack.livekitServer.pid;
        return pid !== null && pid !== crashed && (await stack.services.livekit.listRooms()).length === 0;
      },
      { timeoutMs: 20_000, what: 'livekit-server to be back, without the rooms' },
    );

    await stack.services.reconciler.runOnce();
    await eventually(async () => (await roomMetadata(recorded.id))?.recording === true, {
      what: 'the recording flag on the re-created room',
    });
    assert.deepEqual(await roomMetadata(recorded.id), { sessionId: recorded.id, mode: 'broadcast', recording: true });
    await eventually(async () => (await roomMetadata(unrecorded.id))?.recording === false, {
      what: 'the re-created room of the session without a recording to say so',
    });
    assert.deepEqual(await roomMetadata(unrecorded.id), { sessionId: unrecorded.id, mode: 'interactive', recording: false });
    for (const id of [recorded.id, unrecorded.id]) {
      const row = await stack.services.db
        .selectFrom('sessions')
        .select(['status', 'interrupted_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'live', interrupted_at: null }, 'the session stayed live and its interruption is over');
    }

    // The new room's flag goes on following the recording.
    const stopped = await stack.request<{ status: string }>('POST', `/v1/sessions/${recorded.id}/recordings/${started.body.id}/stop`, {
      token: recorded.hostToken,
      body: {},
    });
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    await eventually(async () => (await roomMetadata(recorded.id))?.recording === false, { what: 'the flag to clear on the new room' });

    for (const session of [recorded, unrecorded]) await make.end(session);
  });
});
