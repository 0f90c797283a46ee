import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, EmptyBody, errorResponses, SessionIdParams } from '../http/schemas.ts';
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

const common = { config: { auth: 'required' as const } };
const doc = (operationId: string, summary: string) => ({ operationId, summary, tags: ['recordings'], security: authenticated });

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
    {
      ...common,
      schema: {
        ...doc(
          'startRecording',
          'Starts recording the session (host or admin); one at a time per session (409 RECORDING_IN_PROGRESS), 503 RECORDER_CAPACITY past the cap',
        ),
        params: SessionIdParams,
        body: EmptyBody,
        response: { 201: Type.Ref('Recording'), ...errorResponses(400, 401, 403, 404, 409, 410, 503) },
      },
    },
    async (request, reply) => reply.code(201).send(await recordings.start(principalOf(request), request.params.id)),
  );

  app.post(
    '/sessions/:id/recordings/:recordingId/stop',
    {
      ...common,
      schema: {
        ...doc('stopRecording', 'Stops a recording (host or admin): it becomes processing, then ready once its MP4 is stored'),
        params: SessionRecordingParams,
        body: EmptyBody,
        response: { 200: Type.Ref('Recording'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => recordings.stop(principalOf(request), request.params.id, request.params.recordingId),
  );

  app.get(
    '/sessions/:id/recordings',
    {
      ...common,
      schema: {
        ...doc(
          'listRecordings',
          "The session's recordings, newest first: all of them for the host and admins, the playable ones for others",
        ),
        params: SessionIdParams,
        response: { 200: Type.Ref('RecordingList'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ items: await recordings.list(principalOf(request), request.params.id) }),
  );

  app.get(
    '/recordings',
    {
      ...common,
      schema: {
        ...doc('listReplays', 'Replays: the ready recordings the caller may play, newest first, with their session'),
        querystring: ReplaysQuerySchema,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Replay')) }), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({ items: await recordings.replays(principalOf(request), request.query) }),
  );

  app.get(
    '/recordings/:id/playback',
    {
      ...common,
      schema: {
        ...doc('getRecordingPlayback', 'A signed URL to the MP4, valid RECORDING_PLAYBACK_URL_TTL_SEC (15 min by default)'),
        params: RecordingParams,
        response: { 200: Type.Ref('RecordingPlayback'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const signed = await recordings.playback(principalOf(request), request.params.id);
      return { url: signed.url, expiresAt: signed.expiresAt.toISOString() };
    },
  );

  app.get(
    '/recordings/:id/chat',
    {
      ...common,
      schema: {
        ...doc('getRecordingChat', "The session's chat for a replay: offsets from the recording's start, deletions and pins as they were"),
        params: RecordingParams,
        response: { 200: Type.Ref('RecordingChat'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => recordings.chat(principalOf(request), request.params.id),
  );

  app.patch(
    '/recordings/:id',
    {
      ...common,
      schema: {
        ...doc(
          'updateRecording',
          'Makes a recording public (anyone who may watch the public session may play it) or private (host or admin)',
        ),
        params: RecordingParams,
        body: UpdateRecordingBody,
        response: { 200: Type.Ref('Recording'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => recordings.update(principalOf(request), request.params.id, request.body),
  );

  app.delete(
    '/recordings/:id',
    {
      ...common,
      schema: {
        ...doc('deleteRecording', 'Deletes a finished recording and its files (host or admin)'),
        params: RecordingParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await recordings.remove(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
