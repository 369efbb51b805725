/**
 * What the OAUTHBEARER mechanism asks of a token validator (Kafka's OAuthBearerValidatorCallback
 * handlers): a valid token's principal and lifetime, or the RFC 6750 error status the server
 * answers with.
 */

export interface ValidatedToken {
  /** The principal name (User:<principal>). */
  principal: string;
  /** The token's exp, in ms since the epoch. */
  expiresAtMs: number;
  scope: ReadonlySet<string>;
}

/**
 * A token that is not accepted. `status` and `scope` go to the client in the JSON error challenge;
 * `message` is for the broker's log only and must never carry the token.
 */
export class TokenValidationError extends Error {
  constructor(
    message: string,
    readonly status: 'invalid_token' | 'insufficient_scope' = 'invalid_token',
    readonly scope?: string,
  ) {
    super(message);
  }
}

export interface TokenValidator {
  /** Which validator this is, for the start-up log line. */
  readonly description: string;
  validate(token: string): Promise<ValidatedToken>;
  close?(): void;
}

/** Claim names as Kafka reads them: a blank override falls back to the standard name. */
export function claimName(value: string | undefined, fallback: string): string {
  const v = value?.trim();
  return v ? v : fallback;
}

/**
 * A scope claim as Kafka's validators read it: a string is ONE scope (Kafka does not split it on
 * spaces), an array is a list of scopes, anything else means no scope.
 */
export function scopeOf(raw: unknown): string[] {
  if (typeof raw === 'string') return raw.trim() === '' ? [] : [raw.trim()];
  if (Array.isArray(raw)) return raw.map((s) => String(s).trim()).filter((s) => s !== '');
  return [];
}

/** The first required scope the token lacks, if any. */
export function missingScope(scope: ReadonlySet<string>, required: readonly string[]): string | undefined {
  return required.find((s) => !scope.has(s));
}
