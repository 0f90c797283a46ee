import { createHash, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { AuthConfig } from '../config/config.ts';
import { Errors } from '../errors.ts';
import { type Principal, SERVICE_PRINCIPAL, type UserPrincipal } from './principal.ts';

export type Credentials = {
  authorization: string | undefined;
  apiKey: string | undefined;
  actAsUser: string | undefined;
  actAsName: string | undefined;
  actAsRole: string | undefined;
};

const USER_ID = /^[A-Za-z0-9_.:@|-]{1,128}$/;

/** Asymmetric algorithms only with a JWKS: a symmetric key published in a JWKS is no secret. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Verified tokens kept, so a client's repeated calls skip the signature check. */
const VERIFIED_CACHE_SIZE = 10_000;
/** Longest a verified token is reused without checking again (it is never reused past its exp). */
const VERIFIED_CACHE_MAX_MS = 5 * 60_000;

/** The JWKS could not be fetched: the identity provider's fault, not the caller's. */
class KeySourceUnavailable extends Error {}

/**
 * Turns request credentials into a Principal: the host app's JWT (HS256 secret or JWKS), or a
 * server-to-server API key, optionally acting for a user. jose does all JWT work.
 */
export class Authenticator {
  readonly #config: AuthConfig;
  readonly #secret: KeyObject | null;
  readonly #jwks: JWTVerifyGetKey | null;
  readonly #apiKeyDigests: Buffer[];
  // A JWT cannot be revoked, so reusing a verification until its exp changes nothing a client can
  // observe; it saves the signature check on every request (fast-jwt's cache does the same).
  readonly #verified = new LRUCache<string, UserPrincipal>({ max: VERIFIED_CACHE_SIZE, ttl: VERIFIED_CACHE_MAX_MS, ttlAutopurge: false });

  constructor(config: AuthConfig) {
    this.#config = config;
    // A KeyObject, not raw bytes: jose caches the WebCrypto key it derives from a KeyObject, but
    // imports raw bytes again on every verify (about half the cost of checking a token).
    this.#secret = config.jwtSecret ? createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) : null;
    this.#jwks = config.jwksUrl ? keySourceOf(createRemoteJWKSet(new URL(config.jwksUrl))) : null;
    this.#apiKeyDigests = config.apiKeys.map(digest);
  }

  async authenticate(credentials: Credentials): Promise<Principal | null> {
    if (credentials.apiKey !== undefined) return this.#fromApiKey(credentials);
    const header = credentials.authorization;
    if (header === undefined) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new Errors.invalidToken('expected "Authorization: Bearer <token>"');
    return this.#fromJwt(match[1]);
  }

  async #fromJwt(token: string): Promise<UserPrincipal> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    let payload: JWTPayload;
    try {
      const options = {
        ...(this.#config.issuer ? { issuer: this.#config.issuer } : {}),
        ...(this.#config.audience ? { audience: this.#config.audience } : {}),
      };
      payload = this.#secret
        ? (await jwtVerify(token, this.#secret, { ...options, algorithms: ['HS256'] })).payload
        : (await jwtVerify(token, this.#jwks as JWTVerifyGetKey, { ...options, algorithms: JWKS_ALGORITHMS })).payload;
    } catch (error) {
      if (error instanceof KeySourceUnavailable) throw new Errors.authUnavailable(error.message);
      throw new Errors.invalidToken(describeJoseError(error));
    }
    const userId = payload.sub;
    if (typeof userId !== 'string' || !USER_ID.test(userId)) {
      throw new Errors.invalidToken('the "sub" claim must be a user id of 1-128 characters [A-Za-z0-9_.:@|-]');
    }
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 100) : userId;
    const principal: UserPrincipal = {
      kind: 'user',
      userId,
      name,
      isAdmin: this.#isAdmin(claimAt(payload, this.#config.roleClaim)),
      via: 'jwt',
    };
    const untilExpiry = typeof payload.exp === 'number' ? payload.exp * 1000 - Date.now() : VERIFIED_CACHE_MAX_MS;
    if (untilExpiry > 0) this.#verified.set(token, principal, { ttl: Math.min(untilExpiry, VERIFIED_CACHE_MAX_MS) });
    return principal;
  }

  #fromApiKey(credentials: Credentials): Principal {
    const presented = digest(credentials.apiKey ?? '');
    if (!this.#apiKeyDigests.some((known) => timingSafeEqual(known, presented))) throw new Errors.invalidApiKey();
    const userId = credentials.actAsUser?.trim();
    if (!userId) return SERVICE_PRINCIPAL;
    if (!USER_ID.test(userId)) {
      throw new Errors.validationFailed('X-Golive-User must be a user id of 1-128 characters [A-Za-z0-9_.:@|-]');
    }
    const name = credentials.actAsName?.trim().slice(0, 100) || userId;
    return { kind: 'user', userId, name, isAdmin: this.#isAdmin(credentials.actAsRole), via: 'apiKey' };
  }

  #isAdmin(claim: unknown): boolean {
    const roles = Array.isArray(claim) ? claim : [claim];
    return roles.includes(this.#config.adminRole);
  }

  /** Signs a user token the way a host app would; used by the dev login only. */
  async issueDevToken(user: { userId: string; name: string; admin: boolean }, ttlSec: number): Promise<string> {
    if (!this.#secret) throw new Error('dev tokens need AUTH_JWT_SECRET');
    let jwt = new SignJWT({ name: user.name, [this.#config.roleClaim]: user.admin ? this.#config.adminRole : 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.userId)
      .setIssuedAt()
      .setExpirationTime(`${ttlSec}s`);
    if (this.#config.issuer) jwt = jwt.setIssuer(this.#config.issuer);
    if (this.#config.audience) jwt = jwt.setAudience(this.#config.audience);
    return jwt.sign(this.#secret);
  }
}

/**
 * The role claim: a top-level claim by its exact name (e.g. "role" or Auth0's
 * "https://example.com/roles"), else a dotted path into nested claims (Keycloak's "realm_access.roles").
 */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const key of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Wraps the remote JWKS so that a failure to fetch it (network, timeout, bad response) is told
 * apart from a token that matches no key: the first is a 503, the second a 401.
 */
function keySourceOf(jwks: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      const tokenProblem =
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys ||
        error instanceof joseErrors.JOSEAlgNotAllowed ||
        error instanceof joseErrors.JOSENotSupported;
      if (tokenProblem) throw error;
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new KeySourceUnavailable(`the JWKS (AUTH_JWKS_URL) could not be read: ${cause}`);
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" is not valid (${error.reason})`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not match';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (error instanceof joseErrors.JOSEError) return 'the token is malformed';
  return 'the token could not be verified';
}
