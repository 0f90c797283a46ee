import send from '@fastify/send';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isValidKey } from '../adapters/storage-keys.ts';
import type { LocalStorage } from '../adapters/storage-local.ts';
import { Errors } from '../errors.ts';
import { route } from '../http/route.ts';

export type FilesRoutesOptions = { storage: LocalStorage };

type FileQuery = { expires?: string; signature?: string };

/**
 * GET /v1/files/<key>?expires=&signature= (FILES_ROUTE_PREFIX): the local storage's files, only with a valid, unexpired
 * signature (storage/url-signer.ts), with HTTP Range for seeking (@fastify/send). Registered
 * inside the /v1 prefix; needs no user token: the signature is the permission.
 */
export async function filesRoutes(app: FastifyInstance, { storage }: FilesRoutesOptions): Promise<void> {
  app.get<{ Params: { '*': string }; Querystring: FileQuery }>(
    '/files/*',
    route({
      operationId: 'getStoredFile',
      summary: 'A stored file, through the signed URL the API gave for it',
      tags: ['recordings'],
      auth: 'none',
      hide: true,
      querystring: Type.Object({
        expires: Type.Optional(Type.String({ maxLength: 20 })),
        signature: Type.Optional(Type.String({ maxLength: 128 })),
      }),
      // The file itself (a stream, with Range), or send's own 412 or 416 with no body.
      response: {},
      errors: ['signedUrlRequired', 'signedUrlInvalid', 'signedUrlExpired', 'storedFileNotFound'],
    }),
    async (request, reply) => {
      const key = request.params['*'];
      const { expires, signature } = request.query;
      // The signature is checked before the key is looked at, so nothing about which files exist leaks.
      storage.signer.verify(key, expires, signature);
      if (!isValidKey(key)) throw new Errors.storedFileNotFound(key);
      const result = await send(request.raw, `/${encodeURI(key)}`, {
        root: storage.root,
        dotfiles: 'deny',
        index: false,
        cacheControl: false,
        acceptRanges: true,
        etag: true,
      });
      if (result.type === 'file') {
        // A signed URL is a capability: no shared cache may keep the file for someone else.
        return reply.code(result.statusCode).headers(result.headers).header('cache-control', 'private, no-store').send(result.stream);
      }
      if (result.type === 'error' && result.statusCode !== 404) {
        // 416 (a range past the end), 412 (a failed precondition): send's own answer, headers included.
        return reply.code(result.statusCode).headers(result.headers).send();
      }
      throw new Errors.storedFileNotFound(key);
    },
  );
}
