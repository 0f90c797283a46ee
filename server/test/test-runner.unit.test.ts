// Fast tier: the suite's runner (scripts/test-files.ts) on real node processes: a failure and a
// hang are failures, a native-style open handle does not hold a finished file, and the counts
// come from the reporter's summary.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCounts, runFile } from '../../scripts/test-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'golive-runner-'));
const NODE_ARGS = ['--test', '--test-isolation=none', '--test-force-exit', '--test-reporter=spec'];

function file(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\n${body}\n`);
  return path;
}

// The files' own output stays out of this file's (its summary would be read as this file's).
const run = (path: string, limitMs = 30_000) =>
  runFile(path, { cwd: dir, env: process.env, nodeArgs: NODE_ARGS, limitMs, write: () => {} });

describe('the test runner', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a file whose tests pass, although it leaves a handle open, with its counts', async () => {
    const outcome = await run(file('open-handle.test.mjs', "it('a', () => { setInterval(() => {}, 1000); });\nit('b', () => {});"));
    assert.equal(outcome.ok, true, outcome.reason);
    assert.deepEqual(outcome.counts, { tests: 2, pass: 2, fail: 0, cancelled: 0, skipped: 0, todo: 0 });
  });

  it('fails a file with a failing test, and says why', async () => {
    const outcome = await run(file('failing.test.mjs', "it('a', () => assert.equal(1, 2));\nit('b', () => {});"));
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason, /exited with 1/);
    assert.equal(outcome.counts.fail, 1);
  });

  it('kills a file that does not end within its limit, and fails it', async () => {
    const started = Date.now();
    const outcome = await run(file('hang.test.mjs', "it('never ends', () => new Promise(() => { setInterval(() => {}, 1000); }));"), 2_000);
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason, /did not exit within/);
    assert.ok(Date.now() - started < 10_000, 'killed at its limit, not left to run');
  });

  it('reads the summary lines of the spec reporter, the last of each', () => {
    const earlier = 'ℹ tests 2\nℹ pass 1\nℹ fail 1\n';
    assert.deepEqual(readCounts(`${earlier}ℹ tests 12\nℹ suites 1\nℹ pass 11\nℹ fail 1\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\n`), {
      tests: 12,
      pass: 11,
      fail: 1,
      cancelled: 0,
      skipped: 0,
      todo: 0,
    });
  });
});
