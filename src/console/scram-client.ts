/**
 * The client side of SCRAM (RFC 5802; SCRAM-SHA-256 and SCRAM-SHA-512 as Kafka serves them, RFC
 * 7677), so the console can check a user name and password by driving a SCRAM listener's own
 * server mechanism in-process: client-first, client-final with the proof, then the server's
 * signature checked, so that a server mechanism that did not know the password cannot pass.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_HASHES: Readonly<Record<string, 'sha256' | 'sha512'>> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };

/** A malformed or unverifiable server message; the message never carries the password. */
export class ScramClientError extends Error {}

/** RFC 5802 saslname: ',' and '=' escaped (Kafka's ScramFormatter.saslName). */
const saslName = (user: string): string => user.replace(/=/g, '=3D').replace(/,/g, '=2C');

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== 1) throw new ScramClientError('malformed SCRAM server message');
    out.set(part[0], part.slice(2));
  }
  return out;
}

export class ScramClient {
  private readonly hash: 'sha256' | 'sha512';
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | undefined;

  constructor(
    mechanism: string,
    user: string,
    private readonly password: string,
    private readonly nonce = randomBytes(24).toString('base64url'),
  ) {
    const hash = SCRAM_HASHES[mechanism];
    if (!hash) throw new ScramClientError(`not a SCRAM mechanism: ${mechanism}`);
    this.hash = hash;
    this.clientFirstBare = `n=${saslName(user)},r=${this.nonce}`;
  }

  /** client-first-message: no channel binding, no authzid. */
  first(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** client-final-message for the server-first-message. */
  final(serverFirst: string): string {
    const a = attributes(serverFirst);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (a.has('e')) throw new ScramClientError(`server error: ${a.get('e')}`);
    if (!nonce || !nonce.startsWith(this.nonce) || nonce.length <= this.nonce.length) throw new ScramClientError('the server nonce does not extend the client nonce');
    if (!salt || !Number.isInteger(iterations) || iterations < 1) throw new ScramClientError('malformed SCRAM server-first message');
    const salted = pbkdf2Sync(this.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, createHash(this.hash).digest().length, this.hash);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.serverSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final-message's signature: throws unless the server knew the credential. */
  verify(serverFinal: string): void {
    const a = attributes(serverFinal);
    if (a.has('e')) throw new ScramClientError(`server error: ${a.get('e')}`);
    const v = Buffer.from(a.get('v') ?? '', 'base64');
    if (!this.serverSignature || v.length !== this.serverSignature.length || !timingSafeEqual(v, this.serverSignature)) throw new ScramClientError('the server signature does not verify');
  }

  private hmac(key: Buffer, text: string): Buffer {
    return createHmac(this.hash, key).update(text, 'utf8').digest();
  }
}
