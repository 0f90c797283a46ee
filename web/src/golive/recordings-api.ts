import { GoliveError, type RecordingChat } from '@golive/sdk';

// The recording routes of issue 12 (startRecording, stopRecording, listRecordings, listReplays,
// getRecordingPlayback, getRecordingChat, updateRecording, deleteRecording), until the SDK
// client has methods for them. Authenticated like the client in auth.tsx.

export type RecordingStatus = 'recording' | 'processing' | 'ready' | 'failed';
export type RecordingVisibility = 'private' | 'public';

export type Recording = {
  id: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationSec: number | null;
  sizeBytes: number | null;
  interrupted: boolean;
  error?: string | null;
  visibility: RecordingVisibility;
};

/** A recording in the Replays list: with the session it is of. */
export type Replay = Recording & {
  sessionId: string;
  session?: { id: string; title: string; host: { id: string; name: string } } | undefined;
  title?: string | undefined;
  host?: { id: string; name: string } | undefined;
};

export type Playback = { url: string; expiresAt: string };

async function token(): Promise<string> {
  if (window.goliveTokenProvider) return window.goliveTokenProvider();
  try {
    return (JSON.parse(sessionStorage.getItem('golive.auth') ?? 'null') as { token?: string } | null)?.token ?? '';
  } catch {
    return '';
  }
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: signal ?? null });
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'AbortError') throw cause;
    throw new GoliveError({ status: 0, code: 'NETWORK_ERROR', message: `cannot reach golive: ${String(cause)}`, cause });
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) throw GoliveError.fromResponse(res, parsed);
  return parsed as T;
}

const enc = encodeURIComponent;

export const recordingsApi = {
  start: (sessionId: string) =>
    call<Pick<Recording, 'id' | 'status' | 'startedAt'>>('POST', `/v1/sessions/${enc(sessionId)}/recordings`, {}),
  stop: (sessionId: string, recordingId: string) =>
    call<Recording>('POST', `/v1/sessions/${enc(sessionId)}/recordings/${enc(recordingId)}/stop`, {}),
  listForSession: async (sessionId: string, signal?: AbortSignal) =>
    (await call<{ items: Recording[] }>('GET', `/v1/sessions/${enc(sessionId)}/recordings`, undefined, signal)).items,
  listReplays: async (signal?: AbortSignal) => (await call<{ items: Replay[] }>('GET', '/v1/recordings', undefined, signal)).items,
  playback: (recordingId: string, signal?: AbortSignal) =>
    call<Playback>('GET', `/v1/recordings/${enc(recordingId)}/playback`, undefined, signal),
  chat: (recordingId: string, signal?: AbortSignal) =>
    call<RecordingChat>('GET', `/v1/recordings/${enc(recordingId)}/chat`, undefined, signal),
  update: (recordingId: string, patch: { visibility: RecordingVisibility }) =>
    call<Recording>('PATCH', `/v1/recordings/${enc(recordingId)}`, patch),
  remove: (recordingId: string) => call<null>('DELETE', `/v1/recordings/${enc(recordingId)}`),
};
