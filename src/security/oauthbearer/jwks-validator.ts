/**
 * Kafka's broker-side OAuth validation (OAuthBearerValidatorCallbackHandler with BrokerJwtValidator,
 * KIP-768), with the jose library: the token must be a JWS signed by a key of the JWKS at
 * sasl.oauthbearer.jwks.endpoint.url (http(s): fetched and cached for
 * sasl.oauthbearer.jwks.endpoint.refresh.ms, fetched again at once for an unknown kid; file: read
 * again when the file changes), never alg "none"; exp and iat must be present; exp, nbf with
 * sasl.oauthbearer.clock.skew.seconds; iss and aud when expected.issuer / expected.audience are set;
 * the sub claim (sasl.oauthbearer.sub.claim.name) non-blank; the scope claim
 * (sasl.oauthbearer.scope.claim.name) a string or list of non-blank, distinct values.
 *
 * Runnel addition: runnel.sasl.oauthbearer.required.scope (unset by default, as Kafka has no such
 * check) refuses tokens that lack one of the listed scopes with insufficient_scope.
 *
 * A JWKS endpoint that cannot be reached fails the validation (invalid_token) and is not asked
 * again before sasl.oauthbearer.jwks.endpoint.retry.backoff.ms, doubling up to .retry.backoff.max.ms,
 * so a flood of logins cannot turn into a flood of requests to the identity provider.
 *
 * jose (some 50 ES modules) is loaded at the first token, not at start-up: a broker without
 * OAUTHBEARER never loads it, and one with it listens ~50 ms sooner.
 */
import { readFileSync, statSync } from 'node:fs';
import { stat, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { JWTVerifyGetKey, JSONWebKeySet } from 'jose';
import { missingScope, TokenValidationError, type TokenValidator, type ValidatedToken } from './validator.js';

export interface JwksSettings {
  url: URL;
  refreshMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  expectedIssuer?: string;
  expectedAudience: string[];
  clockSkewSeconds: number;
  scopeClaimName: string;
  subClaimName: string;
  requiredScope: string[];
}

type Jose = typeof import('jose');
let joseModule: Promise<Jose> | undefined;
const jose = (): Promise<Jose> => (joseModule ??= import('jose'));

/** A key lookup, as jose's are, that may first load jose. */
type KeyLookup = (...args: Parameters<JWTVerifyGetKey>) => Promise<Awaited<ReturnType<JWTVerifyGetKey>>>;

/** The checks jose's createLocalJWKSet makes, here so that a bad file stops the start without loading jose. */
function readKeySet(path: string, text: string): JSONWebKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new Error(`JWKS file ${path} is not JSON`);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || !keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k)))
    throw new Error(`JWKS file ${path} is not a JSON Web Key Set`);
  return jwks as JSONWebKeySet;
}

/** jose's local key set of `jwks`, made once. */
function localKeys(jwks: JSONWebKeySet): () => Promise<JWTVerifyGetKey> {
  let keys: JWTVerifyGetKey | undefined;
  return async () => (keys ??= (await jose()).createLocalJWKSet(jwks));
}

/**
 * Keys from a JWKS file: read and checked at start-up (a missing or malformed file stops the broker,
 * as in Kafka), read again when its modification time or size changes. A file caught half-written
 * keeps the last good keys until it reads well.
 */
function fileKeySet(path: string): KeyLookup {
  const st0 = statSync(path);
  if (!st0.isFile()) throw new OAuthBearerJwksError(`sasl.oauthbearer.jwks.endpoint.url: ${path} is not a file`);
  let loaded: { stamp: string; keys: () => Promise<JWTVerifyGetKey> };
  try {
    loaded = { stamp: `${st0.mtimeMs}:${st0.size}`, keys: localKeys(readKeySet(path, readFileSync(path, 'utf8'))) };
  } catch (err) {
    throw new OAuthBearerJwksError(`sasl.oauthbearer.jwks.endpoint.url: ${(err as Error).message}`);
  }
  return async (header, token) => {
    const st = await stat(path).catch(() => undefined);
    const stamp = st ? `${st.mtimeMs}:${st.size}` : loaded.stamp;
    if (stamp !== loaded.stamp) {
      try {
        loaded = { stamp, keys: localKeys(readKeySet(path, await readFile(path, 'utf8'))) };
      } catch {
        // Keep the last good keys; the next login tries the file again.
      }
    }
    return (await loaded.keys())(header, token);
  };
}

/** A JWKS that cannot be used at start-up. */
export class OAuthBearerJwksError extends Error {}

/** How long a kid that was not in the key set is not looked up again (Kafka: 60 s). */
const MISSING_KID_MEMORY_MS = 60_000;
/** Unknown kids remembered at most: beyond this many in a minute, tokens with new kids fetch nothing. */
const MAX_MISSING_KIDS = 100;

