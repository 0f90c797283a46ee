// Test code stays out of the build: nothing under server/src but its *.test.ts files reaches into
// server/test, and fixtures live in server/test (shared from there with bench/), never in server/src.
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const sources = globSync('server/src/**/*.ts', { cwd: ROOT }).filter((f) => !f.endsWith('.test.ts'));

it('no server/src module imports from server/test', () => {
  assert.ok(sources.length > 100, `found ${sources.length} server sources`);
  const offenders = sources.filter((f) => /from '(\.\.\/)+test\//.test(readFileSync(resolve(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, [], 'move the test code to server/test');
});

it('no fixture under server/src', () => {
  assert.deepEqual(
    sources.filter((f) => /fixture/i.test(f)),
    [],
    'test fixtures live in server/test',
  );
});
