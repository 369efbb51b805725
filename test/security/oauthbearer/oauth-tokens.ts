/** Test helpers: signing keys, a JWKS served over HTTP or from a file, and client messages. */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, jwk };
}

export function sign(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.privateKey);
}

export function unsecured(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'none' }): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64(header)}.${b64(claims)}.`;
}

export const clientMessage = (token: string, authzid = '', ext = ''): Buffer => Buffer.from(`n,${authzid ? 'a=' + authzid : ''},\x01auth=Bearer ${token}${ext}\x01\x01`);

/** A JWKS over HTTP whose keys the test can change; counts the fetches. */
export async function jwksServer(keys: JWK[]): Promise<{ url: string; server: Server; setKeys(k: JWK[]): void; fetches(): number; down(v: boolean): void }> {
  let current = keys;
  let count = 0;
  let failing = false;
  const server = createServer((_req, res) => {
    count++;
    if (failing) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    server,
    setKeys: (k) => (current = k),
    fetches: () => count,
    down: (v) => (failing = v),
  };
}

export function jwksFile(keys: JWK[]): { url: string; path: string; write(k: JWK[]): void } {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-jwks-')), 'jwks.json');
  const write = (k: JWK[]): void => writeFileSync(path, JSON.stringify({ keys: k }));
  write(keys);
  return { url: pathToFileURL(path).href, path, write };
}
