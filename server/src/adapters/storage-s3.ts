import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3StorageConfig } from '../config/storage-config.ts';
import { Errors } from '../errors.ts';
import type { ObjectStorage, PutOptions, SignedUrl, StoredObject } from './storage.ts';
import { assertValidKey, assertValidPrefix } from './storage-keys.ts';

/** Parts of a multipart upload; S3's minimum is 5 MiB. */
const PART_SIZE = 8 * 1024 * 1024;

/**
 * A private S3-compatible bucket through the AWS SDK: multipart uploads (lib-storage) and
 * presigned GET URLs, which go straight to the bucket, Range requests included.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(config: S3StorageConfig) {
    this.#bucket = config.bucket;
    this.#prefix = config.prefix ? `${config.prefix}/` : '';
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle,
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
      // Checksums only where S3 requires them: S3-compatible servers do not all speak the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  #key(key: string): string {
    assertValidKey(key);
    return `${this.#prefix}${key}`;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.#bucket, Key: this.#key(key), Body: body, ContentType: options.contentType },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await this.#call(key, () => upload.done());
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<void> {
    await this.put(key, createReadStream(path), options);
  }

  async get(key: string): Promise<Readable> {
    const res = await this.#call(key, () => this.client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) })));
    // In Node the body is an http.IncomingMessage, a Readable.
    return res.Body as Readable;
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const res = await this.#call(key, () => this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) })));
      return { key, sizeBytes: res.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof Errors.storedFileNotFound) return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    assertValidPrefix(prefix);
    const found: StoredObject[] = [];
    await this.#call(prefix, async () => {
      for await (const page of paginateListObjectsV2(
        { client: this.client },
        { Bucket: this.#bucket, Prefix: `${this.#prefix}${prefix}` },
      )) {
        for (const object of page.Contents ?? []) {
          if (object.Key) found.push({ key: object.Key.slice(this.#prefix.length), sizeBytes: object.Size ?? 0 });
        }
      }
    });
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.#call(key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) })));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    // DeleteObjects takes at most 1,000 keys a call.
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000).map((o) => ({ Key: this.#key(o.key) }));
      const res = await this.#call(prefix, () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch, Quiet: true } })),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0)
        throw new Errors.storageUnavailable(`${failed.length} objects under ${prefix} were not deleted (${failed[0]?.Code})`);
    }
    return objects.length;
  }

  async presign(key: string, expiresSec: number): Promise<SignedUrl> {
    const signedAt = Date.now();
    const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }), {
      expiresIn: expiresSec,
    });
    return { url, expiresAt: new Date(Math.floor(signedAt / 1000) * 1000 + expiresSec * 1000) };
  }

  /** Missing objects become STORED_FILE_NOT_FOUND; other failures STORAGE_UNAVAILABLE (no credentials in it). */
  async #call<T>(key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof S3ServiceException) {
        const missingObject = error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
        if (missingObject && error.name !== 'NoSuchBucket') {
          throw new Errors.storedFileNotFound(key);
        }
        throw new Errors.storageUnavailable(`${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'}) on ${key}`);
      }
      // Errors of golive's own factory (they carry a statusCode) pass as they are.
      if (typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
      throw new Errors.storageUnavailable(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }
}
