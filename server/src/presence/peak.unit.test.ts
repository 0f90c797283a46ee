import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BatchEdge, type PriorRow, planPeak } from './peak.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const join = (sid: string, s: number, counted = true): BatchEdge => ({ kind: 'joined', sid, at: t(s), counted });
const leave = (sid: string, s: number, counted = true): BatchEdge => ({ kind: 'left', sid, at: t(s), counted });
const plan = (edges: BatchEdge[], prior = new Map<string, PriorRow>(), countBefore = 0, latestBefore: Date | null = null) =>
  planPeak({ edges, prior, countBefore, latestBefore });

describe('the peak of a batch of edges', () => {
  it('keeps a peak reached inside the batch (three join, three leave)', () => {
    const edges = [join('a', 1), join('b', 2), join('c', 3), leave('a', 4), leave('b', 5), leave('c', 6)];
    assert.deepEqual(plan(edges), { kind: 'in-order', peak: 3, count: 0 });
  });

  it('orders by time whatever the arrival order, leaves before joins at one instant', () => {
    const edges = [leave('a', 5), join('b', 5), join('a', 1)];
    // a is in [1, 5), b from 5: never together.
    assert.deepEqual(plan(edges), { kind: 'in-order', peak: 1, count: 1 });
  });

  it('starts from the count before and the rows that existed', () => {
    const prior = new Map<string, PriorRow>([['old', { joined: true, left: false, counted: true }]]);
    assert.deepEqual(plan([join('new', 10), leave('old', 11)], prior, 1, t(9)), { kind: 'in-order', peak: 2, count: 1 });
  });

  it('counts only counted connections, once, and a join after its own leave not at all', () => {
    const prior = new Map<string, PriorRow>([['gone', { joined: false, left: true, counted: true }]]);
    const edges = [join('host', 1, false), join('v', 2), join('v', 3), join('gone', 4)];
    assert.deepEqual(plan(edges, prior), { kind: 'in-order', peak: 1, count: 1 });
  });

  it('calls a batch late when any edge is not after the latest recorded one (ties included)', () => {
    assert.deepEqual(plan([join('a', 10), join('b', 5)], new Map(), 0, t(8)), { kind: 'late' });
    assert.deepEqual(plan([join('a', 8)], new Map(), 0, t(8)), { kind: 'late' });
  });
});
