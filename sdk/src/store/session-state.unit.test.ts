// Fast tier: session snapshots as pure transitions (chat with resume, stage, permissions).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, IngestStatus, Permissions, SessionSettingsView, StageRequest } from '../realtime/protocol.ts';
import type { JoinGrant } from '../types.ts';
import { applyChatSnapshot, applyLiveMessage, EMPTY_TIMELINE } from './chat-timeline.ts';
import { NO_PERMISSIONS } from './permissions.ts';
import { initialSnapshot, reduceSession, type SessionSnapshot, type SessionStoreEvent } from './session-state.ts';

const SETTINGS: SessionSettingsView = {
  chatEnabled: true,
  reactionsEnabled: true,
  slowModeSec: 0,
  allowGuests: true,
  requireApproval: true,
  maxGuests: 6,
  guestCanPublish: { camera: true, microphone: true, screen: false },
  maxParticipants: 0,
};

/** What golive's policy answers a viewer while chat and guests are on. */
const VIEWER: Permissions = { ...NO_PERMISSIONS, canChat: true, canReact: true, canRequestStage: true };
const GUEST: Permissions = { ...VIEWER, canPublish: true, publishSources: ['camera', 'microphone'], canRequestStage: false };
const COHOST: Permissions = {
  ...GUEST,
  publishSources: ['camera', 'microphone', 'screen_share', 'screen_share_audio'],
  canModerate: true,
  canChangeSettings: true,
};

function grant(role: JoinGrant['role'], identity: string, extra: Record<string, unknown> = {}): JoinGrant {
  return {
    token: 'lk-token',
    permissions: VIEWER,
    livekitUrl: 'ws://127.0.0.1:7880',
    role,
    identity,
    expiresAt: '2030-01-01T00:00:00.000Z',
    session: {
      id: 's1',
      title: 'Show',
      mode: 'broadcast',
      visibility: 'public',
      status: 'live',
      host: { id: 'host', name: 'Hana' },
      externalRef: null,
      tags: [],
      coverUrl: null,
      maxDurationSec: 7200,
      viewerCount: 3,
      peakViewers: 4,
      startedAt: '2030-01-01T00:00:00.000Z',
      endsAt: '2030-01-01T02:00:00.000Z',
      endedAt: null,
      endedBy: null,
      endReason: null,
      participants: [],
      settings: SETTINGS,
    },
    ...extra,
  } as unknown as JoinGrant;
}

const request = (id: string, userId: string, status: StageRequest['status'], kind: StageRequest['kind'] = 'request'): StageRequest => ({
  id,
  sessionId: 's1',
  userId,
  userName: userId,
  kind,
  status,
  createdAt: `2030-01-01T00:00:0${id.length % 10}.000Z`,
  expiresAt: '2030-01-01T00:02:00.000Z',
  decidedAt: null,
  decidedBy: null,
});

const message = (seq: number): ChatMessage => ({
  id: `m${seq}`,
  sessionId: 's1',
  seq,
  user: { id: 'u', name: 'U', role: 'viewer' },
  text: `hello ${seq}`,
  createdAt: '2030-01-01T00:00:00.000Z',
});

const run = (events: SessionStoreEvent[], from: SessionSnapshot = initialSnapshot('s1')) => events.reduce(reduceSession, from);

function subscribed(seqs: number[], headSeq: number, extra: Partial<Extract<SessionStoreEvent, { type: 'subscribed' }>> = {}) {
  const timeline = applyChatSnapshot(EMPTY_TIMELINE, { messages: seqs.map(message), headSeq, deletedMessageIds: [] }).timeline;
  return {
    type: 'subscribed',
    role: null,
    timeline,
    pinned: null,
    settings: SETTINGS,
    counters: { viewerCount: 5, peakViewers: 5 },
    reactionSet: ['❤️'],
    reactionTotals: {},
    permissions: null,
    ...extra,
  } as const satisfies SessionStoreEvent;
}

