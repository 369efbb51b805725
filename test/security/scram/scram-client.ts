/** A minimal RFC 5802 client for the tests: the messages a Kafka client sends, computed from a password. */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export class TestScramClient {
  readonly clientNonce: string;
  private firstBare = '';
  private authMessage = '';
  private salted = Buffer.alloc(0);

  constructor(
    readonly hash: 'sha256' | 'sha512',
    readonly user: string,
    readonly password: string,
    opts: { nonce?: string; gs2Header?: string } = {},
  ) {
    this.clientNonce = opts.nonce ?? randomBytes(18).toString('base64');
    this.gs2Header = opts.gs2Header ?? 'n,,';
  }

  readonly gs2Header: string;

  first(extensions = ''): Buffer {
    const name = this.user.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.firstBare = `n=${name},r=${this.clientNonce}${extensions}`;
    return Buffer.from(this.gs2Header + this.firstBare);
  }

  final(serverFirst: Buffer, opts: { binding?: string; nonce?: string; password?: string } = {}): Buffer {
    const attrs = new Map(serverFirst.toString().split(',').map((kv) => [kv[0], kv.slice(2)] as [string, string]));
    const nonce = opts.nonce ?? attrs.get('r')!;
    const salt = Buffer.from(attrs.get('s')!, 'base64');
    const iterations = Number(attrs.get('i'));
    const size = this.hash === 'sha256' ? 32 : 64;
    this.salted = pbkdf2Sync(opts.password ?? this.password, salt, iterations, size, this.hash);
    const clientKey = createHmac(this.hash, this.salted).update('Client Key').digest();
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=${opts.binding ?? Buffer.from(this.gs2Header).toString('base64')},r=${nonce}`;
    this.authMessage = `${this.firstBare},${serverFirst.toString()},${withoutProof}`;
    const signature = createHmac(this.hash, storedKey).update(this.authMessage).digest();
    const proof = Buffer.alloc(size);
    for (let i = 0; i < size; i++) proof[i] = clientKey[i] ^ signature[i];
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** The server-final message a server that knows the password sends. */
  expectedServerFinal(): string {
    const serverKey = createHmac(this.hash, this.salted).update('Server Key').digest();
    return `v=${createHmac(this.hash, serverKey).update(this.authMessage).digest('base64')}`;
  }
}
