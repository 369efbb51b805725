/**
 * The SASL state of one connection on a SASL_PLAINTEXT / SASL_SSL listener, as Kafka's
 * SaslServerAuthenticator and KafkaChannel keep it:
 *
 *   initial --ApiVersions--> handshake --SaslHandshake--> authenticate --tokens--> complete
 *   initial --SaslHandshake--> authenticate
 *   complete --SaslHandshake (KIP-368 re-authentication)--> authenticate --> complete
 *
 * Before authentication only ApiVersions (once, first) and SaslHandshake are served; after a v1
 * SaslHandshake only SaslAuthenticate; after a v0 SaslHandshake every frame is a raw SASL token
 * (size-prefixed, no Kafka header) answered by a raw size-prefixed token. Anything else closes
 * the connection. A failed exchange (bad credentials, unknown mechanism) is answered, and the
 * connection closed, after connection.failed.authentication.delay.ms, without blocking anything
 * else: the connection sees the delay in `takeClose()` and waits on a timer.
 *
 * Re-authentication: a SaslHandshake on an authenticated connection starts one when the session
 * has an expiry (connections.max.reauth.ms or the credential's own) and the last one began at
 * least a second ago; otherwise it reaches the handler, which answers ILLEGAL_SASL_STATE, as
 * KafkaApis does. It must use the same mechanism and yield the same principal. A session past its
 * expiry is closed on its next request other than a re-authenticating SaslHandshake.
 *
 * This module is free of sockets and timers so that the state machine is tested on its own.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { ClientInfo } from '../../handlers/types.js';
import type { Logger } from '../../util/logger.js';
import { SaslAuthenticationError, type SaslMechanismFactory, type SaslServerMechanism, type SaslStep } from './mechanism.js';

export const SASL_HANDSHAKE_KEY = 17;
export const SASL_AUTHENTICATE_KEY = 36;
const API_VERSIONS_KEY = 18;

/** Kafka lets a client re-authenticate at most once a second (KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS). */
const MIN_REAUTH_INTERVAL_MS = 1000;

export type SaslState = 'initial' | 'handshake' | 'authenticate' | 'complete' | 'failed' | 'reauth-bad-mechanism';

/** What one listener offers: its enabled mechanisms and their session bounds. */
export interface SaslMechanisms {
  /** Enabled mechanism names in configuration order (sasl.enabled.mechanisms). */
  enabled(): readonly string[];
  factory(name: string): SaslMechanismFactory | undefined;
  /** connections.max.reauth.ms for this mechanism on this listener; 0 = sessions do not expire. */
  maxReauthMs(name: string): number;
}

export interface SaslSessionOptions {
  listenerName: string;
  client: ClientInfo;
  mechanisms: SaslMechanisms;
  /** connection.failed.authentication.delay.ms */
  failedAuthDelayMs: number;
  log: Logger;
  /** The highest ApiVersions version served: a higher one is answered UNSUPPORTED_VERSION and may be retried. */
  apiVersionsMax?: number;
  now?: () => number;
}

/** Before a frame is handled: serve it as a Kafka request, feed it to the mechanism as a raw token, or close. */
export type Gate = { action: 'dispatch' } | { action: 'token' } | { action: 'close'; reason: string; delayMs: number };

/** A failed exchange: close the connection after `delayMs`, sending the pending response first only when `respond`. */
export interface PendingClose {
  reason: string;
  delayMs: number;
  respond: boolean;
}

export interface HandshakeResult {
  errorCode: number;
  mechanisms: string[];
}

export interface AuthenticateResult {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: bigint;
}

const sessions = new WeakMap<ClientInfo, SaslSession>();

/** The SASL session of a connection (undefined on PLAINTEXT and SSL listeners). */
export function saslSessionOf(client: ClientInfo): SaslSession | undefined {
  return sessions.get(client);
}

const API_NAMES: Record<number, string> = { 0: 'PRODUCE', 1: 'FETCH', 3: 'METADATA', 17: 'SASL_HANDSHAKE', 18: 'API_VERSIONS', 36: 'SASL_AUTHENTICATE' };
const apiName = (key: number): string => API_NAMES[key] ?? `api key ${key}`;

