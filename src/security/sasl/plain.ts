/**
 * SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer and PlainServerCallbackHandler serve it: one
 * client message `[authzid] NUL authcid NUL passwd` (UTF-8), checked against the `user_<name>`
 * options of the listener's PlainLoginModule JAAS entry. The messages are Kafka's, so clients
 * show what they would show against Kafka; none carries the user name or the password.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslMechanismFactory, type SaslServerMechanism, type SaslStep } from './mechanism.js';
import type { JaasEntry } from './jaas.js';

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

const USER_PREFIX = 'user_';

/** The users (name -> password) of a PlainLoginModule entry; another login module has none, as in Kafka. */
export function plainUsers(entry: JaasEntry | undefined): Map<string, string> {
  const users = new Map<string, string>();
  if (!entry || entry.loginModule !== PLAIN_LOGIN_MODULE) return users;
  for (const [key, value] of entry.options) if (key.startsWith(USER_PREFIX)) users.set(key.slice(USER_PREFIX.length), value);
  return users;
}

/** Splits on NUL as Kafka does: at most four pieces looked at, exactly three accepted. */
function tokens(message: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const end = message.indexOf('\u0000', start);
    if (end < 0) {
      out.push(message.slice(start));
      break;
    }
    out.push(message.slice(start, end));
    start = end + 1;
  }
  if (out.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${out.length}`);
  return out;
}

/** Compares in time that depends on neither string's content nor length. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

class PlainServer implements SaslServerMechanism {
  private complete = false;

  constructor(private readonly users: () => ReadonlyMap<string, string>) {}

  async evaluate(token: Buffer): Promise<SaslStep> {
    if (this.complete) throw new SaslAuthenticationError('Authentication exchange has completed');
    const [authzid, username, password] = tokens(token.toString('utf8'));
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.users().get(username);
    // An unknown user costs the same comparison as a wrong password, so timing does not tell them apart.
    const ok = sameSecret(password, expected ?? '\u0000unknown-user') && expected !== undefined;
    if (!ok) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authzid !== '' && authzid !== username)
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    this.complete = true;
    return { response: Buffer.alloc(0), principal: username };
  }
}

/** PLAIN for one listener; `users` is read on each attempt, so a JAAS change applies to the next login. */
export function plainMechanism(users: () => ReadonlyMap<string, string>): SaslMechanismFactory {
  return { name: 'PLAIN', create: () => new PlainServer(users) };
}
