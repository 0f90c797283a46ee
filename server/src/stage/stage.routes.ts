import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AssignableRoleSchema, ParticipantRoleSchema } from '../contract.ts';
import { principalOf } from '../http/auth-hook.ts';
import { route } from '../http/route.ts';
import { EmptyBody, SessionIdParams, UserIdSchema } from '../http/schemas.ts';
import { refusalsOf } from '../policy/refusals.ts';
import type { StageService } from './stage.service.ts';

const RequestParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), requestId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
const UserParams = Type.Object({ id: Type.String({ format: 'uuid' }), userId: UserIdSchema }, { additionalProperties: false });
const StageRequestRef = Type.Ref('StageRequest');
const tags = ['stage'];
/** Deciding a pending request or invite: it must exist, still be pending and not have expired. */
const PENDING = ['requestNotFound', 'requestNotPending', 'requestExpired'] as const;

/** Guests by request and approval, invitations, and roles. */
export const stageRoutes: FastifyPluginAsyncTypebox<{ stage: StageService }> = async (app, { stage }) => {
  app.get(
    '/sessions/:id/participants',
    route({
      operationId: 'listParticipants',
      summary: 'Participants with their roles and whether they are connected',
      tags,
      params: SessionIdParams,
      response: { 200: Type.Object({ participants: Type.Array(Type.Ref('Participant')) }) },
      errors: refusalsOf('participants.list'),
    }),
    async (request) => ({ participants: await stage.listParticipants(principalOf(request), request.params.id) }),
  );

  app.get(
    '/sessions/:id/stage/requests',
    route({
      operationId: 'listStageRequests',
      summary: 'Pending stage requests and invites (all for the host and co-hosts, your own otherwise)',
      tags,
      params: SessionIdParams,
      response: { 200: Type.Object({ requests: Type.Array(StageRequestRef) }) },
      errors: refusalsOf('stage.list'),
    }),
    async (request) => ({ requests: await stage.listRequests(principalOf(request), request.params.id) }),
  );

  app.post(
    '/sessions/:id/stage/requests',
    route({
      operationId: 'requestStage',
      summary: 'Ask to come on stage; approved at once when the session does not require approval',
      tags,
      params: SessionIdParams,
      body: EmptyBody,
      response: { 201: StageRequestRef },
      errors: [...refusalsOf('stage.request'), 'requestPending', 'stageFull'],
    }),
    async (request, reply) => reply.code(201).send(await stage.request(principalOf(request), request.params.id)),
  );

  app.delete(
    '/sessions/:id/stage/requests/mine',
    route({
      operationId: 'cancelStageRequest',
      summary: 'Withdraw your pending stage request',
      tags,
      params: SessionIdParams,
      response: { 200: StageRequestRef },
      errors: [...refusalsOf('stage.cancel'), 'requestNotFound'],
    }),
    async (request) => stage.cancel(principalOf(request), request.params.id),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/sessions/:id/stage/requests/:requestId/${decision}`,
      route({
        operationId: `${decision}StageRequest`,
        summary: `${decision === 'approve' ? 'Approve' : 'Reject'} a stage request (host or co-host)`,
        tags,
        params: RequestParams,
        body: EmptyBody,
        response: { 200: StageRequestRef },
        // Only approving puts someone on stage, so only it can find the stage full.
        errors: [...refusalsOf('stage.decide'), ...PENDING, ...(decision === 'approve' ? (['stageFull'] as const) : [])],
      }),
      async (request) => stage.decide(principalOf(request), request.params.id, request.params.requestId, decision),
    );
  }

  app.post(
    '/sessions/:id/stage/invites',
    route({
      operationId: 'inviteToStage',
      summary: 'Invite a viewer on stage (host or co-host); they accept or decline',
      tags,
      params: SessionIdParams,
      body: Type.Object({ userId: UserIdSchema }, { additionalProperties: false }),
      response: { 201: StageRequestRef },
      errors: [...refusalsOf('stage.invite'), 'requestPending'],
    }),
    async (request, reply) => reply.code(201).send(await stage.invite(principalOf(request), request.params.id, request.body.userId)),
  );

  for (const answer of ['accept', 'decline'] as const) {
    app.post(
      `/sessions/:id/stage/invites/:requestId/${answer}`,
      route({
        operationId: `${answer}StageInvite`,
        summary: `${answer === 'accept' ? 'Accept' : 'Decline'} an invitation to the stage (the invitee)`,
        tags,
        params: RequestParams,
        body: EmptyBody,
        response: { 200: StageRequestRef },
        errors: [...refusalsOf('stage.answer'), ...PENDING, ...(answer === 'accept' ? (['stageFull'] as const) : [])],
      }),
      async (request) => stage.answerInvite(principalOf(request), request.params.id, request.params.requestId, answer),
    );
  }

  app.post(
    '/sessions/:id/stage/leave',
    route({
      operationId: 'leaveStage',
      summary: 'Step down from the stage to viewer; your tracks stop',
      tags,
      params: SessionIdParams,
      body: EmptyBody,
      response: { 204: Type.Null() },
      errors: [...refusalsOf('stage.leave')],
    }),
    async (request, reply) => {
      await stage.stepDown(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/sessions/:id/participants/:userId/role',
    route({
      operationId: 'setParticipantRole',
      summary: 'Promote or demote: guest and viewer by the host or a co-host, co-host by the host',
      tags,
      params: UserParams,
      body: Type.Object({ role: AssignableRoleSchema }, { additionalProperties: false }),
      response: { 200: Type.Object({ userId: Type.String(), role: ParticipantRoleSchema }) },
      errors: [...refusalsOf('role.set'), 'stageFull'],
    }),
    async (request) => ({
      userId: request.params.userId,
      role: await stage.setRole(principalOf(request), request.params.id, request.params.userId, request.body.role),
    }),
  );
};
