// The storage adapter's contract, the same tests against a real S3 API (versitygw) and the local
// files golive serves itself; then what only each one has: S3 refusing unsigned and expired
// requests, and golive's signed-file route refusing tampered, expired and bare URLs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectStorage } from '../src/adapters/storage.ts';
import { LocalStorage } from '../src/adapters/storage-local.ts';
import { S3Storage } from '../src/adapters/storage-s3.ts';
import { TestStack } from './harness.ts';
import { type S3TestServer, startVersitygw } from './versitygw.ts';

type Backend = { name: string; storage: () => ObjectStorage };

let s3Server: S3TestServer;
let stack: TestStack;
before(async () => {
  [s3Server, stack] = await Promise.all([startVersitygw(), TestStack.start({ reconciler: false })]);
});
after(async () => {
  await Promise.allSettled([s3Server?.stop(), stack?.stop()]);
});

const backends: Backend[] = [
  { name: 'S3 (versitygw)', storage: () => new S3Storage(s3Server.storageConfig('golive/test')) },
  // The storage golive wired from its default config: files under the data dir, served at /v1/files.
  { name: 'local files', storage: () => stack.services.storage },
];

/** Random bytes: a wrong range or a mixed-up part cannot match by chance. */
const pattern = (size: number) => randomBytes(size);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code);
    return true;
  });
}

