/**
 * A server-side SASL mechanism (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) as the SASL session drives
 * it: one instance per authentication attempt, fed each token the client sends (SaslAuthenticate
 * auth_bytes, or a raw token after SaslHandshake v0), answering with the bytes to send back.
 */

export interface SaslStep {
  /** Bytes for the client (SaslAuthenticate auth_bytes); empty when the mechanism has nothing to say. */
  response: Buffer;
  /** Set on the step that completes a successful exchange: the authenticated user's name (principal User:<name>). */
  principal?: string;
  /** When the credential stops being valid (ms since the epoch), e.g. a token's exp: bounds the session (KIP-368). */
  credentialExpiresAtMs?: number;
}

/**
 * A failed exchange: answered with SASL_AUTHENTICATION_FAILED and this message, and the connection
 * is closed. The message is sent to the client and logged, so it must never carry a credential.
 */
export class SaslAuthenticationError extends Error {}

export interface SaslServerMechanism {
  evaluate(token: Buffer): Promise<SaslStep>;
}

export interface SaslMechanismContext {
  listenerName: string;
  remoteAddress: string;
}

export interface SaslMechanismFactory {
  /** The IANA name clients ask for in SaslHandshake ('PLAIN', 'SCRAM-SHA-512', 'OAUTHBEARER'). */
  readonly name: string;
  create(ctx: SaslMechanismContext): SaslServerMechanism;
}
