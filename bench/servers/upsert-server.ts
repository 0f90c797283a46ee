// The P4 baseline: an "upsert-only" webhook route. A bare Fastify server that verifies nothing,
// parses the JSON body and does one INSERT ... ON CONFLICT DO UPDATE per event (the participant's
// join or leave time) into a table in the same PostgreSQL server golive uses, over a pool of the
// same size. No signature check, no dedup by event id, no counts, no audit event, no logging.
import Fastify from 'fastify';
import pg from 'pg';
import { serveParent } from '../lib/ipc.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
await pool.query(`
  create table if not exists webhook_participants (
    room text not null,
    participant_sid text not null,
    identity text not null,
    joined_at timestamptz,
    left_at timestamptz,
    primary key (room, participant_sid)
  )`);

type Body = {
  event?: string;
  createdAt?: string;
  room?: { name?: string };
  participant?: { sid?: string; identity?: string; joinedAtMs?: string };
};

const UPSERT_JOIN = `insert into webhook_participants (room, participant_sid, identity, joined_at) values ($1, $2, $3, to_timestamp($4::bigint / 1000.0))
  on conflict (room, participant_sid) do update set joined_at = excluded.joined_at`;
const UPSERT_LEAVE = `insert into webhook_participants (room, participant_sid, identity, left_at) values ($1, $2, $3, to_timestamp($4::bigint))
  on conflict (room, participant_sid) do update set left_at = excluded.left_at`;

const app = Fastify();
app.addContentTypeParser(['application/webhook+json', 'application/json'], { parseAs: 'string' }, (_request, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (error) {
    done(error as Error, undefined);
  }
});
app.post<{ Body: Body }>('/v1/livekit/webhook', async (request) => {
  const { event, createdAt, room, participant } = request.body;
  if (!room?.name || !participant?.sid) return { result: 'ignored' };
  const joined = event === 'participant_joined';
  await pool.query(joined ? UPSERT_JOIN : UPSERT_LEAVE, [
    room.name,
    participant.sid,
    participant.identity ?? '',
    joined ? (participant.joinedAtMs ?? '0') : (createdAt ?? '0'),
  ]);
  return { result: 'applied' };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();

serveParent(
  { port: typeof address === 'object' && address ? address.port : 0 },
  {
    stop: async () => {
      await app.close();
      await pool.end();
    },
  },
);
