import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import { createTestDatabase } from '../../server/test/harness.ts';
import { renderGeneratedFiles } from '../scripts/generated-files.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

it('the committed src/generated files match what the server defines now (else run npm run generate -w sdk)', async () => {
  const database = await createTestDatabase();
  const files = await renderGeneratedFiles({ databaseUrl: database.url }).finally(database.drop);
  assert.deepEqual(
    files.map((f) => f.path),
    ['sdk/src/generated/openapi.ts', 'sdk/src/generated/error-codes.ts'],
  );
  for (const file of files) {
    const committed = readFileSync(resolve(REPO_ROOT, file.path), 'utf8');
    // Compared as whole text; the message (not a multi-kilobyte diff) says how to fix it.
    assert.ok(committed === file.content, `${file.path} is out of date with the server: run npm run generate -w sdk and commit it`);
  }
});
