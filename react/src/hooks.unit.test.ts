// Fast tier: the hooks render a store's snapshot, and the guard hooks say what to do when their
// provider is missing. Rendered with react-dom/server; the store is fed events through dispatch().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyChatSnapshot,
  type ChatMessage,
  createGoliveClient,
  EMPTY_TIMELINE,
  type JoinGrant,
  NO_PERMISSIONS,
  type Permissions,
  SessionStore,
} from '@golive/sdk';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { SessionProvider } from './SessionProvider.ts';
import { useGolive } from './use-golive.ts';
import { useSessionChat } from './use-session-chat.ts';
import { useSessionIngest } from './use-session-ingest.ts';
import { useSessionPermissions } from './use-session-permissions.ts';
import { useSessionRecording } from './use-session-recording.ts';
import { useSessionStage } from './use-session-stage.ts';

const message = (seq: number, text: string): ChatMessage => ({
  id: `m${seq}`,
  sessionId: 's1',
  seq,
  user: { id: 'u', name: 'Una', role: 'viewer' },
  text,
  createdAt: '2030-01-01T00:00:00.000Z',
});

/** What golive's policy answers a viewer, and the host (as session.permissions would bring them). */
const VIEWER: Permissions = { ...NO_PERMISSIONS, canChat: true, canReact: true, canRequestStage: true };
const HOST: Permissions = {
  ...VIEWER,
  canPublish: true,
  publishSources: ['camera', 'microphone', 'screen_share', 'screen_share_audio'],
  canRequestStage: false,
  canModerate: true,
  canManageCohosts: true,
  canChangeSettings: true,
  canEnd: true,
  canRecord: true,
  canManageIngest: true,
  canReadEvents: true,
};

/** A store that is never started: its snapshot comes only from the events given to it here. */
function storeWith(messages: ChatMessage[]): SessionStore {
  // A real client, pointed nowhere: nothing here calls it.
  const client = createGoliveClient({ baseUrl: 'http://127.0.0.1:9' });
  const store = new SessionStore({ client, realtime: client.realtime(), sessionId: 's1' });
  const grant = { role: 'viewer', identity: 'val', session: { viewerCount: 0, peakViewers: 0, settings: null } } as unknown as JoinGrant;
  store.dispatch({ type: 'joined', grant, admin: false });
  store.dispatch({
    type: 'subscribed',
    role: 'viewer',
    timeline: applyChatSnapshot(EMPTY_TIMELINE, { messages, headSeq: messages.length, deletedMessageIds: [] }).timeline,
    pinned: null,
    settings: null,
    counters: { viewerCount: 0, peakViewers: 0 },
    reactionSet: [],
    reactionTotals: {},
    permissions: VIEWER,
  });
  return store;
}

function ChatLines() {
  const { messages, canSend } = useSessionChat();
  const { canRequest } = useSessionStage();
  const permissions = useSessionPermissions();
  return createElement(
    'ol',
    { 'data-can-send': String(canSend), 'data-can-request': String(canRequest), 'data-moderate': String(permissions.canModerate) },
    messages.map((m) => createElement('li', { key: m.id }, m.text)),
  );
}

function IngestLine() {
  const { status, credentials, canManage } = useSessionIngest();
  return createElement('p', { 'data-manage': String(canManage) }, `${status?.state ?? 'none'} ${credentials?.rtmpUrl ?? '-'}`);
}

function RecordingLine() {
  const { recording, canRecord } = useSessionRecording();
  return createElement('p', { 'data-can-record': String(canRecord) }, recording ? `REC since ${recording.startedAt}` : 'not recording');
}

function NeedsGolive() {
  useGolive();
  return null;
}

describe('@golive/react hooks', () => {
  it("render the store's snapshot through <SessionProvider store>", () => {
    const store = storeWith([message(1, 'hello'), message(2, '<b>not bold</b>')]);
    const html = renderToStaticMarkup(createElement(SessionProvider, { store }, createElement(ChatLines)));
    assert.equal(
      html,
      '<ol data-can-send="true" data-can-request="true" data-moderate="false"><li>hello</li><li>&lt;b&gt;not bold&lt;/b&gt;</li></ol>',
    );
    store.dispatch({ type: 'ended', reason: 'ended_by_host', endedAt: '2030-01-01T01:00:00.000Z' });
    const after = renderToStaticMarkup(createElement(SessionProvider, { store }, createElement(ChatLines)));
    assert.match(after, /data-can-send="false" data-can-request="false"/);
  });

  it("useSessionIngest renders the ingest's status and the key's URLs, for the host only", () => {
    const store = storeWith([]);
    const render = () => renderToStaticMarkup(createElement(SessionProvider, { store }, createElement(IngestLine)));
    assert.equal(render(), '<p data-manage="false">none -</p>', 'a viewer manages no ingest');
    store.dispatch({ type: 'permissions', role: 'host', permissions: HOST });
    store.dispatch({
      type: 'ingest-credentials',
      credentials: { whipUrl: 'https://g/v1/ingest/whip', rtmpUrl: 'rtmp://g/live', streamKey: 'k' },
    });
    store.dispatch({
      type: 'ingest',
      status: {
        sessionId: 's1',
        state: 'receiving',
        protocol: 'whip',
        video: { width: null, height: null, fps: null },
        audio: true,
        bitrateKbps: null,
        stopReason: null,
        message: null,
        updatedAt: '2030-01-01T00:00:00.000Z',
      },
    });
    assert.equal(render(), '<p data-manage="true">receiving rtmp://g/live</p>');
  });

  it('useSessionRecording follows recording.started and .stopped; only the host may record', () => {
    const store = storeWith([]);
    const render = () => renderToStaticMarkup(createElement(SessionProvider, { store }, createElement(RecordingLine)));
    assert.equal(render(), '<p data-can-record="false">not recording</p>', 'a viewer: no recording, and no Record');
    store.dispatch({ type: 'recording', recording: { id: 'r1', startedAt: '2030-01-01T00:00:05.000Z', auto: false } });
    assert.equal(render(), '<p data-can-record="false">REC since 2030-01-01T00:00:05.000Z</p>', 'the viewer is told (the badge)');
    store.dispatch({ type: 'permissions', role: 'host', permissions: HOST });
    assert.match(render(), /data-can-record="true"/);
    store.dispatch({ type: 'recording', recording: null });
    assert.equal(render(), '<p data-can-record="true">not recording</p>');
  });

  it('guard hooks throw errors that say which provider to add', () => {
    assert.throws(() => renderToStaticMarkup(createElement(ChatLines)), /Render this component inside <SessionProvider sessionId=\{id\}>/);
    assert.throws(() => renderToStaticMarkup(createElement(NeedsGolive)), /inside <GoliveProvider client=\{createGoliveClient/);
  });
});
