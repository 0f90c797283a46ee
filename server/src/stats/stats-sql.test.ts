// The analytics SQL against the obvious computation (test/stats-truth.ts) on random timelines,
// on both engines golive runs on: PostgreSQL and the embedded PGlite.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { createTestDatabase } from '../../test/harness.ts';
import { generateSession, insertSession, writeTimeline } from '../../test/stats-fixtures.ts';
import { levelAt, maxPerBucket, pieces, viewerTruth } from '../../test/stats-truth.ts';
import { seededRandom } from '../../test/webhook-fixtures.ts';
import { migrateToLatest, openDatabase } from '../adapters/database.ts';
import type { Database } from '../db/schema.ts';
import { recomputeCounts } from '../presence/counts.ts';
import { platformStats } from './platform-stats.ts';
import { sessionStats } from './session-stats.ts';

const SEEDS = process.env.GOLIVE_TEST_SEED ? [Number(process.env.GOLIVE_TEST_SEED)] : [1, 2, 3, 4, 5, 6];
/** A fixed start, on no 10 s boundary, so bucket edges are not all round numbers. */
const T0 = Date.UTC(2026, 0, 5, 12, 0, 3, 217);

const engines: Array<{ name: string; open: () => Promise<{ db: Kysely<Database>; close: () => Promise<void> }> }> = [
  {
    name: 'PostgreSQL',
    open: async () => {
      const database = await createTestDatabase();
      const { db } = await openDatabase({ kind: 'postgres', url: database.url, poolSize: 2 });
      return {
        db,
        close: async () => {
          await db.destroy();
          await database.drop();
        },
      };
    },
  },
  {
    name: 'PGlite',
    open: async () => {
      const db = new Kysely<Database>({ dialect: new PGliteDialect(new PGlite()) });
      return { db, close: () => db.destroy() };
    },
  },
];

