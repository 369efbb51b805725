/**
 * The server side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer
 * runs it: client-first (GS2 header without channel binding, n=, r=, extensions) answered with
 * server-first (the client's nonce plus ours, the salt, the iterations); client-final (channel
 * binding, the combined nonce, the proof) checked against the stored key with a timing-safe
 * comparison and answered with server-final (v=, the server signature) and the principal.
 *
 * Every failure is a SaslAuthenticationError with Kafka's generic message ("Authentication failed
 * during authentication due to invalid credentials with SASL mechanism ..."), which carries nothing
 * the client sent. Unlike Kafka, which fails an unknown user at client-first, an unknown user gets
 * a server-first with a salt derived from the name (the same on every attempt and listener, from a
 * secret of this broker process) and 4096 iterations, and fails at client-final exactly as a wrong
 * password does, so the exchange does not tell which users exist. (Another broker, or this one
 * after a restart, derives other fake salts; a real user's salt is the same everywhere.) Kafka's
 * tokenauth extension (delegation tokens) is refused: Runnel has no delegation tokens. An
 * authorization id other than the user is refused with Kafka's message.
 * The client-final nonce of librdkafka before 2.6.1 (its own nonce repeated before the combined one)
 * is accepted, as Kafka 3.8.1-3.9 accept it; Kafka 4.x refuses it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SaslMechanismFactory, SaslServerMechanism, SaslStep } from '../sasl/mechanism.js';
import { SaslAuthenticationError } from '../sasl/mechanism.js';
import { digest, hmac, randomNonce, xor, DEFAULT_ITERATIONS, type ScramCredential, type ScramMechanismInfo } from './scram-formatter.js';
import { parseClientFinal, parseClientFirst, serverFirst, ScramFormatError, type ClientFirst } from './scram-messages.js';

export interface ScramMechanismOptions {
  /** The credential of a user for this mechanism, undefined when there is none. */
  lookup(user: string): ScramCredential | undefined;
  /** The server's part of the nonce (tests: the RFC's fixed value). */
  nonce?: () => string;
  /** Keys the fake salts of unknown users; by default one random secret per process (all listeners alike). */
  fakeSaltSecret?: Buffer;
}

type State = { kind: 'first' } | { kind: 'final'; first: ClientFirst; serverFirst: string; nonce: string; credential: ScramCredential; known: boolean; user: string } | { kind: 'done' };

class ScramServer implements SaslServerMechanism {
  private state: State = { kind: 'first' };

  constructor(
    private readonly m: ScramMechanismInfo,
    private readonly opts: ScramMechanismOptions,
    private readonly fakeSecret: Buffer,
  ) {}

  private fail(): never {
    this.state = { kind: 'done' };
    throw new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.m.name}`);
  }

  async evaluate(token: Buffer): Promise<SaslStep> {
    try {
      if (this.state.kind === 'first') return this.first(token);
      if (this.state.kind === 'final') return this.final(token, this.state);
    } catch (e) {
      if (e instanceof SaslAuthenticationError) {
        this.state = { kind: 'done' };
        throw e;
      }
      if (e instanceof ScramFormatError) this.fail();
      throw e;
    }
    return this.fail();
  }

  private first(token: Buffer): SaslStep {
    const first = parseClientFirst(token);
    // Kafka's tokenauth=true asks for a delegation token's credential: there are none here.
    if (first.extensions.get('tokenauth')?.toLowerCase() === 'true') this.fail();
    if (first.authzid !== '' && first.authzid !== first.user) {
      this.state = { kind: 'done' };
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    const real = this.opts.lookup(first.user);
    // A credential below the mechanism's minimum is refused as Kafka does (it can only come from an older store).
    const known = real !== undefined && real.iterations >= this.m.minIterations;
    const credential = known ? real : this.fakeCredential(first.user);
    const nonce = first.nonce + (this.opts.nonce ?? randomNonce)();
    const sf = serverFirst(nonce, credential.salt, credential.iterations);
    this.state = { kind: 'final', first, serverFirst: sf, nonce, credential, known, user: first.user };
    return { response: Buffer.from(sf) };
  }

  private final(token: Buffer, s: Extract<State, { kind: 'final' }>): SaslStep {
    const fin = parseClientFinal(token);
    const expectedBinding = Buffer.from(s.first.gs2Header).toString('base64');
    // librdkafka before 2.6.1 (Debian's kcat and confluent-kafka among them) sends its own nonce once more in
    // front of the combined one; Kafka 3.8.1-3.9 accept that (endsWith), 4.x refuses it. Either form carries
    // this exchange's fresh server nonce, which is what defeats a replay.
    const nonceOk = fin.nonce === s.nonce || fin.nonce === s.first.nonce + s.nonce;
    if (fin.channelBinding !== expectedBinding || !nonceOk || fin.proof.length !== this.m.size) this.fail();
    const authMessage = `${s.first.bare},${s.serverFirst},${fin.withoutProof}`;
    const clientSignature = hmac(this.m, s.credential.storedKey, authMessage);
    const computedStoredKey = digest(this.m, xor(fin.proof, clientSignature));
    // Always compared, also for an unknown user (whose fake stored key matches nothing), so both take the same time.
    const matches = timingSafeEqual(computedStoredKey, s.credential.storedKey);
    if (!matches || !s.known) this.fail();
    const serverSignature = hmac(this.m, s.credential.serverKey, authMessage);
    this.state = { kind: 'done' };
    return { response: Buffer.from(`v=${serverSignature.toString('base64')}`), principal: s.user };
  }

  /** A credential for a user that does not exist: the same salt for the same name every time, keys that match no proof. */
  private fakeCredential(user: string): ScramCredential {
    const salt = hmac(this.m, this.fakeSecret, `salt:${user}`).subarray(0, 32);
    return { salt, storedKey: randomBytes(this.m.size), serverKey: randomBytes(this.m.size), iterations: DEFAULT_ITERATIONS };
  }
}

/** Shared by every factory, so that an unknown user gets the same salt on every listener of this broker. */
const PROCESS_FAKE_SALT_SECRET = randomBytes(32);

export function scramMechanismFactory(m: ScramMechanismInfo, opts: ScramMechanismOptions): SaslMechanismFactory {
  const fakeSecret = opts.fakeSaltSecret ?? PROCESS_FAKE_SALT_SECRET;
  return {
    name: m.name,
    create: () => new ScramServer(m, opts, fakeSecret),
  };
}
