// The outbox's claims against real PostgreSQL: effects of one ordering key are claimed one head at
// a time, except that a change's fresh effects may be claimed together — and only together: when a
// worker's poll took the earlier one first, the later one must wait for it, not run beside it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase } from '../../test/harness.ts';
import { type Db, migrateToLatest, openDatabase } from '../adapters/database.ts';
import { claimByIds, claimDue, completeEffect, recordEffects } from './outbox.repository.ts';

const LEASE_MS = 30_000;

describe('outbox claims', () => {
  let db: Db;
  let drop: () => Promise<void>;
  before(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = (await openDatabase({ kind: 'postgres', url: database.url, poolSize: 4 })).db;
    await migrateToLatest(db);
  });
  after(async () => {
    await db?.destroy();
    await drop?.();
  });

  /** Two effects of one ordering key (one session's realtime pushes), as one change commits them. */
  const twoOfOneKey = () => {
    const sessionId = randomUUID();
    return db.transaction().execute((trx) =>
      recordEffects(trx, [
        { kind: 'realtime.chat.deleted', sessionId, messageId: 'first' },
        { kind: 'realtime.chat.deleted', sessionId, messageId: 'second' },
      ]),
    );
  };
  const rowOf = (id: string) =>
    db.selectFrom('outbox').select(['locked_by', 'attempts', 'status']).where('id', '=', id).executeTakeFirstOrThrow();

  it('the committer claims its change’s effects of one key together, to run them in order', async () => {
    const [first = '', second = ''] = await twoOfOneKey();
    const claimed = await claimByIds(db, [first, second], 'committer', LEASE_MS, { together: true });
    assert.deepEqual(
      claimed.map((c) => c.id),
      [first, second],
    );
  });

  it('when a poll claimed the earlier one first, the later one is not claimed beside it, and waits unheld', async () => {
    const [first = '', second = ''] = await twoOfOneKey();
    // A worker's poll, between the commit and the committer's own claim, takes the head of the key.
    const polled = await claimDue(db, 'worker', LEASE_MS, 50);
    assert.ok(
      polled.some((c) => c.id === first),
      'the poll took the earlier effect',
    );
    assert.ok(!polled.some((c) => c.id === second), 'but not the later one, behind it');
    const claimed = await claimByIds(db, [first, second], 'committer', LEASE_MS, { together: true });
    assert.deepEqual(claimed, [], 'the later one would run beside the earlier one, which may yet fail and be retried');
    assert.deepEqual(await rowOf(second), { locked_by: null, attempts: 0, status: 'pending' }, 'left as if never claimed');
    assert.deepEqual(
      (await claimDue(db, 'worker', LEASE_MS, 50)).map((c) => c.id),
      [],
      'nor can a poll take it while the earlier one is pending',
    );
    assert.equal(await completeEffect(db, first, 'worker'), true);
    assert.deepEqual(
      (await claimDue(db, 'worker', LEASE_MS, 50)).map((c) => c.id),
      [second],
      'once the earlier one is done, the later one is next',
    );
  });
});
