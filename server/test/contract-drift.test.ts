// The contract-drift test: everything derived from the contract (sdk/src/contract) still agrees
// with it. No services: the OpenAPI document is built in-process on PGlite.
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { REALTIME_DOC, renderRealtimeDoc } from '../../scripts/realtime-docs.ts';
import { renderGeneratedFiles } from '../../sdk/scripts/generated-files.ts';
import { buildOpenApiDocument } from '../../sdk/scripts/openapi-document.ts';
import type * as SdkProtocol from '../../sdk/src/realtime/protocol.ts';
import * as Contract from '../src/contract.ts';
import { Errors } from '../src/errors.ts';
import type { PermissionsPush } from '../src/realtime/permissions-push.ts';
import { type RealtimeDeps, type RealtimeHandlers, realtimeHandlers } from '../src/realtime/realtime.server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(ROOT, path), 'utf8');

// Compile-time: the SDK's realtime types are the server's (a mismatch fails `npm run typecheck`).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameEvents: [
  Same<SdkProtocol.ClientToServerEvents, Contract.ClientToServerEvents>,
  Same<SdkProtocol.ServerToClientEvents, Contract.ServerToClientEvents>,
  Same<SdkProtocol.RealtimeErrorCode, Contract.RealtimeErrorCode>,
  Same<keyof RealtimeHandlers, keyof Contract.ClientToServerEvents>,
] = [true, true, true, true];

describe('the contract and what is derived from it', () => {
  it('docs/realtime.md has the tables the contract gives (else run npm run docs:realtime)', () => {
    const current = readFileSync(REALTIME_DOC, 'utf8');
    assert.ok(renderRealtimeDoc(current) === current, 'docs/realtime.md is out of date with the contract: run npm run docs:realtime');
  });

  it('the committed SDK types match /openapi.json and the error factory (else run npm run generate -w sdk)', async () => {
    const document = await buildOpenApiDocument();
    const files = await renderGeneratedFiles({ document });
    assert.deepEqual(
      files.map((f) => f.path),
      ['sdk/src/generated/openapi.ts', 'sdk/src/generated/error-codes.ts'],
    );
    for (const file of files) {
      // Compared as whole text; the message (not a multi-kilobyte diff) says how to fix it.
      assert.ok(read(file.path) === file.content, `${file.path} is out of date with the server: run npm run generate -w sdk`);
    }
    // Routes that declare their facts (http/route.ts) list their codes; each is documented.
    const api = read('docs/api.md');
    const paths = document.paths as Record<string, Record<string, { operationId?: string; 'x-error-codes'?: string[] }>>;
    const undocumented = Object.values(paths)
      .flatMap((item) => Object.values(item))
      .flatMap((op) =>
        (op['x-error-codes'] ?? []).filter((code) => !api.includes(`\`${code}\``)).map((code) => `${op.operationId}: ${code}`),
      );
    assert.deepEqual(undocumented, [], 'codes operations declare that docs/api.md does not list');
  });

  it('the server handles exactly the client messages of the contract, and the SDK defines no protocol of its own', () => {
    assert.deepEqual(sameEvents, [true, true, true, true]);
    // The handlers are only listed, never called: nothing in deps is touched.
    const handled = Object.keys(realtimeHandlers({} as RealtimeDeps, {} as PermissionsPush)).sort();
    assert.deepEqual(handled, Object.keys(Contract.CLIENT_MESSAGES).sort());
    const protocol = read('sdk/src/realtime/protocol.ts');
    assert.doesNotMatch(protocol, /export (type|const|interface) /, 'sdk/src/realtime/protocol.ts only re-exports the contract');
    for (const file of globSync('server/src/realtime/*.ts', { cwd: ROOT })) {
      assert.doesNotMatch(read(file), /Type\.Object\(/, `${file} defines a realtime schema: add it to sdk/src/contract instead`);
    }
  });

  it('every realtime error code is a code of the error factory, and every factory code the server throws is documented', () => {
    const factoryCodes = new Map(Object.entries(Errors).map(([name, E]) => [name, new E().code]));
    const codes = new Set(factoryCodes.values());
    for (const code of Contract.REALTIME_ERROR_CODES)
      assert.ok(codes.has(code), `${code} is a realtime code but not in server/src/errors.ts`);

    const api = read('docs/api.md');
    const documented = (code: string) =>
      api.includes(`\`${code}\``) || [...api.matchAll(/`([A-Z]+)_\*`/g)].some(([, prefix]) => code.startsWith(`${prefix}_`));
    const thrown = new Set<string>();
    for (const file of globSync('server/src/**/*.ts', { cwd: ROOT, exclude: (f) => f.endsWith('.test.ts') })) {
      const text = read(file);
      // Errors.name(...) anywhere, and the policy's denials ({ error: 'name' }).
      for (const [, name] of text.matchAll(/Errors\.(\w+)/g)) if (name && factoryCodes.has(name)) thrown.add(factoryCodes.get(name) ?? '');
      for (const [, name] of text.matchAll(/\berror: '(\w+)'/g))
        if (name && factoryCodes.has(name)) thrown.add(factoryCodes.get(name) ?? '');
    }
    const missing = [...thrown].filter((code) => !documented(code)).sort();
    assert.deepEqual(missing, [], 'codes the server throws that docs/api.md does not list in its Errors table');
    const realtimeDoc = readFileSync(REALTIME_DOC, 'utf8');
    for (const code of Contract.REALTIME_ERROR_CODES) assert.ok(realtimeDoc.includes(`\`${code}\``), `${code} is not in docs/realtime.md`);
  });
});
