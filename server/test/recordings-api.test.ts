// Recordings through the API on real parts, once with local files and once with S3 (versitygw):
// a task session (the agent hosts, the requester is allowlisted), the agent publishing changing
// video and a tone with rtc-node, startRecording → the recorder runs on the worker → stopRecording
// → ready; the file probed and looked at; playback URLs for the requester and not for a stranger;
// the chat replay's offsets; deletion. Then: ending the session finishes a running recording.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UserPrincipal } from '../src/auth/principal.ts';
import { createLogger } from '../src/logger.ts';
import { probeMedia } from '../src/recording/media-probe.ts';
import { layoutStage } from '../src/recording/recorder-layout.ts';
import { recordingKeys } from '../src/recording/recording-keys.ts';
import { RecordingsWorker } from '../src/recordings/recordings.worker.ts';
import { eventually, type TestStack, uniqueUser } from './harness.ts';
import { connectParticipant, publishSyntheticVideo } from './media.ts';
import { RealtimeClients } from './realtime-clients.ts';
import { stampAt, TEST_ENCODER } from './recording-media.ts';
import {
  client,
  type Grant,
  participants,
  type RecordingBody,
  scratch,
  startStack,
  stops,
  taskSession,
  waitForStatus,
} from './recordings-fixtures.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

