// When ffmpeg falls behind (here: SIGSTOP for 5 s), the recorder skips frame periods and the video
// comes out shorter than the wall clock. The chat replay must still line up with the picture: a
// message's offset must show the frame the publisher sent when the message was sent.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UserPrincipal } from '../src/auth/principal.ts';
import { readMediaGaps } from '../src/recording/media-gaps.ts';
import { eventually, type TestStack } from './harness.ts';
import { stampAt } from './recording-media.ts';
import { client, type RecordingBody, scratch, startStack, taskSession, waitForStatus } from './recordings-fixtures.ts';

const FPS = 30;

describe('recording while ffmpeg falls behind', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack('local');
  });
  after(async () => {
    await stack.services.recorders.stopAll();
  });

  it('skipped periods become media gaps, and the chat replay is placed by them', async () => {
    const api = client(stack);
    const { sessionId, agentId, requesterId, video } = await taskSession(stack);
    const started = await api<RecordingBody>('POST', `/v1/sessions/${sessionId}/recordings`, agentId, {});
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const recordingId = started.body.id;
    const recorder = await eventually(() => stack.services.recorders.get(recordingId), { what: 'the recorder' });
    await eventually(() => recorder.stats().videoSources === 1 && recorder.writtenSec >= 2, {
      what: '2 s of recording',
      timeoutMs: 15_000,
    });

    // ffmpeg stops reading: the backlog (2 s) fills, then periods are skipped.
    const pid = recorder.ffmpegPid;
    assert.ok(pid, 'ffmpeg runs');
    process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const dropped = recorder.stats().droppedFrames;
    assert.ok(dropped >= FPS, `at least a second skipped: ${dropped} periods`);

    await new Promise((r) => setTimeout(r, 1_500));
    const author: UserPrincipal = { kind: 'user', userId: requesterId, name: 'Requester', isAdmin: false, via: 'apiKey' };
    const stampWhenSent = video.framesSent();
    const sentAt = Date.now();
    const message = await stack.services.chat.send(author, sessionId, 'after the stall');
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal((await api('POST', `/v1/sessions/${sessionId}/recordings/${recordingId}/stop`, agentId, {})).status, 200);
    const ready = await waitForStatus(stack, sessionId, recordingId, agentId, 'ready');

    const row = await stack.services.db
      .selectFrom('recordings')
      .select('media_gaps')
      .where('id', '=', recordingId)
      .executeTakeFirstOrThrow();
    const gaps = readMediaGaps(row.media_gaps);
    const missingMs = gaps.reduce((sum, [, length]) => sum + length, 0);
    const droppedTotal = (await recorder.ended).droppedFrames;
    assert.ok(Math.abs(missingMs - (droppedTotal * 1000) / FPS) <= gaps.length, `${missingMs} ms for ${droppedTotal} periods`);
    const wallSec = (Date.parse(ready.endedAt ?? '') - Date.parse(ready.startedAt)) / 1000;
    assert.ok(
      ready.durationSec !== null && Math.abs(ready.durationSec - (wallSec - missingMs / 1000)) <= 1,
      `video ${ready.durationSec} s = wall ${wallSec} s - gaps ${missingMs} ms`,
    );

    const chat = await api<{ messages: { id: string; offsetMs: number }[] }>('GET', `/v1/recordings/${recordingId}/chat`, requesterId);
    const replayed = chat.body.messages.find((m) => m.id === message.id);
    assert.ok(replayed, 'the message is in the replay');
    const wallOffsetMs = sentAt - Date.parse(ready.startedAt);
    assert.ok(
      Math.abs(replayed.offsetMs - (wallOffsetMs - missingMs)) <= 50,
      `offset ${replayed.offsetMs} ms: the wall offset ${wallOffsetMs} ms less the gaps ${missingMs} ms`,
    );

    // The picture at the message's offset is what the publisher sent then (give or take delivery).
    const playback = await api<{ url: string }>('GET', `/v1/recordings/${recordingId}/playback`, requesterId);
    const file = join(scratch, `${recordingId}-gaps.mp4`);
    await writeFile(file, Buffer.from(await (await fetch(playback.body.url)).arrayBuffer()));
    const shown = await stampAt(file, replayed.offsetMs / 1000);
    assert.ok(shown !== null, 'the frame stamp is readable');
    assert.ok(Math.abs(shown - stampWhenSent) <= 20, `frame ${shown} at the message's offset; ${stampWhenSent} was sent with it`);
    // Placed by the wall clock alone, it would be a gap's length later in the picture.
    const byWallClock = await stampAt(file, Math.min(wallOffsetMs, (ready.durationSec ?? 0) * 1000 - 200) / 1000);
    assert.ok(byWallClock !== null && byWallClock - stampWhenSent > 20, `by the wall clock: frame ${byWallClock}`);
  });
});
