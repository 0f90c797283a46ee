// The P1 baseline: a bare Fastify route that mints the same LiveKit token golive's join mints
// (same livekit-server-sdk AccessToken, grants, metadata, attributes and TTL), with no auth,
// no database and no logging. What a hand-rolled token endpoint costs.
import Fastify from 'fastify';
import { AccessToken } from 'livekit-server-sdk';
import { grantFor, ROLE_ATTRIBUTE } from '../../server/src/sessions/grants.ts';
import { serveParent } from '../lib/ipc.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const apiKey = env('LIVEKIT_API_KEY');
const apiSecret = env('LIVEKIT_API_SECRET');
const livekitUrl = env('LIVEKIT_CLIENT_URL');
const ttlSec = Number(process.env.LIVEKIT_TOKEN_TTL_SEC ?? 600);
const userCount = Number(process.env.BENCH_USERS ?? 1000);

const app = Fastify();
let served = 0;
// Same path and verb as golive's join, so the load generator sends identical requests to both.
app.post<{ Params: { id: string } }>('/v1/sessions/:id/join', async (request) => {
  const room = request.params.id;
  // Identities of the same length as the bench users golive sees, so tokens are the same size.
  const identity = `bench-viewer-${String(served++ % userCount).padStart(4, '0')}`;
  const token = new AccessToken(apiKey, apiSecret, {
    identity,
    name: identity,
    ttl: ttlSec,
    metadata: JSON.stringify({ role: 'viewer', sessionId: room }),
    attributes: { [ROLE_ATTRIBUTE]: 'viewer' },
  });
  token.addGrant({ ...grantFor('viewer'), room, roomJoin: true });
  return {
    token: await token.toJwt(),
    livekitUrl,
    role: 'viewer',
    identity,
    expiresAt: new Date(Date.now() + ttlSec * 1000).toISOString(),
  };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();

serveParent({ port: typeof address === 'object' && address ? address.port : 0 }, { stop: () => app.close() });
