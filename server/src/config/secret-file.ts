import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `file` (mode 0600) with `content()` unless it exists. Written aside then linked into
 * place: link never overwrites, so when two processes start on the same data dir at once, one
 * version wins whole and both read it. Throws an error that says how to fix an unwritable folder.
 */
export function createFileOnce(file: string, content: () => string): void {
  if (existsSync(file)) return;
  const pending = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const cannotWrite = (error: unknown) =>
    new Error(`cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): set GOLIVE_DATA_DIR to a writable folder`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(pending, content(), { mode: 0o600 });
  } catch (error) {
    throw cannotWrite(error);
  }
  try {
    linkSync(pending, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(error);
  } finally {
    rmSync(pending, { force: true });
  }
}
