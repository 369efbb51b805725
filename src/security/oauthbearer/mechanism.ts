/**
 * The server side of SASL/OAUTHBEARER (RFC 7628), as Kafka's OAuthBearerSaslServer runs it:
 *
 * - The client's first message carries the token; a valid one completes the exchange at once with
 *   an empty response, principal = the token's subject, and the session bounded by its exp.
 * - An invalid one is answered with an RFC 7628 error challenge, `{"status":"invalid_token"}` (or
 *   insufficient_scope with the scope), the client answers %x01, and the exchange fails with that
 *   JSON as the error message.
 * - An authorization id (`a=`) other than the token's principal fails the exchange, as in Kafka.
 * - A malformed first message fails with Kafka's generic "invalid credentials" message.
 * - Extensions are parsed and checked for syntax, then accepted, as both of Kafka's validators do.
 *
 * Deviation: after an error challenge Kafka treats anything but %x01 as a new first message, so one
 * connection could try tokens forever; RFC 7628 (3.2.3) requires %x01 there, and Runnel fails the
 * exchange on anything else, so every wrong token costs a failed authentication.
 *
 * Tokens are never logged: log lines name the listener, the client address and the reason only.
 */
import type { Logger } from '../../util/logger.js';
import { SaslAuthenticationError, type SaslMechanismContext, type SaslMechanismFactory, type SaslServerMechanism, type SaslStep } from '../sasl/mechanism.js';
import { ClientResponseError, parseClientInitialResponse } from './client-response.js';
import { validatorFor, type ConfigLookup } from './settings.js';
import { TokenValidationError, type TokenValidator } from './validator.js';

export const OAUTHBEARER = 'OAUTHBEARER';
/**
 * Largest client message accepted. Real access tokens are a few KiB (large group claims reach
 * ~16 KiB); this bounds the base64 and JSON work an unauthenticated client can ask for.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

const INVALID_CREDENTIALS = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${OAUTHBEARER}`;

/** Kafka's jsonErrorResponse: status, then scope and openid-configuration when known. */
function errorChallenge(err: TokenValidationError): string {
  let json = `{"status":"${err.status}"`;
  if (err.scope !== undefined) json += `, "scope":"${err.scope.replace(/["\\]/g, '')}"`;
  return json + '}';
}

class OAuthBearerServer implements SaslServerMechanism {
  private state: 'initial' | 'challenged' | 'done' = 'initial';
  private errorMessage = '';

  constructor(
    private readonly validator: TokenValidator,
    private readonly ctx: SaslMechanismContext,
    private readonly log: Logger,
  ) {}

  async evaluate(token: Buffer): Promise<SaslStep> {
    if (this.state === 'challenged') {
      this.state = 'done';
      if (token.length === 1 && token[0] === 0x01) throw new SaslAuthenticationError(this.errorMessage);
      throw new SaslAuthenticationError(`${this.errorMessage} (expected %x01 after the error challenge)`);
    }
    if (this.state === 'done') throw new SaslAuthenticationError('OAUTHBEARER exchange already complete');
    this.state = 'done';
    if (token.length > MAX_CLIENT_MESSAGE_BYTES) {
      this.log.info({ listener: this.ctx.listenerName, client: this.ctx.remoteAddress, bytes: token.length }, 'OAUTHBEARER client message too large');
      throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    }
    let parsed;
    try {
      parsed = parseClientInitialResponse(token);
    } catch (err) {
      if (!(err instanceof ClientResponseError)) throw err;
      this.log.info({ listener: this.ctx.listenerName, client: this.ctx.remoteAddress }, `OAUTHBEARER: ${err.message}`);
      throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    }
    let valid;
    try {
      valid = await this.validator.validate(parsed.token);
    } catch (err) {
      if (!(err instanceof TokenValidationError)) throw err;
      this.log.info({ listener: this.ctx.listenerName, client: this.ctx.remoteAddress }, `OAUTHBEARER token refused: ${err.message}`);
      this.errorMessage = errorChallenge(err);
      this.state = 'challenged';
      return { response: Buffer.from(this.errorMessage, 'utf8') };
    }
    if (parsed.authorizationId !== '' && parsed.authorizationId !== valid.principal)
      throw new SaslAuthenticationError(
        `Authentication failed: Client requested an authorization id (${parsed.authorizationId}) that is different from the token's principal name (${valid.principal})`,
      );
    this.log.debug({ listener: this.ctx.listenerName, client: this.ctx.remoteAddress }, `OAUTHBEARER authenticated User:${valid.principal}`);
    return { response: Buffer.alloc(0), principal: valid.principal, credentialExpiresAtMs: valid.expiresAtMs };
  }
}

export interface OAuthBearerFactoryOptions {
  /** Broker config by key, including listener-prefixed keys (listener.name.<l>.oauthbearer.*). */
  lookup: ConfigLookup;
  log: Logger;
  /** Listeners to prepare (and log) at start-up; others are prepared on their first login. */
  listeners?: readonly string[];
  /** The JAAS options of a listener's OAUTHBEARER login module, when the caller has parsed them. */
  jaas?: (listenerName: string) => ReadonlyMap<string, string> | undefined;
  /** Clock for tests. */
  now?: () => number;
}

/**
 * OAUTHBEARER for the mechanism registry. One validator per listener (its JWKS cache is shared by
 * every login on that listener), built at start-up for the listeners given, so a configuration
 * error stops the broker as it stops Kafka.
 */
export class OAuthBearerMechanismFactory implements SaslMechanismFactory {
  readonly name = OAUTHBEARER;
  private readonly validators = new Map<string, TokenValidator>();

  constructor(private readonly opts: OAuthBearerFactoryOptions) {
    for (const l of opts.listeners ?? []) this.validator(l);
  }

  create(ctx: SaslMechanismContext): SaslServerMechanism {
    return new OAuthBearerServer(this.validator(ctx.listenerName), ctx, this.opts.log);
  }

  close(): void {
    for (const v of this.validators.values()) v.close?.();
    this.validators.clear();
  }

  private validator(listenerName: string): TokenValidator {
    let v = this.validators.get(listenerName);
    if (!v) {
      v = validatorFor(this.opts.lookup, listenerName, this.opts.now, this.opts.jaas?.(listenerName));
      this.validators.set(listenerName, v);
      if (v.description.startsWith('UNSECURED'))
        this.opts.log.warn(
          { listener: listenerName },
          `OAUTHBEARER on listener ${listenerName} uses Kafka's UNSECURED validator: unsigned (alg none) tokens are accepted and anyone can log in as anyone. For development only; set sasl.oauthbearer.jwks.endpoint.url for production.`,
        );
      else this.opts.log.info({ listener: listenerName }, `OAUTHBEARER on listener ${listenerName} validates tokens against ${v.description}`);
    }
    return v;
  }
}

/** What the SASL mechanism registry hands a mechanism builder for one listener (src/security/sasl/registry.ts). */
export interface OAuthBearerListenerEnv {
  listenerName: string;
  config: { get(key: string): string | undefined };
  jaas(): { options: ReadonlyMap<string, string> } | undefined;
  broker: { log: Logger };
}

/** The registry's builder: OAUTHBEARER on one listener, its validator made (and logged) at once. */
export function oauthBearerMechanism(env: OAuthBearerListenerEnv): OAuthBearerMechanismFactory {
  return new OAuthBearerMechanismFactory({
    lookup: (key) => env.config.get(key),
    jaas: () => env.jaas()?.options,
    log: env.broker.log,
    listeners: [env.listenerName],
  });
}
