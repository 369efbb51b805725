/**
 * Authenticates a connection as Kafka's clients do after ApiVersions: SaslHandshake v1 naming the
 * mechanism, then SaslAuthenticate requests carrying the mechanism's messages until it is done.
 * The same exchange re-authenticates a long-lived connection (KIP-368).
 */
import type { SaslAuthenticateResponse, SaslHandshakeResponse } from '../../protocol/messages/index.js';
import { ClientError } from '../errors.js';
import { SaslClientError } from './sasl-mechanisms.js';
import type { SaslSettings } from './client-security.js';

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const UNSUPPORTED_SASL_MECHANISM = 33;

export interface SaslTransport {
  readonly label: string;
  readonly versions: ReadonlyMap<number, number>;
  send<Res>(apiKey: number, version: number, body: object): Promise<Res>;
}

/** A failed authentication: wrong credentials, a refused mechanism, a server that is not who it says. */
export class AuthenticationError extends SaslClientError {
  override name = 'AuthenticationError';
}

/** Runs the exchange; resolves with the session lifetime the broker gave (0: none). */
export async function saslAuthenticate(conn: SaslTransport, sasl: SaslSettings): Promise<number> {
  const hv = conn.versions.get(SASL_HANDSHAKE);
  const av = conn.versions.get(SASL_AUTHENTICATE);
  if (hv === undefined || av === undefined || hv < 1) throw new AuthenticationError(`${conn.label} does not offer SaslHandshake v1 and SaslAuthenticate (is it a SASL listener?)`);
  const hs = await conn.send<SaslHandshakeResponse>(SASL_HANDSHAKE, 1, { mechanism: sasl.mechanism });
  if (hs.errorCode === UNSUPPORTED_SASL_MECHANISM) {
    throw new AuthenticationError(`${conn.label} does not enable SASL mechanism ${sasl.mechanism} (enabled: ${hs.mechanisms.join(', ') || 'none'})`);
  }
  if (hs.errorCode !== 0) throw new AuthenticationError(`${conn.label} refused SaslHandshake (error code ${hs.errorCode})`);
  const mech = sasl.create();
  let message: Buffer | undefined = mech.initial();
  let lifetime = 0;
  while (message !== undefined) {
    const res: SaslAuthenticateResponse = await conn.send<SaslAuthenticateResponse>(SASL_AUTHENTICATE, av, { authBytes: message });
    if (res.errorCode !== 0) {
      throw new AuthenticationError(`authentication to ${conn.label} with ${sasl.mechanism} failed: ${res.errorMessage ?? `error code ${res.errorCode}`}`);
    }
    lifetime = Number(res.sessionLifetimeMs ?? 0);
    try {
      message = mech.respond(Buffer.from(res.authBytes));
    } catch (err) {
      throw err instanceof ClientError ? new AuthenticationError(`authentication to ${conn.label}: ${err.message}`) : err;
    }
  }
  return lifetime;
}

/** When to re-authenticate: like Kafka's clients, at a random point between 85% and 95% of the session. */
export function reauthDelayMs(sessionLifetimeMs: number, random = Math.random()): number {
  return Math.floor(sessionLifetimeMs * (0.85 + 0.1 * random));
}
