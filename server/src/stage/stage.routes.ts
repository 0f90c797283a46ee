import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AssignableRoleSchema, ParticipantRoleSchema } from '../contract.ts';
import { principalOf } from '../http/auth-hook.ts';
import { authenticated, EmptyBody, errorResponses, SessionIdParams, UserIdSchema } from '../http/schemas.ts';
import type { StageService } from './stage.service.ts';

const RequestParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), requestId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }), userId: UserIdSchema }, { additionalProperties: false });

const common = { config: { auth: 'required' as const } };
const doc = (operationId: string, summary: string) => ({ operationId, summary, tags: ['stage'], security: authenticated });

/** Guests by request and approval, invitations, and roles. */
export const stageRoutes: FastifyPluginAsyncTypebox<{ stage: StageService }> = async (app, { stage }) => {
  app.get(
    '/sessions/:id/participants',
    {
      ...common,
      schema: {
        ...doc('listParticipants', 'Participants with their roles and whether they are connected'),
        params: SessionIdParams,
        response: { 200: Type.Object({ participants: Type.Array(Type.Ref('Participant')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ participants: await stage.listParticipants(principalOf(request), request.params.id) }),
  );

  app.get(
    '/sessions/:id/stage/requests',
    {
      ...common,
      schema: {
        ...doc('listStageRequests', 'Pending stage requests and invites (all for the host and co-hosts, your own otherwise)'),
        params: SessionIdParams,
        response: { 200: Type.Object({ requests: Type.Array(Type.Ref('StageRequest')) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ requests: await stage.listRequests(principalOf(request), request.params.id) }),
  );

  app.post(
    '/sessions/:id/stage/requests',
    {
      ...common,
      schema: {
        ...doc('requestStage', 'Ask to come on stage; approved at once when the session does not require approval'),
        params: SessionIdParams,
        body: EmptyBody,
        response: { 201: Type.Ref('StageRequest'), ...errorResponses(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => reply.code(201).send(await stage.request(principalOf(request), request.params.id)),
  );

  app.delete(
    '/sessions/:id/stage/requests/mine',
    {
      ...common,
      schema: {
        ...doc('cancelStageRequest', 'Withdraw your pending stage request'),
        params: SessionIdParams,
        response: { 200: Type.Ref('StageRequest'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => stage.cancel(principalOf(request), request.params.id),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/sessions/:id/stage/requests/:requestId/${decision}`,
      {
        ...common,
        schema: {
          ...doc(`${decision}StageRequest`, `${decision === 'approve' ? 'Approve' : 'Reject'} a stage request (host or co-host)`),
          params: RequestParams,
          body: EmptyBody,
          response: { 200: Type.Ref('StageRequest'), ...errorResponses(400, 401, 403, 404, 409, 410) },
        },
      },
      async (request) => stage.decide(principalOf(request), request.params.id, request.params.requestId, decision),
    );
  }

  app.post(
    '/sessions/:id/stage/invites',
    {
      ...common,
      schema: {
        ...doc('inviteToStage', 'Invite a viewer on stage (host or co-host); they accept or decline'),
        params: SessionIdParams,
        body: Type.Object({ userId: UserIdSchema }, { additionalProperties: false }),
        response: { 201: Type.Ref('StageRequest'), ...errorResponses(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => reply.code(201).send(await stage.invite(principalOf(request), request.params.id, request.body.userId)),
  );

  for (const answer of ['accept', 'decline'] as const) {
    app.post(
      `/sessions/:id/stage/invites/:requestId/${answer}`,
      {
        ...common,
        schema: {
          ...doc(`${answer}StageInvite`, `${answer === 'accept' ? 'Accept' : 'Decline'} an invitation to the stage (the invitee)`),
          params: RequestParams,
          body: EmptyBody,
          response: { 200: Type.Ref('StageRequest'), ...errorResponses(400, 401, 403, 404, 409, 410) },
        },
      },
      async (request) => stage.answerInvite(principalOf(request), request.params.id, request.params.requestId, answer),
    );
  }

  app.post(
    '/sessions/:id/stage/leave',
    {
      ...common,
      schema: {
        ...doc('leaveStage', 'Step down from the stage to viewer; your tracks stop'),
        params: SessionIdParams,
        body: EmptyBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409, 410) },
      },
    },
    async (request, reply) => {
      await stage.stepDown(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/sessions/:id/participants/:userId/role',
    {
      ...common,
      schema: {
        ...doc('setParticipantRole', 'Promote or demote: guest and viewer by the host or a co-host, co-host by the host'),
        params: UserParams,
        body: Type.Object({ role: AssignableRoleSchema }, { additionalProperties: false }),
        response: {
          200: Type.Object({ userId: Type.String(), role: ParticipantRoleSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 410),
        },
      },
    },
    async (request) => ({
      userId: request.params.userId,
      role: await stage.setRole(principalOf(request), request.params.id, request.params.userId, request.body.role),
    }),
  );
};
