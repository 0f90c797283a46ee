import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.ts';

describe('group commit by key', () => {
  it('applies what arrives while a group is in flight as the next group, and answers each caller its own result', async () => {
    const groups: string[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const commit = new GroupCommit<string, string>(async (key, items) => {
      groups.push([key, ...items]);
      if (groups.length === 1) await gate;
      return items.map((i) => `${i}!`);
    });
    const first = commit.submit('s', 'a');
    await new Promise((r) => setImmediate(r));
    const rest = ['b', 'c', 'd'].map((i) => commit.submit('s', i));
    const other = commit.submit('t', 'x');
    release();
    assert.deepEqual(await Promise.all([first, ...rest, other]), ['a!', 'b!', 'c!', 'd!', 'x!']);
    assert.deepEqual(
      groups.filter((g) => g[0] === 's'),
      [
        ['s', 'a'],
        ['s', 'b', 'c', 'd'],
      ],
    );
    assert.deepEqual(
      groups.filter((g) => g[0] === 't'),
      [['t', 'x']],
      'another key has groups of its own',
    );
  });

  it('fails every caller of a failed group, and the next group still runs', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (_key, items) => {
      calls++;
      if (calls === 1) throw new Error('deadlock');
      return items;
    });
    const failed = await Promise.allSettled([commit.submit('k', 1), commit.submit('k', 2)]);
    assert.deepEqual(
      failed.map((f) => f.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await commit.submit('k', 3), 3);
  });

  it('caps a group', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number, number>(
      async (_key, items) => {
        sizes.push(items.length);
        return items;
      },
      { maxGroup: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((i) => commit.submit('k', i)));
    assert.deepEqual(sizes, [2, 2, 1]);
  });
});
