// npm run generate -w sdk: regenerates src/generated/* from the server's OpenAPI document and error codes.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderGeneratedFiles } from './generated-files.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

for (const file of await renderGeneratedFiles()) {
  writeFileSync(resolve(REPO_ROOT, file.path), file.content);
  console.log(`wrote ${file.path}`);
}
