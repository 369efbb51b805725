/**
 * SCRAM's key derivations (RFC 5802 §3) for SHA-256 and SHA-512 (RFC 7677), and the mechanisms as
 * Kafka numbers them on the wire (ScramMechanism: 1 = SCRAM-SHA-256, 2 = SCRAM-SHA-512) with
 * Kafka's minimum iteration count for each and the controller's maximum.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface ScramMechanismInfo {
  name: ScramMechanismName;
  /** Kafka's ScramMechanism type (the int8 of DescribeUserScramCredentials / AlterUserScramCredentials). */
  type: number;
  hash: 'sha256' | 'sha512';
  /** Digest length in bytes: the length of a salted password, a proof and a key. */
  size: number;
  /** Kafka's minimum for this mechanism (ScramMechanism.minIterations). */
  minIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanismInfo[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', size: 32, minIterations: 4096 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', size: 64, minIterations: 4096 },
];

/** ScramControlManager.MAX_ITERATIONS: more is refused as UNACCEPTABLE_CREDENTIAL. */
export const MAX_ITERATIONS = 16384;
/** ConfigCommand's iterations when a credential names none. */
export const DEFAULT_ITERATIONS = 4096;

export function mechanismByName(name: string): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function mechanismByType(type: number): ScramMechanismInfo | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** What the broker keeps of a password: never the password or the salted password itself. */
export interface ScramCredential {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
  iterations: number;
}

export function hmac(m: ScramMechanismInfo, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

export function digest(m: ScramMechanismInfo, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Hi(password, salt, i): PBKDF2 with the mechanism's HMAC and one block of output. */
export function saltedPassword(m: ScramMechanismInfo, password: string | Buffer, salt: Buffer, iterations: number): Promise<Buffer> {
  return pbkdf2Async(password, salt, iterations, m.size, m.hash);
}

/** StoredKey and ServerKey from a salted password, as the controller turns an AlterUserScramCredentials upsertion into a record. */
export function credentialFromSalted(m: ScramMechanismInfo, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, storedKey: digest(m, clientKey), serverKey: hmac(m, salted, 'Server Key'), iterations };
}

export async function credentialFromPassword(m: ScramMechanismInfo, password: string, iterations: number, salt: Buffer = randomSalt()): Promise<ScramCredential> {
  return credentialFromSalted(m, await saltedPassword(m, password, salt, iterations), salt, iterations);
}

export function randomSalt(): Buffer {
  return randomBytes(32);
}

/** A nonce of printable characters without ',' (RFC 5802's "printable"): base64url never has one. */
export function randomNonce(): string {
  return randomBytes(24).toString('base64url');
}
