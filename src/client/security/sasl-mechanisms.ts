/**
 * The client side of the SASL mechanisms Runnel speaks: PLAIN (RFC 4616), SCRAM-SHA-256/512
 * (RFC 5802/7677, the server's signature checked) and OAUTHBEARER (RFC 7628 client message with a
 * token that is already at hand). Each is a small state machine: the first message, then one
 * answer per server challenge until the exchange is complete.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ClientError } from '../errors.js';

export class SaslClientError extends ClientError {
  override name = 'SaslClientError';
}

export interface SaslClientMechanism {
  readonly name: string;
  /** The first message of the exchange. */
  initial(): Buffer;
  /** The answer to a server message, or undefined when the exchange is complete. */
  respond(challenge: Buffer): Buffer | undefined;
}

export function plainMechanism(username: string, password: string, authzid = ''): SaslClientMechanism {
  return {
    name: 'PLAIN',
    initial: () => Buffer.from(`${authzid}\0${username}\0${password}`, 'utf8'),
    respond: () => undefined,
  };
}

export type ScramHash = 'sha256' | 'sha512';

/** SCRAM's smallest iteration count a client accepts (Kafka's ScramMechanism.minIterations). */
export const SCRAM_MIN_ITERATIONS = 4096;

export function scramHashOf(mechanism: string): ScramHash | undefined {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : mechanism === 'SCRAM-SHA-512' ? 'sha512' : undefined;
}

/** A username as RFC 5802 saslname: ',' and '=' escaped. */
function saslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * RFC 5802 client. `nonce` is for test vectors only. `extensions` are Kafka's client-first
 * extensions (tokenauth=true for delegation tokens).
 */