for (const backend of backends) {
  describe(`storage contract: ${backend.name}`, () => {
    const base = `recordings/contract-${randomBytes(4).toString('hex')}`;
    after(async () => {
      await backend.storage().deletePrefix(`${base}/`);
    });

    it('puts a buffer and a multipart stream, reads them back whole, stats and lists them in key order', async () => {
      const storage = backend.storage();
      const small = pattern(1000);
      // 17 MiB from a stream of 1 MiB chunks: three parts of a multipart upload on S3.
      const large = pattern(17 * 1024 * 1024);
      const chunks = Array.from({ length: 17 }, (_, i) => large.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      await storage.put(`${base}/b/small.bin`, small, { contentType: 'application/octet-stream' });
      await storage.put(`${base}/a/large.bin`, Readable.from(chunks), { contentType: 'application/octet-stream' });

      assert.ok((await readAll(await storage.get(`${base}/b/small.bin`))).equals(small));
      assert.ok((await readAll(await storage.get(`${base}/a/large.bin`))).equals(large), 'the multipart object is byte-identical');
      assert.deepEqual(await storage.stat(`${base}/b/small.bin`), { key: `${base}/b/small.bin`, sizeBytes: 1000 });
      assert.equal(await storage.stat(`${base}/missing.bin`), null);
      assert.deepEqual(
        (await storage.list(`${base}/`)).map((o) => [o.key, o.sizeBytes]),
        [
          [`${base}/a/large.bin`, large.length],
          [`${base}/b/small.bin`, 1000],
        ],
      );
      assert.deepEqual(await storage.list(`${base}/nothing-here/`), []);
    });

    it('a missing object is STORED_FILE_NOT_FOUND; delete and deletePrefix remove what they name only', async () => {
      const storage = backend.storage();
      await rejectsWithCode(storage.get(`${base}/missing.bin`), 'STORED_FILE_NOT_FOUND');
      await storage.put(`${base}/c/one.bin`, Buffer.from('one'));
      await storage.put(`${base}/c/two.bin`, Buffer.from('two'));
      await storage.put(`${base}/c-sibling.bin`, Buffer.from('sibling'));
      await storage.delete(`${base}/c/one.bin`);
      await storage.delete(`${base}/c/one.bin`); // already gone: not an error
      assert.deepEqual(
        (await storage.list(`${base}/c/`)).map((o) => o.key),
        [`${base}/c/two.bin`],
      );
      assert.equal(await storage.deletePrefix(`${base}/c/`), 1);
      assert.deepEqual(await storage.list(`${base}/c/`), []);
      assert.ok(await storage.stat(`${base}/c-sibling.bin`), 'a key that only shares the text prefix stays');
      await assert.rejects(storage.presign('../etc/passwd', 60), /invalid storage key/);
    });

    it('a presigned URL reads the object, and serves a byte range as 206', async () => {
      const storage = backend.storage();
      const bytes = pattern(4096);
      await storage.put(`${base}/play.mp4`, bytes, { contentType: 'video/mp4' });
      const signed = await storage.presign(`${base}/play.mp4`, 900);
      const expiresInSec = (signed.expiresAt.getTime() - Date.now()) / 1000;
      assert.ok(expiresInSec > 890 && expiresInSec <= 900, `expires in ${expiresInSec} s`);

      const whole = await fetch(signed.url);
      assert.equal(whole.status, 200);
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));

      const ranged = await fetch(signed.url, { headers: { range: 'bytes=1000-1999' } });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers.get('content-range'), 'bytes 1000-1999/4096');
      assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(1000, 2000)));
    });

    it('a presigned URL with a changed signature or a changed key is refused', async () => {
      const storage = backend.storage();
      await storage.put(`${base}/secret.mp4`, Buffer.from('content-of-secret'));
      await storage.put(`${base}/other.mp4`, Buffer.from('content-of-other'));
      const signed = new URL((await storage.presign(`${base}/secret.mp4`, 900)).url);
      const signatureParam = storage.kind === 's3' ? 'X-Amz-Signature' : 'signature';
      const tampered = new URL(signed);
      const signature = tampered.searchParams.get(signatureParam) ?? '';
      tampered.searchParams.set(signatureParam, `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
      const otherKey = new URL(signed);
      otherKey.pathname = otherKey.pathname.replace('secret.mp4', 'other.mp4');
      for (const url of [tampered, otherKey]) {
        const res = await fetch(url);
        assert.equal(res.status, 403, `${url.pathname} with a signature for another URL is refused`);
        assert.doesNotMatch(await res.text(), /content-of/, 'no content');
      }
    });
  });
}

describe('S3 (versitygw): the bucket is private', () => {
  it('an unsigned GET and an expired presigned GET are refused by the S3 server itself', async () => {
    const storage = new S3Storage(s3Server.storageConfig('golive/private'));
    await storage.put('recordings/r1/recording.mp4', Buffer.from('private bytes'));
    const unsigned = await fetch(`${s3Server.endpoint}/${s3Server.bucket}/golive/private/recordings/r1/recording.mp4`);
    assert.equal(unsigned.status, 403, 'no anonymous read');
    assert.match(await unsigned.text(), /AccessDenied|Authorization|Signature/i);

    // Signed a minute ago for one second: expired on arrival, and the signature itself is valid.
    const expired = await getSignedUrl(
      storage.client,
      new GetObjectCommand({ Bucket: s3Server.bucket, Key: 'golive/private/recordings/r1/recording.mp4' }),
      { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) },
    );
    const res = await fetch(expired);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /expired/i);
  });
});

describe('local files: golive serves them only with a valid, unexpired signature', () => {
  const key = `recordings/signed-${randomBytes(4).toString('hex')}/recording.mp4`;
  let storage: LocalStorage;
  before(async () => {
    assert.ok(stack.services.storage instanceof LocalStorage, 'with no GOLIVE_STORAGE_URL golive stores files locally');
    storage = stack.services.storage;
    await storage.put(key, Buffer.from('0123456789'), { contentType: 'video/mp4' });
  });
  after(async () => {
    await storage.deletePrefix(key.replace('recording.mp4', ''));
  });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${stack.baseUrl}${path}`, { headers });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as { code: string; message: string }, headers: res.headers };
  };

  it('the signed URL serves the file with its type, ranges as 206, and a range past the end as 416', async () => {
    const { url } = await storage.presign(key, 60);
    assert.ok(url.startsWith(`${stack.baseUrl}/v1/files/${key}?`), url);
    const path = url.slice(stack.baseUrl.length);
    const whole = await get(path);
    assert.equal(whole.status, 200);
    assert.equal(whole.text, '0123456789');
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('cache-control'), 'private, no-store');
    const ranged = await get(path, { range: 'bytes=2-5' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.text, '2345');
    assert.equal(ranged.headers.get('content-range'), 'bytes 2-5/10');
    assert.equal((await get(path, { range: 'bytes=50-60' })).status, 416);
  });

  it('refuses the bare path, a tampered signature, a moved expiry and an expired URL, each with its code', async () => {
    const { url } = await storage.presign(key, 60);
    const signed = new URL(url);
    const expires = Number(signed.searchParams.get('expires'));
    const signature = signed.searchParams.get('signature') ?? '';
    const path = `/v1/files/${key}`;
    const cases: [string, string, string][] = [
      ['bare path', path, 'SIGNED_URL_REQUIRED'],
      ['no signature', `${path}?expires=${expires}`, 'SIGNED_URL_REQUIRED'],
      [
        'tampered signature',
        `${path}?expires=${expires}&signature=${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
        'SIGNED_URL_INVALID',
      ],
      ['signature with junk appended', `${path}?expires=${expires}&signature=${signature}!`, 'SIGNED_URL_INVALID'],
      ['expiry moved later', `${path}?expires=${expires + 3600}&signature=${signature}`, 'SIGNED_URL_INVALID'],
      [
        'another key',
        `/v1/files/${key.replace('recording.mp4', 'other.mp4')}?expires=${expires}&signature=${signature}`,
        'SIGNED_URL_INVALID',
      ],
    ];
    const past = Math.floor(Date.now() / 1000) - 5;
    cases.push(['expired', `${path}?expires=${past}&signature=${storage.signer.sign(key, past)}`, 'SIGNED_URL_EXPIRED']);
    for (const [what, target, code] of cases) {
      const res = await get(target);
      assert.equal(res.status, 403, what);
      assert.equal(res.json().code, code, what);
      assert.doesNotMatch(res.text, /0123456789/, `${what}: no content`);
    }
  });

  it('a valid signature for a file that is not there is a 404 with its code', async () => {
    const missing = 'recordings/nothing/recording.mp4';
    const { url } = await storage.presign(missing, 60);
    const res = await get(url.slice(stack.baseUrl.length));
    assert.equal(res.status, 404);
    assert.equal(res.json().code, 'STORED_FILE_NOT_FOUND');
  });
});
