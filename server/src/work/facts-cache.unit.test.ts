// Fast tier: who is told of an invalidation. No read happens here, so the cache has no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FactsCache } from './facts-cache.ts';

const cache = () => new FactsCache({ db: null as never, metrics: null as never, ttlMs: 1000, trusted: true });

describe('facts cache watchers', () => {
  it('are told once per announced version: the commit and its NOTIFY are one change, an older version none', () => {
    const facts = cache();
    const told: (string | null)[] = [];
    facts.watch((sessionId) => told.push(sessionId));
    facts.invalidate('s1', 5n); // after commit, here
    facts.invalidate('s1', 5n); // the same change by NOTIFY
    assert.deepEqual(told, ['s1']);
    facts.invalidate('s1', 4n);
    assert.deepEqual(told, ['s1'], 'a late NOTIFY of an older version');
    facts.invalidate('s1', 6n);
    facts.invalidate('s2', 1n);
    facts.invalidate('s2');
    assert.deepEqual(told, ['s1', 's1', 's2', 's2'], 'a newer version, another session, and a change without a version');
    assert.equal(facts.announcedVersion('s1'), 6n);
    facts.distrust();
    facts.trust();
    assert.equal(told.at(-1), null, 'LISTEN back: anything may have changed');
  });
});
