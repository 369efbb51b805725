/**
 * Tokens for the OAUTHBEARER scenarios, signed with the key the runner made
 * (compat/scenarios-security-oauth.ts), as an identity provider would issue them.
 */
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';

export interface TokenOptions {
  sub?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

export async function oauthToken(opts: TokenOptions = {}): Promise<string> {
  const env = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set; run scenarios through compat/run.ts`);
    return v;
  };
  const key = await importPKCS8(readFileSync(env('RUNNEL_OAUTH_KEY_FILE'), 'utf8'), 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'kafka' })
    .setProtectedHeader({ alg: 'ES256', kid: env('RUNNEL_OAUTH_KID'), typ: 'JWT' })
    .setSubject(opts.sub ?? 'alice')
    .setIssuer(opts.issuer ?? env('RUNNEL_OAUTH_ISSUER'))
    .setAudience(opts.audience ?? env('RUNNEL_OAUTH_AUDIENCE'))
    .setIssuedAt(now - 120)
    .setExpirationTime(now + (opts.expiresIn ?? 600))
    .sign(key);
}
