// Fast tier: the replayed chat as a pure function of the player's time (no services).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordingChatMessage } from '../types.ts';
import { nextChangeAfter, prepareReplay, replayAt } from './replay-chat.ts';

const msg = (seq: number, offsetMs: number, deletedOffsetMs?: number): RecordingChatMessage => ({
  id: `m${seq}`,
  seq,
  user: { id: 'u1', name: 'Ada', role: 'viewer' },
  text: `message ${seq}`,
  offsetMs,
  ...(deletedOffsetMs === undefined ? {} : { deletedOffsetMs }),
});

// m1 at 1 s, m2 at 3 s (deleted at 6 s), m3 at 5 s, m4 at 8 s; m2 pinned at 4 s, m3 pinned at 7 s, unpinned at 9 s.
const replay = prepareReplay({
  messages: [msg(4, 8000), msg(2, 3000, 6000), msg(1, 1000), msg(3, 5000)],
  pins: [
    { messageId: 'm3', pinnedOffsetMs: 7000, unpinnedOffsetMs: 9000 },
    // m2's pin ended with its deletion; the server may not say so.
    { messageId: 'm2', pinnedOffsetMs: 4000 },
  ],
});
const ids = (atMs: number, options = {}) => replayAt(replay, atMs, options).lines.map((l) => l.message.id);

describe('chat replay', () => {
  it('shows a message from its offset on, and not a millisecond before', () => {
    assert.deepEqual(ids(0), []);
    assert.deepEqual(ids(999), []);
    assert.deepEqual(ids(1000), ['m1']);
    assert.deepEqual(ids(4999), ['m1', 'm2']);
    assert.deepEqual(ids(5000), ['m1', 'm2', 'm3']);
    assert.deepEqual(ids(60_000), ['m1', 'm3', 'm4'], 'in the order sent, whatever order they came in');
  });

  it('shows a deleted message until its deletion, then hides it, or marks it deleted when asked', () => {
    assert.deepEqual(ids(5999), ['m1', 'm2', 'm3']);
    assert.deepEqual(ids(6000), ['m1', 'm3']);
    const marked = replayAt(replay, 6000, { deleted: 'marked' }).lines.map((l) => [l.message.id, l.deleted]);
    assert.deepEqual(marked, [
      ['m1', false],
      ['m2', true],
      ['m3', false],
    ]);
    assert.equal(replayAt(replay, 5999, { deleted: 'marked' }).lines[1]?.deleted, false, 'not yet deleted at 5.999 s');
  });

  it('shows the pin in force at t: none, m2, none once m2 is deleted, m3, none after the unpin', () => {
    const pinned = (atMs: number) => replayAt(replay, atMs).pinned?.id ?? null;
    assert.equal(pinned(3999), null);
    assert.equal(pinned(4000), 'm2');
    assert.equal(pinned(6000), null, 'a deleted message is no longer shown pinned');
    assert.equal(pinned(7000), 'm3');
    assert.equal(pinned(9000), null);
  });

  it('gives the same answer seeking backwards as playing forwards', () => {
    const forward = [0, 1000, 3000, 4000, 5000, 6000, 7000, 8000, 9000].map((t) => replayAt(replay, t));
    let previous = replayAt(replay, 10_000);
    for (let i = forward.length - 1; i >= 0; i--) {
      const expected = forward[i];
      assert.ok(expected);
      const back = replayAt(replay, expected.atMs, {}, previous);
      assert.deepEqual(
        back.lines.map((l) => l.message.id),
        expected.lines.map((l) => l.message.id),
        `at ${expected.atMs} ms`,
      );
      assert.equal(back.pinned?.id, expected.pinned?.id, `pin at ${expected.atMs} ms`);
      previous = back;
    }
    // Back from the end to 3.5 s: m2 is there again (not yet deleted), m3 and m4 not yet sent.
    assert.deepEqual(
      replayAt(replay, 3500, {}, replayAt(replay, 10_000)).lines.map((l) => l.message.id),
      ['m1', 'm2'],
    );
  });

  it('keeps the same lines object while nothing on screen changes, and a new one when it does', () => {
    const a = replayAt(replay, 1200);
    const b = replayAt(replay, 2900, {}, a);
    assert.equal(b.lines, a.lines, 'timeupdates between two changes do not re-render the list');
    assert.equal(b.atMs, 2900);
    assert.equal(replayAt(replay, 2900, {}, b), b, 'the same time again: the same object');
    const c = replayAt(replay, 3000, {}, b);
    assert.notEqual(c.lines, b.lines);
  });

  it('a pin replaces the one before it, and an unpin clears only its own pin', () => {
    const r = prepareReplay({
      messages: [msg(1, 1000), msg(2, 2000), msg(3, 3000)],
      pins: [
        { messageId: 'm1', pinnedOffsetMs: 1500, unpinnedOffsetMs: 6000 },
        { messageId: 'm2', pinnedOffsetMs: 2500, unpinnedOffsetMs: 4000 },
        { messageId: 'm3', pinnedOffsetMs: 4000 },
      ],
    });
    const pinned = (atMs: number) => replayAt(r, atMs).pinned?.id ?? null;
    assert.deepEqual([1400, 1500, 2500, 3999, 4000, 6000].map(pinned), [null, 'm1', 'm2', 'm2', 'm3', 'm3']);
  });

  it('orders equal offsets by seq, keeps only the latest lines with a limit, and shows a pin from before the recording', () => {
    const older = { ...msg(0, -5000), text: 'pinned before the recording' };
    const r = prepareReplay({
      messages: [msg(2, 1000), msg(1, 1000), msg(3, 2000), older],
      pins: [{ messageId: older.id, pinnedOffsetMs: -4000 }],
    });
    assert.deepEqual(
      replayAt(r, 1000).lines.map((l) => l.message.id),
      ['m0', 'm1', 'm2'],
    );
    assert.deepEqual(
      replayAt(r, 5000, { limit: 2 }).lines.map((l) => l.message.id),
      ['m2', 'm3'],
    );
    assert.equal(replayAt(r, 0).pinned?.text, 'pinned before the recording');
    assert.deepEqual(
      replayAt(r, Number.NaN).lines.map((l) => l.message.id),
      ['m0'],
      'a player with no time yet is at 0',
    );
  });

  it('says when the next change on screen is, for players that schedule instead of polling', () => {
    assert.equal(nextChangeAfter(replay, 0), 1000);
    assert.equal(nextChangeAfter(replay, 3000), 4000, 'the pin of m2');
    assert.equal(nextChangeAfter(replay, 5500), 6000, 'the deletion of m2');
    assert.equal(nextChangeAfter(replay, 9000), null);
  });
});
