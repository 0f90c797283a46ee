import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createFileOnce } from '../config/secret-file.ts';
import type { StorageConfig } from '../config/storage-config.ts';
import { LocalStorage } from './storage-local.ts';
import { S3Storage } from './storage-s3.ts';

export type StoredObject = { key: string; sizeBytes: number };

/** A URL that reads one object until expiresAt, with nothing else needed (no cookie, no header). */
export type SignedUrl = { url: string; expiresAt: Date };

export type PutOptions = { contentType?: string };

/**
 * Where recordings are kept. Keys are relative ('recordings/<id>/recording.mp4'); an
 * implementation adds its own prefix or folder. Objects are private: reading one from outside
 * golive takes a signed URL.
 */
export interface ObjectStorage {
  readonly kind: 's3' | 'local';
  /** Writes a whole object, replacing any. A stream is uploaded as it is read (multipart on S3). */
  put(key: string, body: Buffer | Readable, options?: PutOptions): Promise<void>;
  /** Writes a local file as an object. */
  putFile(key: string, path: string, options?: PutOptions): Promise<void>;
  /** The object's bytes; rejects with STORED_FILE_NOT_FOUND when there is none. */
  get(key: string): Promise<Readable>;
  /** Size of the object, or null when there is none. */
  stat(key: string): Promise<StoredObject | null>;
  /** Every object whose key starts with prefix, sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Deletes an object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** A signed GET URL to the object, valid for expiresSec. */
  presign(key: string, expiresSec: number): Promise<SignedUrl>;
}

export type StorageContext = {
  /** golive's public base URL: local signed URLs point at it. */
  publicUrl: string;
  /** Where a generated signing secret is kept. */
  dataDir: string;
};

/** The storage the configuration names. */
export function createStorage(config: StorageConfig, context: StorageContext): ObjectStorage {
  if (config.kind === 's3') return new S3Storage(config);
  return new LocalStorage({
    root: config.dir,
    baseUrl: context.publicUrl,
    signingSecret: config.signingSecret ?? loadSigningSecret(context.dataDir),
  });
}

/** The local URL-signing key, generated once and kept in the data dir so every instance on it agrees. */
function loadSigningSecret(dataDir: string): string {
  const file = join(dataDir, 'storage-signing-secret');
  createFileOnce(file, () => `${randomBytes(32).toString('base64url')}\n`);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32)
    throw new Error(`${file} is not valid: delete it and golive generates a new one (signed URLs issued before stop working)`);
  return secret;
}
