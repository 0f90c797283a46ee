// A real S3 API for tests: versitygw (Apache-2.0) on a free loopback port with its POSIX backend in
// a temp dir, random root credentials and one bucket. It checks SigV4 signatures and presigned-URL
// expiry like S3 does.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '../src/config/storage-config.ts';
import { eventually, reserveTcpPort } from './harness.ts';
import { HOW_TO_START } from './services-check.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The versitygw binary: GOLIVE_VERSITYGW_BIN, else the one ./golive setup built. */
export function versitygwBinary(): string {
  const bin = process.env.GOLIVE_VERSITYGW_BIN ?? resolve(REPO_ROOT, '.tools/versitygw-1.8.0/versitygw');
  if (!existsSync(bin)) throw new Error(HOW_TO_START.versitygw);
  return bin;
}

export type S3TestServer = {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The folder versitygw keeps the bucket in (objects are plain files under <dir>/<bucket>/). */
  dir: string;
  /** A storage config for this bucket, with the given key prefix. */
  storageConfig(prefix?: string): S3StorageConfig;
  stop(): Promise<void>;
};

export async function startVersitygw(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const binary = versitygwBinary();
  const reserved = await reserveTcpPort();
  const port = reserved.port;
  const dir = mkdtempSync(join(tmpdir(), 'golive-versitygw-'));
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64url');
  const bucket = options.bucket ?? `golive-test-${randomBytes(4).toString('hex')}`;
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  await reserved.release();
  // Credentials through the environment, not argv, so they do not show in ps.
  const child: ChildProcess = spawn(binary, ['--port', `127.0.0.1:${port}`, '--health', '/health', '--quiet', 'posix', dir], {
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode}: ${output.join('').slice(-500)}`);
        return (await fetch(`${endpoint}/health`)).ok;
      },
      { timeoutMs: 15_000, what: `versitygw to answer on ${endpoint}/health` },
    );
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    dir,
    storageConfig: (prefix = '') => ({
      kind: 's3',
      bucket,
      prefix,
      endpoint,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      forcePathStyle: true,
    }),
    stop,
  };
}
