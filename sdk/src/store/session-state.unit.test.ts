// Fast tier: session snapshots as pure transitions (chat with resume, stage, permissions).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage, IngestStatus, Permissions, SessionSettingsView, StageRequest } from '../realtime/protocol.ts';
import type { JoinGrant } from '../types.ts';
import { applyChatSnapshot, applyLiveMessage, EMPTY_TIMELINE } from './chat-timeline.ts';
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

function grant(role: JoinGrant['role'], identity: string, extra: Record<string, unknown> = {}): JoinGrant {
  return {
    token: 'lk-token',
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

  it('permissions from the role: a viewer may ask for the stage while guests are allowed, and chat while chat is on', () => {
    const viewer = run([{ type: 'joined', grant: grant('viewer', 'val'), admin: false }, subscribed([], 0)]);
    assert.equal(viewer.permissionsSource, 'role');
    assert.equal(viewer.permissions.canRequestStage, true);
    assert.equal(viewer.permissions.canPublish, false);
    assert.equal(viewer.permissions.canModerate, false);
    assert.equal(viewer.permissions.canChat, true);
    const muted = reduceSession(viewer, { type: 'settings', settings: { ...SETTINGS, chatEnabled: false, allowGuests: false } });
    assert.equal(muted.permissions.canChat, false);
    assert.equal(muted.permissions.canRequestStage, false);
    assert.equal(muted.permissions.canReact, true);
  });

  it('permissions follow my role: promoted to guest I publish what guests may; the host manages co-hosts, a co-host does not', () => {
    const viewer = run([{ type: 'joined', grant: grant('viewer', 'val'), admin: false }, subscribed([], 0)]);
    const guest = reduceSession(viewer, { type: 'role', userId: 'val', role: 'guest' });
    assert.equal(guest.role, 'guest');
    assert.equal(guest.permissions.canPublish, true);
    assert.deepEqual(guest.permissions.publishSources, ['camera', 'microphone'], 'guestCanPublish.screen is off');
    assert.equal(guest.permissions.canRequestStage, false);
    const cohost = reduceSession(guest, { type: 'role', userId: 'val', role: 'cohost' });
    assert.equal(cohost.permissions.canModerate, true);
    assert.equal(cohost.permissions.canManageCohosts, false);
    assert.equal(cohost.permissions.canEnd, false);
    const someoneElse = reduceSession(cohost, { type: 'role', userId: 'other', role: 'guest' });
    assert.equal(someoneElse.role, 'cohost', "another user's promotion is not mine");
    assert.deepEqual(
      someoneElse.participants.map((p) => [p.userId, p.role]),
      [
        ['val', 'cohost'],
        ['other', 'guest'],
      ],
    );
    const host = run([{ type: 'joined', grant: grant('host', 'host'), admin: false }, subscribed([], 0)]);
    assert.equal(host.permissions.canManageCohosts, true);
    assert.equal(host.permissions.canEnd, true);
    const admin = run([{ type: 'joined', grant: grant('observer', 'ada'), admin: false }, subscribed([], 0)]);
    assert.equal(admin.me?.admin, true, 'an observer is a hidden admin');
    assert.equal(admin.permissions.canEnd, true);
  });

  it("permissions from the server win over the role's; ending takes them all away", () => {
    const fromServer: Permissions = {
      canPublish: false,
      publishSources: [],
      canChat: true,
      canReact: false,
      canRequestStage: true,
      canModerate: false,
      canManageCohosts: false,
      canChangeSettings: false,
      canEnd: false,
      canRecord: false,
      canReadEvents: false,
    };
    const joined = run([{ type: 'joined', grant: grant('viewer', 'val', { permissions: fromServer }), admin: false }]);
    assert.equal(joined.permissionsSource, 'server');
    assert.deepEqual(joined.permissions, fromServer);
    assert.equal(joined.permissions.canReact, false, "the server's word, although a viewer's role would allow it");
    const live = reduceSession(joined, subscribed([], 0, { role: 'viewer', permissions: { ...fromServer, canReact: true } }));
    assert.equal(live.permissionsSource, 'server');
    assert.equal(live.permissions.canReact, true, 'the subscribe answer is newer than the join answer');
    const ended = reduceSession(live, { type: 'ended', reason: 'ended_by_host', endedAt: '2030-01-01T01:00:00.000Z' });
    assert.equal(ended.phase, 'ended');
    assert.equal(ended.permissions.canChat, false);
    assert.equal(ended.permissionsSource, 'none');
    assert.equal(reduceSession(ended, subscribed([], 0)).phase, 'ended', 'a late subscribe answer does not bring it back');
  });

  it('after a settings change, only what that setting governs is worked out again: chat back on, chat allowed', () => {
    const server: Permissions = {
      canPublish: false,
      publishSources: [],
      canChat: false,
      canReact: false,
      canRequestStage: true,
      canModerate: false,
      canManageCohosts: false,
      canChangeSettings: false,
      canEnd: false,
      canRecord: false,
      canReadEvents: false,
    };
    const chatOff = { ...SETTINGS, chatEnabled: false };
    // The server answered while chat was off (and, for its own reasons, refuses reactions).
    const live = run([
      { type: 'joined', grant: grant('viewer', 'val'), admin: false },
      subscribed([], 0, { role: 'viewer', settings: chatOff, permissions: server }),
    ]);
    assert.equal(live.permissions.canChat, false);
    const chatOn = reduceSession(live, { type: 'settings', settings: { ...chatOff, chatEnabled: true } });
    assert.equal(chatOn.permissions.canChat, true, "chat's permission follows the setting the answer was given under");
    assert.equal(chatOn.permissions.canReact, false, "reactions' settings did not change: the server's word stands");
    assert.equal(chatOn.permissionsSource, 'role');
    const backOff = reduceSession(chatOn, { type: 'settings', settings: chatOff });
    assert.equal(backOff.permissionsSource, 'server', 'the settings are those of the answer again');
    assert.deepEqual(backOff.permissions, server);
    // My role changed: worked out from the new role until the next subscribe answer.
    const guest = reduceSession(backOff, { type: 'role', userId: 'val', role: 'guest' });
    assert.equal(guest.permissionsSource, 'role');
    assert.equal(guest.permissions.canPublish, true);
    const fresh = reduceSession(
      guest,
      subscribed([], 0, { role: 'guest', settings: chatOff, permissions: { ...server, canPublish: true, publishSources: ['camera'] } }),
    );
    assert.equal(fresh.permissionsSource, 'server');
    assert.deepEqual(fresh.permissions.publishSources, ['camera']);
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
