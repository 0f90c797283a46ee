import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { EmptyBody, SessionIdParams } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import {
  PlaybackSchema,
  RecordingChatSchema,
  RecordingList,
  RecordingParams,
  RecordingSchema,
  ReplaySchema,
  ReplaysQuerySchema,
  SessionRecordingParams,
  UpdateRecordingBody,
} from './recordings.schemas.ts';
import type { RecordingsService } from './recordings.service.ts';

const tags = ['recordings'];
/** Managing one recording: it must exist, and the caller manage its session. */
const MANAGE = ['recordingNotFound', ...refusalsOf('recording.manage')] as const;
/** Playing one back (its URL, its chat): it must exist, and the caller may play it. */
const PLAY = ['recordingNotFound', ...refusalsOf('recording.play')] as const;

export type RecordingsRoutesOptions = { recordings: RecordingsService };

/** Recording a session and playing recordings back (docs/recording.md). */
export const recordingsRoutes: FastifyPluginAsyncTypebox<RecordingsRoutesOptions> = async (app, { recordings }) => {
  app.addSchema(RecordingSchema);
  app.addSchema(RecordingList);
  app.addSchema(PlaybackSchema);
  app.addSchema(ReplaySchema);
  app.addSchema(RecordingChatSchema);

  app.post(
    '/sessions/:id/recordings',
    route({
      operationId: 'startRecording',
      summary:
        'Starts recording the session (host or admin); one at a time per session (409 RECORDING_IN_PROGRESS), 503 RECORDER_CAPACITY past the cap',
      tags,
      params: SessionIdParams,
      body: EmptyBody,
      response: { 201: Type.Ref('Recording') },
      errors: [...refusalsOf('recording.start'), 'recordingInProgress', 'recorderCapacity'],
    }),
    async (request, reply) => reply.code(201).send(await recordings.start(principalOf(request), request.params.id)),
  );

  app.post(
    '/sessions/:id/recordings/:recordingId/stop',
    route({
      operationId: 'stopRecording',
      summary: 'Stops a recording (host or admin): it becomes processing, then ready once its MP4 is stored',
      tags,
      params: SessionRecordingParams,
      body: EmptyBody,
      response: { 200: Type.Ref('Recording') },
      errors: [...MANAGE, 'recordingNotRecording'],
    }),
    async (request) => recordings.stop(principalOf(request), request.params.id, request.params.recordingId),
  );

  app.get(
    '/sessions/:id/recordings',
    route({
      operationId: 'listRecordings',
      summary: "The session's recordings, newest first: all of them for the host and admins, the playable ones for others",
      tags,
      params: SessionIdParams,
      response: { 200: Type.Ref('RecordingList') },
      errors: refusalsOf('session.view'),
    }),
    async (request) => ({ items: await recordings.list(principalOf(request), request.params.id) }),
  );

  app.get(
    '/recordings',
    route({
      operationId: 'listReplays',
      summary: 'Replays: the ready recordings the caller may play, newest first, with their session',
      tags,
      querystring: ReplaysQuerySchema,
      response: { 200: Type.Object({ items: Type.Array(Type.Ref('Replay')) }) },
    }),
    async (request) => ({ items: await recordings.replays(principalOf(request), request.query) }),
  );

  app.get(
    '/recordings/:id/playback',
    route({
      operationId: 'getRecordingPlayback',
      summary: 'A signed URL to the MP4, valid RECORDING_PLAYBACK_URL_TTL_SEC (15 min by default)',
      tags,
      params: RecordingParams,
      response: { 200: Type.Ref('RecordingPlayback') },
      errors: [...PLAY, 'recordingNotReady'],
    }),
    async (request) => {
      const signed = await recordings.playback(principalOf(request), request.params.id);
      return { url: signed.url, expiresAt: signed.expiresAt.toISOString() };
    },
  );

  app.get(
    '/recordings/:id/chat',
    route({
      operationId: 'getRecordingChat',
      summary: "The session's chat for a replay: offsets from the recording's start, deletions and pins as they were",
      tags,
      params: RecordingParams,
      response: { 200: Type.Ref('RecordingChat') },
      errors: PLAY,
    }),
    async (request) => recordings.chat(principalOf(request), request.params.id),
  );

  app.patch(
    '/recordings/:id',
    route({
      operationId: 'updateRecording',
      summary: 'Makes a recording public (anyone who may watch the public session may play it) or private (host or admin)',
      tags,
      params: RecordingParams,
      body: UpdateRecordingBody,
      response: { 200: Type.Ref('Recording') },
      errors: MANAGE,
    }),
    async (request) => recordings.update(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/recordings/:id',
    route({
      operationId: 'deleteRecording',
      summary: 'Deletes a finished recording and its files (host or admin)',
      tags,
      params: RecordingParams,
      response: { 204: Type.Null() },
      errors: [...MANAGE, 'recordingBusy'],
    }),
    async (request, reply) => {
      await recordings.remove(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