describe('session snapshots', () => {
  it('goes idle → joining → live, and keeps unchanged parts by identity', () => {
    const joining = run([{ type: 'joining' }]);
    assert.equal(joining.phase, 'joining');
    const joined = reduceSession(joining, { type: 'joined', grant: grant('viewer', 'val'), admin: false });
    assert.equal(joined.role, 'viewer');
    assert.deepEqual(joined.me, { id: 'val', admin: false });
    assert.equal(joined.counters.viewerCount, 3);
    const live = reduceSession(joined, subscribed([1, 2], 2));
    assert.equal(live.phase, 'live');
    assert.equal(live.counters.viewerCount, 5);
    const counted = reduceSession(live, { type: 'counters', viewerCount: 6, peakViewers: 6 });
    assert.equal(counted.chat, live.chat, 'a counter change leaves the chat object as it was');
    assert.equal(counted.stage, live.stage);
    assert.equal(reduceSession(counted, { type: 'error', error: null }), counted, 'a no-op returns the same snapshot');
  });

  it('chat with resume: the snapshot follows the timeline, and a resume replaces it with the replayed one', () => {
    const live = run([{ type: 'joined', grant: grant('viewer', 'val'), admin: false }, subscribed([1, 2], 2)]);
    assert.deepEqual(
      live.chat.messages.map((m) => m.seq),
      [1, 2],
    );
    const next = applyLiveMessage(live.chat.timeline, message(3)).timeline;
    const three = reduceSession(live, { type: 'chat', timeline: next });
    assert.deepEqual(
      three.chat.messages.map((m) => m.seq),
      [1, 2, 3],
    );
    assert.deepEqual(
      live.chat.messages.map((m) => m.seq),
      [1, 2],
      'the earlier snapshot still shows what it showed',
    );
    // Dropped, then resumed from lastSeq 3: the server replays 4 and 5 and says 1 was deleted.
    const down = reduceSession(three, { type: 'connection', state: 'disconnected' });
    assert.equal(down.connection, 'reconnecting');
    const replay = applyChatSnapshot(three.chat.timeline, { messages: [message(4), message(5)], headSeq: 5, deletedMessageIds: ['m1'] });
    const resumed = reduceSession(down, subscribed([], 5, { timeline: replay.timeline, counters: { viewerCount: 9, peakViewers: 9 } }));
    assert.deepEqual(
      resumed.chat.messages.map((m) => m.seq),
      [2, 3, 4, 5],
    );
    assert.equal(resumed.connection, 'connected');
    assert.equal(resumed.counters.viewerCount, 9);
  });

  it("permissions are the server's answer: the join's, then the subscribe's, then each push; nothing is worked out", () => {
    const cannotReact: Permissions = { ...VIEWER, canReact: false };
    const joined = run([{ type: 'joined', grant: grant('viewer', 'val', { permissions: cannotReact }), admin: false }]);
    assert.deepEqual(joined.permissions, cannotReact, "the server's word, although a viewer's role would allow reactions");
    const live = reduceSession(joined, subscribed([], 0, { role: 'viewer', permissions: VIEWER }));
    assert.equal(live.permissions.canReact, true, 'the subscribe answer is newer than the join answer');
    // Chat off: the settings change alone does not move the permissions; the server's push does.
    const chatOff = reduceSession(live, { type: 'settings', settings: { ...SETTINGS, chatEnabled: false } });
    assert.equal(chatOff.settings?.chatEnabled, false);
    assert.equal(chatOff.permissions, live.permissions, 'the same object until the server says otherwise');
    const pushed = reduceSession(chatOff, { type: 'permissions', role: 'viewer', permissions: { ...VIEWER, canChat: false } });
    assert.equal(pushed.permissions.canChat, false);
    assert.equal(pushed.permissions.canReact, true);
    assert.equal(pushed.chat, chatOff.chat, 'a permissions push leaves the chat object as it was');
  });

  it('my role: the role event moves my role and the roster at once, the push brings what the new role may do', () => {
    const viewer = run([
      { type: 'joined', grant: grant('viewer', 'val'), admin: false },
      subscribed([], 0, { role: 'viewer', permissions: VIEWER }),
    ]);
    const promoted = reduceSession(viewer, { type: 'role', userId: 'val', role: 'guest' });
    assert.equal(promoted.role, 'guest');
    assert.deepEqual(promoted.permissions, VIEWER, 'not guessed from the role');
    const guest = reduceSession(promoted, { type: 'permissions', role: 'guest', permissions: GUEST });
    assert.deepEqual(guest.permissions.publishSources, ['camera', 'microphone']);
    const cohost = reduceSession(guest, { type: 'permissions', role: 'cohost', permissions: COHOST });
    assert.equal(cohost.role, 'cohost', 'the push carries my role too (it may arrive before the role event)');
    assert.equal(cohost.permissions.canModerate, true);
    const someoneElse = reduceSession(cohost, { type: 'role', userId: 'other', role: 'guest' });
    assert.equal(someoneElse.role, 'cohost', "another user's promotion is not mine");
    assert.equal(someoneElse.permissions, cohost.permissions);
    assert.deepEqual(
      someoneElse.participants.map((p) => [p.userId, p.role]),
      [
        ['other', 'guest'],
        ['val', 'guest'],
      ],
      'the roster follows role events; the push says only what I may do',
    );
    const admin = run([{ type: 'joined', grant: grant('observer', 'ada'), admin: false }]);
    assert.equal(admin.me?.admin, true, 'an observer is a hidden admin');
  });

  it('ending, a kick or a refusal takes every permission away, and a late answer or push does not bring them back', () => {
    const live = run([
      { type: 'joined', grant: grant('viewer', 'val'), admin: false },
      subscribed([], 0, { role: 'viewer', permissions: VIEWER }),
    ]);
    const ended = reduceSession(live, { type: 'ended', reason: 'ended_by_host', endedAt: '2030-01-01T01:00:00.000Z' });
    assert.equal(ended.phase, 'ended');
    assert.equal(ended.permissions.canChat, false);
    assert.equal(reduceSession(ended, subscribed([], 0, { role: 'viewer', permissions: VIEWER })).phase, 'ended');
    assert.equal(reduceSession(ended, { type: 'permissions', role: 'guest', permissions: GUEST }), ended, 'a late push changes nothing');
    const kicked = reduceSession(live, { type: 'removed', reason: 'kicked', message: null });
    assert.equal(kicked.permissions.canChat, false);
    const refused = run([{ type: 'refused', error: { code: 'BANNED', message: 'banned' } }]);
    assert.equal(refused.permissions.canRequestStage, false);
  });

  it('stage as a viewer: my request waits, then is approved; an invite waits for my answer', () => {
    const viewer = run([{ type: 'joined', grant: grant('viewer', 'val'), admin: false }, subscribed([], 0)]);
    const asked = reduceSession(viewer, { type: 'stage-request', request: request('r1', 'val', 'pending') });
    assert.equal(asked.stage.mine?.status, 'pending');
    const approved = reduceSession(asked, { type: 'stage-request', request: request('r1', 'val', 'approved') });
    assert.equal(approved.stage.mine?.status, 'approved');
    assert.deepEqual(approved.stage.pending, []);
    const invited = reduceSession(approved, { type: 'stage-request', request: request('i1', 'val', 'pending', 'invite') });
    assert.equal(invited.stage.invite?.id, 'i1');
    assert.equal(invited.stage.mine?.id, 'r1', 'an invite is not my request');
    const declined = reduceSession(invited, { type: 'stage-request', request: request('i1', 'val', 'declined', 'invite') });
    assert.equal(declined.stage.invite, null);
  });

  it('stage as the host: pending requests listed in order; a decided one never comes back from an older list', () => {
    const host = run([{ type: 'joined', grant: grant('host', 'host'), admin: false }, subscribed([], 0)]);
    const two = run(
      [
        { type: 'stage-request', request: request('a', 'amy', 'pending') },
        { type: 'stage-request', request: request('bb', 'bob', 'pending') },
      ],
      host,
    );
    assert.deepEqual(
      two.stage.pending.map((r) => r.userId),
      ['amy', 'bob'],
    );
    const decided = reduceSession(two, { type: 'stage-request', request: request('a', 'amy', 'approved') });
    assert.deepEqual(
      decided.stage.pending.map((r) => r.id),
      ['bb'],
    );
    assert.equal(decided.stage.mine, null, "someone else's request is not mine");
    // A list read before the approval still shows "a" pending; a new request "ccc" arrived while it was read.
    const withNew = reduceSession(decided, { type: 'stage-request', request: request('ccc', 'cat', 'pending') });
    const listed = reduceSession(withNew, {
      type: 'stage-requests',
      requests: [request('a', 'amy', 'pending'), request('bb', 'bob', 'pending')],
      keep: ['ccc'],
    });
    assert.deepEqual(listed.stage.pending.map((r) => r.id).sort(), ['bb', 'ccc']);
    // A request that was decided while the connection was down leaves with the next list.
    const reread = reduceSession(listed, { type: 'stage-requests', requests: [request('ccc', 'cat', 'pending')], keep: [] });
    assert.deepEqual(
      reread.stage.pending.map((r) => r.id),
      ['ccc'],
    );
  });

  it("participants: golive's roster with the media server's presence merged in", () => {
    const host = run([{ type: 'joined', grant: grant('host', 'host'), admin: false }, subscribed([], 0)]);
    const listed = reduceSession(host, {
      type: 'participants',
      participants: [
        { userId: 'host', name: 'Hana', role: 'host', connected: true },
        { userId: 'gus', name: 'gus', role: 'guest', connected: false },
      ],
    });
    const present = reduceSession(listed, {
      type: 'presence',
      entries: [
        { identity: 'host', name: 'Hana', role: 'host' },
        { identity: 'gus', name: 'Gus Guest', role: 'viewer' },
        { identity: 'newbie', name: 'Nia', role: 'viewer' },
      ],
    });
    assert.deepEqual(present.participants, [
      { userId: 'host', name: 'Hana', role: 'host', connected: true },
      { userId: 'gus', name: 'Gus Guest', role: 'guest', connected: true },
      { userId: 'newbie', name: 'Nia', role: 'viewer', connected: true },
    ]);
    const left = reduceSession(present, { type: 'presence', entries: [{ identity: 'host', name: 'Hana', role: 'host' }] });
    assert.deepEqual(
      left.participants.map((p) => [p.userId, p.connected]),
      [
        ['host', true],
        ['gus', false],
      ],
    );
  });

  it('the host’s encoder is the host: it makes the host connected and is never listed twice', () => {
    const host = run([{ type: 'joined', grant: grant('host', 'host'), admin: false }, subscribed([], 0)]);
    const listed = reduceSession(host, {
      type: 'participants',
      participants: [{ userId: 'host', name: 'Hana', role: 'host', connected: false }],
    });
    // OBS alone (the host's browser closed), then OBS and the browser together.
    const encoderOnly = reduceSession(listed, {
      type: 'presence',
      entries: [{ identity: 'host#ingest', name: 'Hana', role: 'host', ingestFor: 'host' }],
    });
    assert.deepEqual(encoderOnly.participants, [{ userId: 'host', name: 'Hana', role: 'host', connected: true }]);
    const both = reduceSession(encoderOnly, {
      type: 'presence',
      entries: [
        { identity: 'host', name: 'Hana', role: 'host' },
        { identity: 'host#ingest', name: 'Hana', role: 'host', ingestFor: 'host' },
      ],
    });
    assert.deepEqual(both.participants, [{ userId: 'host', name: 'Hana', role: 'host', connected: true }]);
    // Without golive's list (a viewer's store), the encoder alone still shows as the host, once.
    const viewer = run([
      { type: 'joined', grant: grant('viewer', 'val'), admin: false },
      { type: 'presence', entries: [{ identity: 'host#ingest', name: 'Hana', role: 'host', ingestFor: 'host' }] },
    ]);
    assert.deepEqual(viewer.participants, [{ userId: 'host', name: 'Hana', role: 'host', connected: true }]);
  });

  it('ingest: the status from the subscribe answer and pushes, the credentials from my own create or rotate', () => {
    const waiting: IngestStatus = {
      sessionId: 's1',
      state: 'waiting',
      protocol: null,
      video: null,
      audio: null,
      bitrateKbps: null,
      stopReason: null,
      message: null,
      updatedAt: '2030-01-01T00:00:00.000Z',
    };
    const receiving: IngestStatus = {
      ...waiting,
      state: 'receiving',
      protocol: 'rtmp',
      video: { width: 1280, height: 720, fps: 30 },
      audio: true,
      bitrateKbps: 2500,
    };
    const host = run([{ type: 'joined', grant: grant('host', 'host'), admin: false }, subscribed([], 0, { ingest: null })]);
    assert.deepEqual(host.ingest, { status: null, credentials: null });
    const credentials = { whipUrl: 'https://g/v1/ingest/whip', rtmpUrl: 'rtmp://g:1935/live', streamKey: 'glsk_x' };
    const created = run(
      [
        { type: 'ingest-credentials', credentials },
        { type: 'ingest', status: waiting },
      ],
      host,
    );
    assert.deepEqual(created.ingest, { status: waiting, credentials });
    const live = reduceSession(created, { type: 'ingest', status: receiving });
    assert.equal(live.ingest.status?.bitrateKbps, 2500);
    assert.equal(live.ingest.credentials, credentials, 'the key stays while the ingest exists');
    const resumed = reduceSession(live, subscribed([], 0, { ingest: receiving }));
    assert.equal(resumed.ingest.credentials, credentials, 'a resubscribe keeps the key it cannot re-read');
    const notMine = reduceSession(live, subscribed([], 0));
    assert.equal(notMine.ingest, live.ingest, 'an answer without ingest (not the host) changes nothing');
    const deleted = reduceSession(live, { type: 'ingest', status: null });
    assert.deepEqual(deleted.ingest, { status: null, credentials: null }, 'a deleted ingest drops its key');
  });

  it('a refusal keeps its code and allows nothing', () => {
    const refused = run([{ type: 'joining' }, { type: 'refused', error: { code: 'BANNED', message: 'banned' } }]);
    assert.equal(refused.phase, 'refused');
    assert.equal(refused.error?.code, 'BANNED');
    assert.equal(refused.permissions.canChat, false);
  });
});