/**
 * Whether the key set could not be fetched (timeout, not 200, not a key set, network error), as
 * opposed to a token whose header no key can match (alg none, an unsupported alg, two keys for
 * its kid): only the first starts the retry backoff, or any client could make every login fail
 * for a while with one bad token.
 */
function isFetchFailure(errors: Jose['errors'], err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (!(err instanceof errors.JOSEError)) return true;
  return err.constructor === errors.JOSEError;
}

/**
 * A remote key set. An unknown kid fetches the set again at once (a rotated key), as Kafka's
 * RefreshingHttpsJwks does, but the same kid not again for a minute, and at most 100 kids a minute
 * (tokens with made-up kids cannot turn into requests to the identity provider); after a failed
 * fetch it fails fast until the retry backoff has passed.
 */
function remoteKeySet(url: URL, s: JwksSettings): KeyLookup {
  let made: { remote: ReturnType<Jose['createRemoteJWKSet']>; errors: Jose['errors'] } | undefined;
  const missingKids = new Map<string, number>();
  let failures = 0;
  let retryAt = 0;
  const fetchFailed = (): void => {
    retryAt = Date.now() + Math.min(s.retryBackoffMaxMs, s.retryBackoffMs * 2 ** failures);
    failures = Math.min(failures + 1, 30);
  };
  return async (header, token) => {
    if (Date.now() < retryAt) throw new Error(`JWKS endpoint ${url.origin}${url.pathname} unavailable; retrying after backoff`);
    if (!made) {
      const j = await jose();
      made ??= { remote: j.createRemoteJWKSet(url, { cacheMaxAge: s.refreshMs, timeoutDuration: 10_000 }), errors: j.errors };
    }
    const { remote, errors } = made;
    try {
      const key = await remote(header, token);
      failures = 0;
      return key;
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) {
        if (isFetchFailure(errors, err)) fetchFailed();
        throw err;
      }
      const now = Date.now();
      const kid = header.kid ?? '';
      for (const [k, at] of missingKids) if (now - at > MISSING_KID_MEMORY_MS) missingKids.delete(k);
      if (missingKids.has(kid) || missingKids.size >= MAX_MISSING_KIDS) throw err;
      missingKids.set(kid, now);
      try {
        await remote.reload();
      } catch (fetchErr) {
        fetchFailed();
        throw fetchErr;
      }
      return remote(header, token);
    }
  };
}

export class JwksTokenValidator implements TokenValidator {
  readonly description: string;
  private readonly keys: KeyLookup;

  constructor(
    private readonly s: JwksSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `JWKS ${s.url.protocol === 'file:' ? 'file ' + fileURLToPath(s.url) : s.url.origin + s.url.pathname}`;
    this.keys = s.url.protocol === 'file:' ? fileKeySet(fileURLToPath(s.url)) : remoteKeySet(s.url, s);
  }

  async validate(token: string): Promise<ValidatedToken> {
    const s = this.s;
    let payload: Record<string, unknown>;
    try {
      const { jwtVerify } = await jose();
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: s.expectedIssuer,
        audience: s.expectedAudience.length > 0 ? s.expectedAudience : undefined,
        clockTolerance: s.clockSkewSeconds,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (err) {
      // jose's messages name the failed check or claim, never the token itself.
      throw new TokenValidationError(`Could not validate the access token: ${(err as Error).message}`);
    }
    const sub = payload[s.subClaimName];
    if (typeof sub !== 'string' || sub.trim() === '')
      throw new TokenValidationError(`The value of the OAuth claim ${s.subClaimName} must be non-null, non-empty, and non-whitespace`);
    const scope = this.scopeOf(payload[s.scopeClaimName]);
    const missing = missingScope(scope, s.requiredScope);
    if (missing !== undefined) throw new TokenValidationError(`The token's ${s.scopeClaimName} claim lacks the required scope ${missing}`, 'insufficient_scope', s.requiredScope.join(' '));
    const exp = payload.exp as number;
    return { principal: sub.trim(), expiresAtMs: Math.round(exp * 1000), scope };
  }

  /** Kafka's validateClaimScopes: a string is one scope; list elements must be non-blank and distinct. */
  private scopeOf(raw: unknown): Set<string> {
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    const out = new Set<string>();
    for (const item of list) {
      const v = typeof item === 'string' ? item.trim() : '';
      if (v === '') throw new TokenValidationError(`The value of the OAuth claim ${this.s.scopeClaimName} must be non-null, non-empty, and non-whitespace`);
      if (out.has(v)) throw new TokenValidationError(`${this.s.scopeClaimName} value must not contain duplicates - ${v} already present`);
      out.add(v);
    }
    return out;
  }
}