for (const engine of engines) {
  describe(`analytics SQL on ${engine.name}`, () => {
    let db: Kysely<Database>;
    let close: () => Promise<void>;
    before(async () => {
      ({ db, close } = await engine.open());
      await migrateToLatest(db);
    });
    after(async () => close?.());

    it('session stats equal the truth on random ended sessions, and on a live one as of a moment', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed);
        const durationMs = 240_000 + Math.floor(random() * 120_000);
        const live = seed % 3 === 0;
        const endMs = T0 + durationMs;
        const timeline = generateSession(random, T0, durationMs);
        const sessionId = await insertSession(db, T0, live ? null : endMs);
        // A live session's open connections are still open; its stats run as of endMs.
        await writeTimeline(db, sessionId, timeline, live ? null : endMs);
        const stats = await sessionStats(db, sessionId, endMs);
        const want = viewerTruth(timeline.connections, timeline.changes, { startMs: T0, endMs });
        const got = {
          peakViewers: stats.peakViewers,
          averageViewers: stats.averageViewers,
          uniqueViewers: stats.uniqueViewers,
          watchTimeSec: stats.watchTimeSec,
          retention: stats.retention,
          stage: { guests: stats.stage.guests, stageTimeSec: stats.stage.stageTimeSec },
        };
        assert.deepEqual(got, want, `seed ${seed} (rerun with GOLIVE_TEST_SEED=${seed})`);
        // The live peak presence keeps on the session row, re-derived from the same ledger, agrees.
        const counts = await db.transaction().execute((trx) => recomputeCounts(trx, sessionId, 'rederive'));
        assert.equal(counts.peakViewers, want.peakViewers, `seed ${seed}: the re-derived peak`);
        assert.ok(want.stage.guests === 2 && want.uniqueViewers >= 10, `seed ${seed}: the timeline has guests and viewers to count`);
        assert.equal(stats.retention.length, Math.ceil(durationMs / 10_000));
        assert.equal(stats.durationSec, durationMs / 1000);
        assert.equal(stats.asOf, new Date(endMs).toISOString());
        // Ended, so that it does not overlap the platform test's window as a session still live.
        if (live)
          await db
            .updateTable('sessions')
            .set({ status: 'ended', ended_at: new Date(endMs) })
            .where('id', '=', sessionId)
            .execute();
      }
    });

    it('platform stats equal the truth over several overlapping sessions', async () => {
      const from = T0 + 3 * 86_400_000;
      const random = seededRandom(77);
      const sessions = [
        { start: from - 60_000, end: from + 120_000 }, // started before the window
        { start: from + 30_000, end: from + 300_000 },
        { start: from + 90_000, end: from + 200_000 },
        { start: from + 500_000, end: from + 4_000_000 }, // ends after the window
      ];
      const to = from + 3_600_000;
      const timelines = [];
      for (const s of sessions) {
        const timeline = generateSession(random, s.start, s.end - s.start, 6);
        const id = await insertSession(db, s.start, s.end);
        await writeTimeline(db, id, timeline, s.end);
        timelines.push({ ...s, timeline });
      }
      for (const [at, reason] of [
        [from + 10_000, 'livekit'],
        [from + 20_000, 'internal'],
        [to + 1, 'livekit'], // after the window
      ] as const) {
        await db
          .insertInto('session_start_failures')
          .values({ host_id: 'h', reason, created_at: new Date(at) })
          .execute();
      }
      const stats = await platformStats(db, { fromMs: from, toMs: to, asOfMs: to + 86_400_000 });

      // Truth: sessions as intervals; viewers are each session's viewer pieces (a user in two sessions counts twice).
      const clip = (f: number, u: number) => ({ from: Math.max(f, from), until: Math.min(u, to) });
      const sessionSpans = sessions.map((s) => clip(s.start, s.end)).filter((p) => p.until > p.from);
      const windows = timelines.map(({ start, end, timeline }) => ({ timeline, startMs: Math.max(start, from), endMs: Math.min(end, to) }));
      const viewerSpans = windows.flatMap(({ timeline, startMs, endMs }) =>
        pieces(timeline.connections, timeline.changes, startMs, endMs).filter((p) => p.counted),
      );
      const perSession = windows.map(({ timeline, startMs, endMs }) =>
        viewerTruth(timeline.connections, timeline.changes, { startMs, endMs }),
      );
      assert.equal(stats.sessionsStarted, 3);
      assert.equal(stats.sessionsFailed, 2);
      assert.equal(stats.startFailureRate, 0.4);
      assert.equal(stats.sessionsEnded, 3);
      assert.equal(stats.averageDurationSec, Math.round((180_000 + 270_000 + 110_000) / 3 / 10) / 100);
      assert.equal(stats.peakConcurrentSessions, 3);
      const minutes = perSession.reduce((sum, t) => sum + t.watchTimeSec.total, 0) / 60;
      assert.equal(stats.minutesWatched, Math.round(minutes * 100) / 100);
      assert.ok(minutes > 10, `${minutes} minutes watched in the fixture`);
      assert.deepEqual(
        stats.timeline.map((b) => ({ at: b.at, sessions: b.sessions, viewers: b.viewers })),
        maxPerBucket(sessionSpans, from, to, 60_000).map((b, i) => ({
          at: b.at,
          sessions: b.level,
          viewers: maxPerBucket(viewerSpans, from, to, 60_000)[i]?.level,
        })),
      );
      assert.equal(stats.peakConcurrentViewers, Math.max(0, ...viewerSpans.map((p) => levelAt(viewerSpans, p.from))));
      assert.equal(stats.bucketSec, 60);
      assert.equal(stats.timeline.length, 60);
      assert.equal(Math.max(...stats.timeline.map((b) => b.viewers)), stats.peakConcurrentViewers);
      assert.equal(Math.max(...stats.timeline.map((b) => b.sessions)), stats.peakConcurrentSessions);
      assert.equal(
        stats.timeline.reduce((sum, b) => sum + b.sessionsStarted, 0),
        3,
      );
      assert.deepEqual(
        stats.timeline.filter((b) => b.sessionsStarted > 0).map((b) => b.at),
        [from + 0, from + 60_000, from + 480_000].map((t) => new Date(t).toISOString()),
      );
    });
  });
}
