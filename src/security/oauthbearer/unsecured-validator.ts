/**
 * Kafka's OAuthBearerUnsecuredValidatorCallbackHandler: accepts UNSIGNED tokens (JWS with alg
 * "none" and an empty signature), checking only their claims. Anyone who can reach the listener
 * can claim to be anyone: for development only, and logged as such when the listener starts.
 *
 * Options (JAAS options of the listener's OAUTHBEARER login module, as in Kafka):
 * unsecuredValidatorPrincipalClaimName (default sub), unsecuredValidatorScopeClaimName (default
 * scope), unsecuredValidatorRequiredScope (space-separated), unsecuredValidatorAllowableClockSkewMs
 * (default 0). Checks, in Kafka's order: the principal claim is a non-blank string; iat, if
 * present, is not in the future; exp is present and not past; exp is after iat; the required
 * scope is held. nbf is ignored, as in Kafka.
 */
import { claimName, missingScope, scopeOf, TokenValidationError, type TokenValidator, type ValidatedToken } from './validator.js';

export interface UnsecuredOptions {
  principalClaimName: string;
  scopeClaimName: string;
  requiredScope: string[];
  allowableClockSkewMs: number;
}

/** Reads the JAAS options; a bad clock skew is a configuration error, as in Kafka. */
export function unsecuredOptions(jaas: ReadonlyMap<string, string>): UnsecuredOptions {
  const skewText = jaas.get('unsecuredValidatorAllowableClockSkewMs')?.trim() ?? '';
  const skew = skewText === '' ? 0 : Number(skewText);
  if (!Number.isInteger(skew) || skew < 0 || skew > 2 ** 31 - 1)
    throw new Error(`unsecuredValidatorAllowableClockSkewMs must be a non-negative integer (got '${skewText}')`);
  const required = jaas.get('unsecuredValidatorRequiredScope')?.trim() ?? '';
  return {
    principalClaimName: claimName(jaas.get('unsecuredValidatorPrincipalClaimName'), 'sub'),
    scopeClaimName: claimName(jaas.get('unsecuredValidatorScopeClaimName'), 'scope'),
    requiredScope: required === '' ? [] : required.split(/ +/),
    allowableClockSkewMs: skew,
  };
}

function decodeSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenValidationError('malformed JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenValidationError('malformed JSON');
  return value as Record<string, unknown>;
}

function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new TokenValidationError(`The '${name}' claim was not of type Number`);
  return v;
}

export class UnsecuredTokenValidator implements TokenValidator {
  readonly description = 'UNSECURED (alg none, unsigned tokens accepted: development only)';

  constructor(
    private readonly opts: UnsecuredOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async validate(token: string): Promise<ValidatedToken> {
    if (token.includes('..')) throw new TokenValidationError("Malformed compact serialization contains '..'");
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenValidationError('Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values');
    const header = decodeSegment(parts[0]);
    const claims = decodeSegment(parts[1]);
    if (header.alg !== 'none') throw new TokenValidationError("Unsecured JWS must have 'none' for an algorithm");
    if (parts[2] !== '') throw new TokenValidationError('Unsecured JWS must not contain a digital signature');
    const { principalClaimName, scopeClaimName, requiredScope, allowableClockSkewMs: skew } = this.opts;

    const exp = numericClaim(claims, 'exp');
    if (exp === undefined) throw new TokenValidationError('No expiration time in JWT');
    const principalRaw = claims[principalClaimName];
    if (principalRaw !== undefined && principalRaw !== null && typeof principalRaw !== 'string')
      throw new TokenValidationError(`The '${principalClaimName}' claim was not of type String`);
    if (typeof principalRaw !== 'string' || principalRaw.trim() === '') throw new TokenValidationError(`No principal name in JWT claim: ${principalClaimName}`);
    const iat = numericClaim(claims, 'iat');
    const now = this.now();
    if (iat !== undefined && iat * 1000 > now + skew)
      throw new TokenValidationError(`The Issued At value (${iat} seconds) was after the indicated time (${now} ms) plus allowable clock skew (${skew} ms)`);
    if (now - skew >= exp * 1000)
      throw new TokenValidationError(`The indicated time (${now} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`);
    if (iat !== undefined && exp <= iat) throw new TokenValidationError(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
    const scope = new Set(scopeOf(claims[scopeClaimName]));
    const missing = missingScope(scope, requiredScope);
    if (missing !== undefined)
      throw new TokenValidationError(`The provided scope was missing a required scope (${missing}). All required scope elements: ${requiredScope.join(' ')}`, 'insufficient_scope', `[${requiredScope.join(', ')}]`);
    return { principal: principalRaw, expiresAtMs: Math.round(exp * 1000), scope };
  }
}