export class SaslSession {
  private st: SaslState = 'initial';
  /** A v0 SaslHandshake: tokens come raw, without SaslAuthenticate headers. */
  private raw = false;
  private mechanism: SaslServerMechanism | undefined;
  private mechanismName: string | undefined;
  private principal: string | undefined;
  private expiresAtMs: number | undefined;
  private lastReauthStartMs = 0;
  /** Set while re-authenticating: the principal and mechanism the new exchange must keep. */
  private reauth: { principal: string; mechanism: string } | undefined;
  private pendingClose: PendingClose | undefined;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: SaslSessionOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    sessions.set(opts.client, this);
  }

  get state(): SaslState {
    return this.st;
  }

  /** Whether an exchange is under way (first authentication or re-authentication). */
  get authenticating(): boolean {
    return this.st !== 'complete';
  }

  /** When the session ends (ms since the epoch), undefined when it does not. */
  get sessionExpiresAtMs(): number | undefined {
    return this.expiresAtMs;
  }

  /** The close a failed exchange asked for, once. */
  takeClose(): PendingClose | undefined {
    const c = this.pendingClose;
    this.pendingClose = undefined;
    return c;
  }

  /** Decides what happens to the next frame; `apiKey` is read from it (ignored for raw tokens). */
  gate(frame: Buffer): Gate {
    if (this.st === 'authenticate' && this.raw) return { action: 'token' };
    if (frame.length < 4) return this.closeNow('request too short for a Kafka header');
    const apiKey = frame.readInt16BE(0);
    switch (this.st) {
      case 'initial':
        if (apiKey === API_VERSIONS_KEY) {
          // As Kafka: an ApiVersions at a version not served gets UNSUPPORTED_VERSION and the client may
          // ask again at a lower one; only a served one moves on to the handshake.
          if (frame.readInt16BE(2) <= (this.opts.apiVersionsMax ?? Infinity)) this.st = 'handshake';
          return { action: 'dispatch' };
        }
        if (apiKey === SASL_HANDSHAKE_KEY) return { action: 'dispatch' };
        return this.closeNow(`Unexpected Kafka request of type ${apiName(apiKey)} during SASL handshake (client configured with the wrong security protocol?)`);
      case 'handshake':
        if (apiKey === SASL_HANDSHAKE_KEY) return { action: 'dispatch' };
        return this.closeNow(`Unexpected Kafka request of type ${apiName(apiKey)} during SASL handshake`);
      case 'authenticate':
        if (apiKey === SASL_AUTHENTICATE_KEY) return { action: 'dispatch' };
        return this.closeNow(`Unexpected Kafka request of type ${apiName(apiKey)} during SASL authentication`);
      case 'reauth-bad-mechanism':
        this.st = 'failed';
        return { action: 'close', reason: `SASL mechanism '${this.mechanismName}' requested by client is not supported for re-authentication of mechanism '${this.reauth?.mechanism}'`, delayMs: this.opts.failedAuthDelayMs };
      case 'failed':
        return this.closeNow('request after failed authentication');
      case 'complete': {
        const now = this.now();
        if (apiKey === SASL_HANDSHAKE_KEY && this.expiresAtMs !== undefined && now - this.lastReauthStartMs >= MIN_REAUTH_INTERVAL_MS) {
          this.lastReauthStartMs = now;
          this.reauth = { principal: this.principal!, mechanism: this.mechanismName! };
          this.st = 'handshake';
          this.log.debug({ principal: this.principal }, 'beginning SASL re-authentication');
          return { action: 'dispatch' };
        }
        if (this.expiresAtMs !== undefined && now > this.expiresAtMs)
          return { action: 'close', reason: 'SASL session expired (connections.max.reauth.ms or credential expiry) without re-authentication', delayMs: 0 };
        return { action: 'dispatch' };
      }
    }
  }

  /** SaslHandshake: picks the mechanism; an unknown one is answered with the enabled list, then the connection closes. */
  handshake(mechanism: string, version: number): HandshakeResult {
    const enabled = [...this.opts.mechanisms.enabled()];
    if (this.st !== 'initial' && this.st !== 'handshake') return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    this.raw = version === 0;
    const factory = enabled.includes(mechanism) ? this.opts.mechanisms.factory(mechanism) : undefined;
    if (!factory) {
      this.fail(`Unsupported SASL mechanism ${mechanism}`, true);
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: enabled };
    }
    this.mechanismName = mechanism;
    if (this.reauth && this.reauth.mechanism !== mechanism) {
      // As Kafka: the handshake itself succeeds, the next token fails the re-authentication.
      this.st = 'reauth-bad-mechanism';
      return { errorCode: ErrorCode.NONE, mechanisms: enabled };
    }
    this.mechanism = factory.create({ listenerName: this.opts.listenerName, remoteAddress: this.opts.client.remoteAddress });
    this.st = 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms: enabled };
  }

  /** SaslAuthenticate (v0+): one token of the exchange. */
  async authenticate(authBytes: Buffer): Promise<AuthenticateResult> {
    if (this.st !== 'authenticate' || this.raw || !this.mechanism)
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    try {
      const step = await this.evaluate(authBytes);
      const lifetime = step.principal !== undefined ? this.completed(step) : 0;
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.response, sessionLifetimeMs: BigInt(lifetime) };
    } catch (err) {
      const message = this.failureMessage(err);
      this.fail(message, true);
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    }
  }

  /** A raw token after a v0 SaslHandshake: the raw token to send back, or null after a failure (nothing is sent). */
  async rawToken(token: Buffer): Promise<Buffer | null> {
    try {
      const step = await this.evaluate(token);
      if (step.principal !== undefined) this.completed(step);
      return step.response;
    } catch (err) {
      this.fail(this.failureMessage(err), false);
      return null;
    }
  }

  private async evaluate(token: Buffer): Promise<SaslStep> {
    const step = await this.mechanism!.evaluate(token);
    if (step.principal !== undefined && this.reauth && step.principal !== this.reauth.principal)
      throw new SaslAuthenticationError(`Cannot change principals during re-authentication from User.${this.reauth.principal}: User.${step.principal}`);
    return step;
  }

  /** Marks the session authenticated; returns session_lifetime_ms (0: no expiry), computed as Kafka's ReauthInfo does. */
  private completed(step: SaslStep): number {
    const now = this.now();
    const maxReauth = this.opts.mechanisms.maxReauthMs(this.mechanismName!);
    const credential = step.credentialExpiresAtMs;
    let lifetime = 0;
    if (credential !== undefined || maxReauth > 0) {
      if (credential === undefined) lifetime = maxReauth;
      else if (maxReauth <= 0) lifetime = Math.max(0, credential - now);
      else lifetime = Math.max(0, Math.min(credential - now, maxReauth));
      this.expiresAtMs = now + lifetime;
    } else {
      this.expiresAtMs = undefined;
    }
    const wasReauth = this.reauth !== undefined;
    this.principal = step.principal;
    this.reauth = undefined;
    this.mechanism = undefined;
    this.st = 'complete';
    this.opts.client.principal = step.principal;
    this.opts.client.authenticated = true;
    this.log.debug({ principal: step.principal, mechanism: this.mechanismName, sessionLifetimeMs: lifetime }, wasReauth ? 'SASL re-authentication complete' : 'SASL authentication complete');
    return lifetime;
  }

  private failureMessage(err: unknown): string {
    if (err instanceof SaslAuthenticationError) return err.message;
    // Never the mechanism's own text: it may say more than a client should learn (Kafka does the same).
    this.log.debug({ err: err instanceof Error ? err.name : typeof err }, 'SASL mechanism error');
    return `Authentication failed during ${this.reauth ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${this.mechanismName}`;
  }

  private fail(reason: string, respond: boolean): void {
    this.st = 'failed';
    this.mechanism = undefined;
    this.pendingClose = { reason, delayMs: this.opts.failedAuthDelayMs, respond };
  }

  private closeNow(reason: string): Gate {
    this.st = 'failed';
    return { action: 'close', reason, delayMs: 0 };
  }
}
