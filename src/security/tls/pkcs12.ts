/**
 * The certificates of a PKCS12 store as PEM, through the `openssl pkcs12` command: Node reads a
 * PFX with a key and its chain, but not a truststore of bare certificate bags. The password goes
 * through the environment, not argv. Broker truststores (stores.ts) and client truststores
 * (src/client/security/tls-options.ts) both read theirs here and word the errors themselves.
 */
import { execFileSync } from 'node:child_process';

export class Pkcs12Error extends Error {
  constructor(
    message: string,
    /** openssl is not installed. */
    readonly noOpenssl = false,
  ) {
    super(message);
  }
}

/** Every certificate in the store, as PEM blocks; throws Pkcs12Error with openssl's first line of complaint. */
export function pkcs12CertificatePems(path: string, password: string | undefined): string[] {
  const run = (legacy: boolean): string =>
    execFileSync('openssl', ['pkcs12', '-in', path, '-nokeys', '-passin', 'env:RUNNEL_PKCS12_PASSWORD', ...(legacy ? ['-legacy'] : [])], {
      env: { ...process.env, RUNNEL_PKCS12_PASSWORD: password ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  let out: string;
  try {
    out = run(false);
  } catch (first) {
    if ((first as NodeJS.ErrnoException).code === 'ENOENT') throw new Pkcs12Error('reading a PKCS12 store needs the openssl command', true);
    try {
      out = run(true); // RC2/3DES-protected files from older tools need OpenSSL 3's legacy provider
    } catch {
      throw new Pkcs12Error(String((first as { stderr?: string }).stderr ?? (first as Error).message).trim().split('\n')[0]);
    }
  }
  return out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