export function scramMechanism(mechanism: string, username: string, password: string, opts: { nonce?: string; extensions?: Record<string, string> } = {}): SaslClientMechanism {
  const hash = scramHashOf(mechanism);
  if (!hash) throw new SaslClientError(`unknown SCRAM mechanism ${mechanism}`);
  const clientNonce = opts.nonce ?? randomBytes(24).toString('base64').replace(/[+/=]/g, '');
  const ext = Object.entries(opts.extensions ?? {})
    .map(([k, v]) => `,${k}=${v}`)
    .join('');
  const clientFirstBare = `n=${saslName(username)},r=${clientNonce}${ext}`;
  const gs2Header = 'n,,';
  let state: 'first' | 'final' | 'done' = 'first';
  let serverSignature: Buffer | undefined;
  const hmac = (key: Buffer, data: string | Buffer) => createHmac(hash, key).update(data).digest();

  return {
    name: mechanism,
    initial: () => Buffer.from(gs2Header + clientFirstBare, 'utf8'),
    respond(challenge: Buffer): Buffer | undefined {
      const msg = challenge.toString('utf8');
      if (state === 'first') {
        const a = attributes(msg);
        if (a.has('e')) throw new SaslClientError(`${mechanism} authentication failed: ${a.get('e')}`);
        const nonce = a.get('r');
        const salt = a.get('s');
        const iterations = Number(a.get('i'));
        if (!nonce || salt === undefined || !Number.isInteger(iterations)) throw new SaslClientError(`${mechanism}: invalid server-first message`);
        if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) throw new SaslClientError(`${mechanism}: invalid server nonce: does not start with client nonce`);
        if (iterations < SCRAM_MIN_ITERATIONS) throw new SaslClientError(`${mechanism}: requested iterations ${iterations} is less than the minimum ${SCRAM_MIN_ITERATIONS}`);
        // The password's UTF-8 bytes as they are: Kafka's ScramFormatter does no SASLprep either.
        const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'base64'), iterations, hash === 'sha256' ? 32 : 64, hash);
        const clientKey = hmac(saltedPassword, 'Client Key');
        const storedKey = createHash(hash).update(clientKey).digest();
        const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`;
        const authMessage = `${clientFirstBare},${msg},${withoutProof}`;
        const proof = xor(clientKey, hmac(storedKey, authMessage));
        serverSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
        state = 'final';
        return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
      }
      if (state === 'final') {
        const a = attributes(msg);
        if (a.has('e')) throw new SaslClientError(`${mechanism} authentication failed: ${a.get('e')}`);
        const v = Buffer.from(a.get('v') ?? '', 'base64');
        if (v.length !== serverSignature!.length || !timingSafeEqual(v, serverSignature!)) throw new SaslClientError(`${mechanism}: invalid server signature in server-final message (the broker does not know this password)`);
        state = 'done';
        return undefined;
      }
      throw new SaslClientError(`${mechanism}: unexpected server message after the exchange completed`);
    },
  };
}

/**
 * RFC 7628 client with a token already at hand. A server that refuses the token sends an error
 * (JSON) as a challenge and expects a lone ^A back before it fails the authentication.
 */
export function oauthBearerMechanism(token: string, extensions: Record<string, string> = {}): SaslClientMechanism {
  const kv = Object.entries(extensions)
    .map(([k, v]) => `\x01${k}=${v}`)
    .join('');
  let sent = false;
  return {
    name: 'OAUTHBEARER',
    initial: () => Buffer.from(`n,,\x01auth=Bearer ${token}${kv}\x01\x01`, 'utf8'),
    respond(challenge: Buffer): Buffer | undefined {
      if (challenge.length === 0 || sent) return undefined;
      sent = true;
      return Buffer.from('\x01');
    },
  };
}

/**
 * Kafka's unsecured OAUTHBEARER token (OAuthBearerUnsecuredLoginCallbackHandler): an unsigned JWT
 * ("alg":"none") built from the JAAS options unsecuredLoginStringClaim_<name>, NumberClaim_,
 * ListClaim_ (first character is the delimiter), PrincipalClaimName (default sub),
 * LifetimeSeconds (default 3600). For development only: any broker that accepts it accepts anyone.
 */
export function unsecuredJwt(options: ReadonlyMap<string, string>, nowMs = Date.now()): string {
  const principalClaim = options.get('unsecuredLoginPrincipalClaimName') ?? 'sub';
  const lifetime = Number(options.get('unsecuredLoginLifetimeSeconds') ?? '3600');
  if (!Number.isFinite(lifetime) || lifetime <= 0) throw new SaslClientError('unsecuredLoginLifetimeSeconds must be a positive number');
  const claims: Record<string, unknown> = {};
  for (const [k, v] of options) {
    let m: RegExpExecArray | null;
    if ((m = /^unsecuredLoginStringClaim_(.+)$/.exec(k))) claims[m[1]] = v;
    else if ((m = /^unsecuredLoginNumberClaim_(.+)$/.exec(k))) {
      if (!Number.isFinite(Number(v))) throw new SaslClientError(`${k} is not a number`);
      claims[m[1]] = Number(v);
    } else if ((m = /^unsecuredLoginListClaim_(.+)$/.exec(k))) claims[m[1]] = v.length > 0 ? v.slice(1).split(v[0]).filter((x) => x !== '') : [];
  }
  for (const reserved of ['iat', 'exp']) if (reserved in claims) throw new SaslClientError(`unsecured login: the ${reserved} claim is set by the client, not an option`);
  if (typeof claims[principalClaim] !== 'string' || claims[principalClaim] === '') {
    throw new SaslClientError(`unsecured login: unsecuredLoginStringClaim_${principalClaim} (the principal) must be given`);
  }
  const iat = Math.floor(nowMs / 1000);
  const payload = { ...claims, iat, exp: iat + lifetime };
  const b64 = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
  return `${b64({ alg: 'none' })}.${b64(payload)}.`;
}

/** The extensions of Kafka's unsecured login (unsecuredLoginExtension_<name>). */
export function unsecuredExtensions(options: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of options) {
    const m = /^unsecuredLoginExtension_(.+)$/.exec(k);
    if (m) {
      if (m[1] === 'auth') throw new SaslClientError('unsecured login: the extension name auth is reserved');
      out[m[1]] = v;
    }
  }
  return out;
}
