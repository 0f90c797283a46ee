import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { it } from 'node:test';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

it('the SDK sources compile with browser types only (no Node-only API outside tests)', () => {
  const tsc = resolve(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'sdk/tsconfig.browser.json', '--noEmit'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, `sdk/src uses something a browser does not have:\n${result.stdout}${result.stderr}`);
});
