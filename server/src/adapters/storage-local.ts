import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Errors } from '../errors.ts';
import { UrlSigner } from '../storage/url-signer.ts';
import type { ObjectStorage, PutOptions, SignedUrl, StoredObject } from './storage.ts';
import { assertValidKey, assertValidPrefix, isValidKey } from './storage-keys.ts';

export type LocalStorageOptions = {
  /** The folder objects live in; created on first write. */
  root: string;
  /** golive's public base URL: signed URLs point at its /v1/files route. */
  baseUrl: string;
  signingSecret: string;
};

/** The path signed file URLs live under (served by storage/files.routes.ts). */
export const FILES_ROUTE_PREFIX = '/v1/files/';

/**
 * Objects as files under one folder. Writes go to a dot-file beside the target and are renamed
 * into place, so a reader never sees half a file (dot-files are never valid keys, so never served).
 */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;
  readonly root: string;
  readonly signer: UrlSigner;
  readonly #baseUrl: string;

  constructor(options: LocalStorageOptions) {
    this.root = options.root;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.signer = new UrlSigner(options.signingSecret);
  }

  /** The file holding key. */
  pathOf(key: string): string {
    assertValidKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable, _options?: PutOptions): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const pending = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.part`);
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream(pending, { mode: 0o600 }));
      await rename(pending, target);
    } finally {
      await rm(pending, { force: true });
    }
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<void> {
    await this.put(key, createReadStream(path), options);
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    // Opened first, so a missing file is a clear rejection here rather than a stream error later.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') throw new Errors.storedFileNotFound(key);
      throw error;
    });
    return handle.createReadStream();
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, sizeBytes: info.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    assertValidPrefix(prefix);
    // Only the folder the prefix points into (and below) can hold matches.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = join(this.root, ...folder.split('/').filter(Boolean));
    let entries: { name: string; parentPath: string; isFile(): boolean }[];
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const found: StoredObject[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (!key.startsWith(prefix) || !isValidKey(key)) continue;
      const info = await stat(join(entry.parentPath, entry.name)).catch(() => null);
      if (info) found.push({ key, sizeBytes: info.size });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await Promise.all(objects.map((o) => this.delete(o.key)));
    // A prefix naming a folder leaves no empty folder behind.
    if (prefix.endsWith('/') && prefix.length > 1) await rm(this.pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
    return objects.length;
  }

  async presign(key: string, expiresSec: number): Promise<SignedUrl> {
    assertValidKey(key);
    const expiresAtSec = Math.floor(Date.now() / 1000) + expiresSec;
    const query = new URLSearchParams({ expires: String(expiresAtSec), signature: this.signer.sign(key, expiresAtSec) });
    return { url: `${this.#baseUrl}${FILES_ROUTE_PREFIX}${key}?${query}`, expiresAt: new Date(expiresAtSec * 1000) };
  }
}
