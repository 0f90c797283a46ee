// Fast tier: the chat timeline as pure values (seq order, duplicates, resume after a drop).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../realtime/protocol.ts';
import { applyChatSnapshot, applyLiveMessage, type ChatTimeline, EMPTY_TIMELINE, hasGap, removeMessages } from './chat-timeline.ts';

const msg = (seq: number, text = `m${seq}`): ChatMessage => ({
  id: `id-${seq}`,
  sessionId: 's1',
  seq,
  user: { id: 'u1', name: 'Ada', role: 'viewer' },
  text,
  createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
});
const seqs = (t: ChatTimeline) => t.messages.map((m) => m.seq);
const live = (t: ChatTimeline, ...list: number[]) =>
  list.reduce<{ t: ChatTimeline; delivered: number[] }>(
    (acc, seq) => {
      const step = applyLiveMessage(acc.t, msg(seq));
      return { t: step.timeline, delivered: [...acc.delivered, ...step.delivered.map((m) => m.seq)] };
    },
    { t, delivered: [] },
  );

describe('chat timeline', () => {
  it('starts from the subscribe answer: the last messages in seq order, lastSeq at the head', () => {
    const step = applyChatSnapshot(EMPTY_TIMELINE, { messages: [msg(3), msg(1), msg(2)], headSeq: 4, deletedMessageIds: [] });
    assert.deepEqual(seqs(step.timeline), [1, 2, 3]);
    assert.deepEqual(
      step.delivered.map((m) => m.seq),
      [1, 2, 3],
    );
    // seq 4 was deleted before the snapshot: the head still moves past it.
    assert.equal(step.timeline.lastSeq, 4);
    assert.deepEqual(seqs(EMPTY_TIMELINE), [], 'the old value is untouched');
  });

  it('delivers live messages in seq order, holds one that comes early, and drops duplicates', () => {
    const start = applyChatSnapshot(EMPTY_TIMELINE, { messages: [msg(1)], headSeq: 1, deletedMessageIds: [] }).timeline;
    const early = live(start, 3);
    assert.deepEqual(early.delivered, [], 'seq 3 waits for seq 2');
    assert.equal(hasGap(early.t), true);
    const filled = live(early.t, 2, 2, 3, 1);
    assert.deepEqual(filled.delivered, [2, 3], 'seq 2 releases seq 3; the repeats and the old seq 1 are dropped');
    assert.deepEqual(seqs(filled.t), [1, 2, 3]);
    assert.equal(hasGap(filled.t), false);
    assert.equal(filled.t.lastSeq, 3);
    assert.deepEqual(seqs(start), [1], 'each step returns a new value and leaves the previous one as it was');
  });

  it('resumes after a drop: the replay fills the gap, drops deletions, and releases held messages once', () => {
    const before = applyChatSnapshot(EMPTY_TIMELINE, { messages: [msg(1), msg(2)], headSeq: 2, deletedMessageIds: [] }).timeline;
    // While the socket was down, 3..5 were sent and 2 was deleted; 6 arrives live before the replay.
    const withLive = live(before, 6).t;
    const resumed = applyChatSnapshot(withLive, { messages: [msg(3), msg(4), msg(5)], headSeq: 5, deletedMessageIds: ['id-2'] });
    assert.deepEqual(seqs(resumed.timeline), [1, 3, 4, 5, 6]);
    assert.deepEqual(
      resumed.delivered.map((m) => m.seq),
      [3, 4, 5, 6],
    );
    assert.deepEqual(resumed.removed, ['id-2']);
    assert.equal(resumed.timeline.lastSeq, 6);
    assert.equal(hasGap(resumed.timeline), false);

    // The same replay again (a second resume racing the first) changes nothing.
    const again = applyChatSnapshot(resumed.timeline, { messages: [msg(3), msg(4), msg(5)], headSeq: 5, deletedMessageIds: ['id-2'] });
    assert.deepEqual(seqs(again.timeline), [1, 3, 4, 5, 6]);
    assert.deepEqual(again.delivered, []);
    assert.deepEqual(again.removed, []);
  });

  it('removes a deleted message whether delivered or still held back, and keeps the same value otherwise', () => {
    const t = live(applyChatSnapshot(EMPTY_TIMELINE, { messages: [msg(1)], headSeq: 1, deletedMessageIds: [] }).timeline, 3).t;
    const gone = removeMessages(t, ['id-1', 'id-3']);
    assert.deepEqual(seqs(gone.timeline), []);
    assert.deepEqual(gone.removed, ['id-1']);
    assert.equal(hasGap(gone.timeline), false, 'the held-back message is gone too');
    assert.equal(removeMessages(t, ['nope']).timeline, t, 'nothing to remove: the same object');
  });
});