for (const kind of ['local', 's3'] as const) {
  describe(`recordings API (${kind === 'local' ? 'local files' : 'S3 on versitygw'})`, () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack(kind);
    });
    after(async () => {
      await stack.services.recorders.stopAll();
    });

    it('start → recording → stop → ready: a playable MP4 for the requester, 403 for a stranger, the chat replay in step', async () => {
      const api = client(stack);
      const { sessionId, agentId, requesterId } = await taskSession(stack);
      const stranger = uniqueUser('stranger');

      assert.equal(
        (await api('POST', `/v1/sessions/${sessionId}/recordings`, requesterId, {})).status,
        403,
        'the requester may not record',
      );
      const started = await api<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {});
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.equal(started.body.status, 'recording');
      assert.ok(!Number.isNaN(Date.parse(started.body.startedAt)));
      const recordingId = started.body.id;
      const again = await api<{ code: string }>('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {});
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'RECORDING_IN_PROGRESS');

      const recorder = await eventually(() => stack.services.recorders.get(recordingId), { what: 'the worker to run the recorder' });
      await eventually(() => recorder.stats().videoSources === 1, { what: 'the recorder to see the agent', timeoutMs: 10_000 });
      const recorderStartedAt = recorder.startedAt.getTime();

      // Chat during the recording: one message kept and pinned, one deleted.
      const author = (userId: string): UserPrincipal => ({ kind: 'user', userId, name: userId, isAdmin: false, via: 'apiKey' });
      await eventually(() => recorder.writtenSec >= 1.5, { what: '1.5 s of recording' });
      const kept = await stack.services.chat.send(author(requesterId), sessionId, 'hello at second two');
      const keptAt = Date.now();
      await stack.services.chat.pin(author(agentId), sessionId, kept.id);
      const doomed = await stack.services.chat.send(author(agentId), sessionId, 'soon deleted');
      await eventually(() => recorder.writtenSec >= 4, { what: '4 s of recording' });
      await stack.services.chat.delete(author(agentId), sessionId, doomed.id);
      const deletedAt = Date.now();
      await eventually(() => recorder.writtenSec >= 6, { what: '6 s of recording', timeoutMs: 15_000 });

      const stopCalledAt = Date.now();
      const stopped = await api<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings/${recordingId}/stop`, agentId, {});
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      assert.equal(stopped.body.status, 'processing');
      const stopAgain = await api<{ code: string }>('POST', `/v1/sessions/${sessionId}/recordings/${recordingId}/stop`, agentId, {});
      assert.equal(stopAgain.body.code, 'RECORDING_NOT_RECORDING');

      const ready = await waitForStatus(stack, sessionId, recordingId, agentId, 'ready');
      const recordedSec = (stopCalledAt - recorderStartedAt) / 1000;
      assert.ok(ready.durationSec !== null && Math.abs(ready.durationSec - recordedSec) <= 1, `${ready.durationSec} s vs ${recordedSec} s`);
      assert.ok((ready.sizeBytes ?? 0) > 10_000);
      assert.equal(ready.interrupted, false);
      assert.equal(Date.parse(ready.startedAt), recorderStartedAt, 'startedAt is the recording’s time 0');

      // Playback: the requester gets a signed URL; the file is H.264 + AAC of the right length, and not one still.
      const playback = await api<{ url: string; expiresAt: string }>('GET', `/v1/recordings/${recordingId}/playback`, requesterId);
      assert.equal(playback.status, 200, JSON.stringify(playback.body));
      const expiresInSec = (Date.parse(playback.body.expiresAt) - Date.now()) / 1000;
      assert.ok(expiresInSec > 880 && expiresInSec <= 900, `15 min by default: ${expiresInSec}`);
      const file = join(scratch, `${recordingId}.mp4`);
      const res = await fetch(playback.body.url);
      assert.equal(res.status, 200);
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
      const probe = await probeMedia('ffprobe', file);
      assert.deepEqual(probe.streams.map((st) => `${st.type}:${st.codec}`).sort(), ['audio:aac', 'video:h264'], JSON.stringify(probe));
      assert.ok(Math.abs(probe.durationSec - recordedSec) <= 1, `${probe.durationSec} s vs ${recordedSec} s`);
      const [early, late] = [await stampAt(file, 1), await stampAt(file, -1)];
      assert.ok(early !== null && late !== null && late - early > 60, `frames change: ${early} → ${late}`);
      const ranged = await fetch(playback.body.url, { headers: { range: 'bytes=0-99' } });
      assert.equal(ranged.status, 206, 'players seek');

      // Refused: a stranger, a tampered URL, the file without a signature.
      const strangers = await api<{ code: string }>('GET', `/v1/recordings/${recordingId}/playback`, stranger);
      assert.equal(strangers.status, 403);
      const tampered = new URL(playback.body.url);
      const sig = kind === 's3' ? 'X-Amz-Signature' : 'signature';
      tampered.searchParams.set(sig, `${tampered.searchParams.get(sig)?.slice(0, -2)}xx`);
      assert.equal((await fetch(tampered)).status, 403, 'tampered');
      const bare = new URL(playback.body.url);
      bare.search = '';
      assert.equal((await fetch(bare)).status, 403, 'no signature');
      const expired = await stack.services.storage.presign(recordingKeys(recordingId).file, 1);
      await new Promise((r) => setTimeout(r, 2_100));
      assert.equal((await fetch(expired.url)).status, 403, 'expired');

      // The chat replay: offsets from time 0, the deletion and the pin as they were.
      const chat = await api<{
        messages: { id: string; offsetMs: number; text: string; deletedOffsetMs?: number }[];
        pins: { messageId: string; pinnedOffsetMs: number; unpinnedOffsetMs?: number }[];
      }>('GET', `/v1/recordings/${recordingId}/chat`, requesterId);
      assert.equal(chat.status, 200, JSON.stringify(chat.body));
      const keptReplay = chat.body.messages.find((m) => m.id === kept.id);
      const doomedReplay = chat.body.messages.find((m) => m.id === doomed.id);
      assert.ok(keptReplay && doomedReplay);
      assert.ok(Math.abs(keptReplay.offsetMs - (keptAt - recorderStartedAt)) < 500, `${keptReplay.offsetMs}`);
      assert.equal(keptReplay.deletedOffsetMs, undefined);
      assert.ok(
        doomedReplay.deletedOffsetMs !== undefined && Math.abs(doomedReplay.deletedOffsetMs - (deletedAt - recorderStartedAt)) < 500,
      );
      assert.equal(chat.body.pins.length, 1);
      assert.equal(chat.body.pins[0]?.messageId, kept.id);
      assert.equal(chat.body.pins[0]?.unpinnedOffsetMs, undefined, 'still pinned when the recording ended');
      assert.equal((await api('GET', `/v1/recordings/${recordingId}/chat`, stranger)).status, 403);

      // Replays: the requester's list has it, the stranger's does not; public is not enough in a private session.
      const replays = await api<{ items: { id: string; session: { title: string; host: { id: string } } }[] }>(
        'GET',
        '/v1/recordings',
        requesterId,
      );
      const mine = replays.body.items.find((r) => r.id === recordingId);
      assert.equal(mine?.session.title, 'Recorded task');
      assert.equal(mine?.session.host.id, agentId);
      const patched = await api<RecordingBody>('PATCH', `/v1/recordings/${recordingId}`, agentId, { visibility: 'public' });
      assert.equal(patched.body.visibility, 'public');
      assert.equal((await api('PATCH', `/v1/recordings/${recordingId}`, requesterId, { visibility: 'private' })).status, 403);
      const strangerReplays = await api<{ items: { id: string }[] }>('GET', '/v1/recordings', stranger);
      assert.ok(!strangerReplays.body.items.some((r) => r.id === recordingId));
      assert.equal((await api('GET', `/v1/recordings/${recordingId}/playback`, stranger)).status, 403);

      // Deleting removes the row and the files.
      assert.equal((await api('DELETE', `/v1/recordings/${recordingId}`, requesterId)).status, 403);
      assert.equal((await api('DELETE', `/v1/recordings/${recordingId}`, agentId)).status, 204);
      assert.equal((await api('GET', `/v1/recordings/${recordingId}/playback`, agentId)).status, 404);
      await eventually(async () => (await stack.services.storage.list(recordingKeys(recordingId).prefix)).length === 0, {
        what: 'the files to be deleted',
      });
    });

    if (kind === 'local') {
      it('recording.auto starts at the first published track; everyone is told; the app hears started and saved', async () => {
        const api = client(stack);
        const receiver = await WebhookReceiver.start();
        stops.push(() => receiver.stop());
        const endpoint = await api<{ secret: string }>('POST', '/v1/admin/webhook-endpoints', null, {
          url: receiver.url,
          eventTypes: ['live.session.recording.started', 'live.session.recording.saved'],
        });
        assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
        receiver.secrets.push(endpoint.body.secret);
        const externalRef = `task-${Date.now()}`;
        const { sessionId, agentId, requesterId } = await taskSession(stack, { recording: { auto: true }, externalRef });

        // Consent: the requester's subscription says a recording is on, and LiveKit's room metadata too.
        const realtime = new RealtimeClients();
        stops.unshift(async () => realtime.closeAll());
        const sub = await (await realtime.connect(stack, requesterId)).subscribe(sessionId);
        const on = await eventually(() => sub.recording, { what: 'the subscription to say it is recorded', timeoutMs: 15_000 });
        assert.equal(on.auto, true);
        const metadata = async () => JSON.parse((await stack.services.livekit.listRooms([sessionId]))[0]?.metadata || '{}');
        await eventually(async () => (await metadata()).recording === true, { what: 'the room metadata flag' });
        const list = await api<{ items: RecordingBody[] }>('GET', `/v1/sessions/${sessionId}/recordings`, agentId);
        assert.equal(list.body.items.length, 1);
        assert.equal(list.body.items[0]?.id, on.id);
        const resubscribed = await (await realtime.connect(stack, uniqueUser('late'), { admin: true })).subscribe(sessionId);
        assert.equal(resubscribed.recording?.id, on.id, 'the subscribe answer carries it');

        const recorder = await eventually(() => stack.services.recorders.get(on.id), { what: 'the recorder' });
        await eventually(() => recorder.writtenSec >= 3, { what: '3 s of recording', timeoutMs: 15_000 });
        assert.equal((await api('POST', `/v1/sessions/${sessionId}/recordings/${on.id}/stop`, agentId, {})).status, 200);
        await eventually(() => sub.recording === null, { what: 'recording.stopped to reach the requester' });
        await eventually(async () => (await metadata()).recording === false, { what: 'the room metadata flag to clear' });
        const ready = await waitForStatus(stack, sessionId, on.id, agentId, 'ready');

        const saved = await eventually(() => receiver.received.find((r) => r.event.type === 'live.session.recording.saved'), {
          what: 'live.session.recording.saved at the receiver',
          timeoutMs: 20_000,
        });
        assert.deepEqual(saved.verifiedWith, [0], 'signed');
        assert.deepEqual(saved.event.data.details, {
          recordingId: on.id,
          sessionId,
          durationSec: ready.durationSec,
          sizeBytes: ready.sizeBytes,
          interrupted: false,
          externalRef,
        });
        assert.ok(!saved.body.includes('/v1/files/') && !saved.body.includes('signature'), 'no playback URL');
        const started = receiver.received.find((r) => r.event.type === 'live.session.recording.started');
        assert.deepEqual(started?.event.data.details, { recordingId: on.id, auto: true, externalRef });
      });

      it('a guest joining the stage mid-recording changes the layout: one picture, then two side by side', async () => {
        const api = client(stack);
        const { sessionId, agentId, requesterId } = await taskSession(stack);
        const started = await api<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {});
        assert.equal(started.status, 201);
        const recorder = await eventually(() => stack.services.recorders.get(started.body.id), { what: 'the recorder' });
        await eventually(() => recorder.stats().videoSources === 1, { what: 'the agent', timeoutMs: 10_000 });
        await eventually(() => recorder.writtenSec >= 2.5, { what: '2.5 s of recording', timeoutMs: 10_000 });
        const joined = await api<Grant>('POST', `/v1/sessions/${sessionId}/join`, requesterId);
        assert.equal(joined.body.role, 'guest');
        const guest = await connectParticipant(joined.body.livekitUrl, joined.body.token);
        participants.push(guest);
        const camera = await publishSyntheticVideo(guest.room, { width: 640, height: 360, fps: 30, name: 'requester-camera' });
        stops.unshift(() => camera.stop());
        await eventually(() => recorder.stats().videoSources === 2, { what: 'the guest in the recording', timeoutMs: 10_000 });
        const guestSeenAt = recorder.writtenSec;
        await eventually(() => recorder.writtenSec >= guestSeenAt + 3, { what: '3 s more', timeoutMs: 10_000 });
        await api('POST', `/v1/sessions/${sessionId}/recordings/${started.body.id}/stop`, agentId, {});
        await waitForStatus(stack, sessionId, started.body.id, agentId, 'ready');
        const playback = await api<{ url: string }>('GET', `/v1/recordings/${started.body.id}/playback`, agentId);
        const file = join(scratch, `${started.body.id}-layout.mp4`);
        await writeFile(file, Buffer.from(await (await fetch(playback.body.url)).arrayBuffer()));
        const [left, right] = layoutStage(
          [
            { id: 'host', kind: 'camera', isHost: true },
            { id: 'guest', kind: 'camera', isHost: false },
          ],
          TEST_ENCODER,
        ).map((t) => t.rect);
        assert.ok(left && right);
        assert.notEqual(await stampAt(file, 1), null, 'before: the agent fills the frame');
        const after = guestSeenAt + 2;
        assert.equal(await stampAt(file, after), null, 'after: no longer one full picture');
        const [inLeft, inRight] = await Promise.all([stampAt(file, after, left), stampAt(file, after, right)]);
        assert.ok(inLeft !== null && inRight !== null, `a picture in each tile (${inLeft}, ${inRight})`);
      });

      it('metrics: recordings in progress, finished, bytes written, recorder CPU', async () => {
        const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
        assert.ok(value('golive_recording_bytes_written_total') > 10_000, 'bytes written');
        assert.ok(value('golive_recorder_ffmpeg_cpu_seconds_total') > 0, 'ffmpeg CPU');
        assert.ok(value('golive_recordings_finished_total{result="ready"}') >= 3, 'ready recordings');
        assert.equal(value('golive_recordings_in_progress'), 0);
        assert.equal(value('golive_recorder_failures_total'), 0);
      });

      it('retention: recordings older than RECORDING_RETENTION_DAYS are deleted, files and row', async () => {
        const { sessionId } = await taskSession(stack);
        const keep = crypto.randomUUID();
        const old = crypto.randomUUID();
        const { db, storage } = stack.services;
        await db
          .insertInto('recordings')
          .values([
            { id: old, session_id: sessionId, started_by: 'x', status: 'ready', started_at: new Date(Date.now() - 3 * 86_400_000) },
            { id: keep, session_id: sessionId, started_by: 'x', status: 'ready', started_at: new Date(Date.now() - 86_400_000) },
          ])
          .execute();
        for (const id of [old, keep]) await storage.put(recordingKeys(id).file, Buffer.from('mp4'));
        const { work, livekit, recorders, instanceId, metrics } = stack.services;
        const config = { ...stack.config.recording, retentionDays: 2 };
        const logger = createLogger('warn');
        const worker = new RecordingsWorker({ db, work, livekit, recorders, storage, config, instanceId, isWorker: true, metrics, logger });
        assert.equal(await worker.pruneExpired(), 1);
        const left = await db.selectFrom('recordings').select('id').where('session_id', '=', sessionId).execute();
        assert.deepEqual(
          left.map((r) => r.id),
          [keep],
        );
        assert.equal(await storage.stat(recordingKeys(old).file), null);
        assert.ok(await storage.stat(recordingKeys(keep).file));
        await storage.deletePrefix(recordingKeys(keep).prefix);
      });

      it('ending the session stops and finalizes its running recording', async () => {
        const api = client(stack);
        const { sessionId, agentId } = await taskSession(stack);
        const started = await api<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {});
        assert.equal(started.status, 201);
        const recorder = await eventually(() => stack.services.recorders.get(started.body.id), { what: 'the recorder' });
        await eventually(() => recorder.writtenSec >= 3, { what: '3 s of recording', timeoutMs: 15_000 });
        assert.equal((await api('POST', `/v1/sessions/${sessionId}/end`, agentId, {})).status, 200);
        const ready = await waitForStatus(stack, sessionId, started.body.id, agentId, 'ready');
        assert.ok((ready.durationSec ?? 0) >= 3, JSON.stringify(ready));
        assert.ok(ready.endedAt);
        assert.equal(
          (await api('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {})).status,
          410,
          'an ended session records no more',
        );
      });
    }
  });
}
