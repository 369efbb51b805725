import { describe, it, expect } from 'vitest';
import { plainMechanism, plainUsers, PLAIN_LOGIN_MODULE } from '../../../src/security/sasl/plain.js';
import { parseSingleJaasEntry } from '../../../src/security/sasl/jaas.js';
import { SaslAuthenticationError } from '../../../src/security/sasl/mechanism.js';

const users = plainUsers(parseSingleJaasEntry(`${PLAIN_LOGIN_MODULE} required username="admin" password="admin-pw" user_admin="admin-pw" user_alice="alice-pw";`));
const mech = plainMechanism(() => users);
const ctx = { listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1:1' };
const msg = (authzid: string, user: string, pw: string): Buffer => Buffer.from(`${authzid}\u0000${user}\u0000${pw}`, 'utf8');

async function failure(token: Buffer): Promise<string> {
  try {
    await mech.create(ctx).evaluate(token);
  } catch (e) {
    expect(e).toBeInstanceOf(SaslAuthenticationError);
    return (e as Error).message;
  }
  throw new Error('authentication did not fail');
}

describe('SASL/PLAIN', () => {
  it('takes the users from user_* options only', () => {
    expect([...users.keys()]).toEqual(['admin', 'alice']);
  });

  it('a login module other than PlainLoginModule has no users (as in Kafka)', () => {
    expect(plainUsers(parseSingleJaasEntry('com.example.Other required user_x="y";')).size).toBe(0);
    expect(plainUsers(undefined).size).toBe(0);
  });

  it('authenticates a known user, with an empty or equal authorization id', async () => {
    expect(await mech.create(ctx).evaluate(msg('', 'alice', 'alice-pw'))).toEqual({ response: Buffer.alloc(0), principal: 'alice' });
    expect((await mech.create(ctx).evaluate(msg('alice', 'alice', 'alice-pw'))).principal).toBe('alice');
  });

  it('refuses a wrong password and an unknown user with the same message, without the credentials', async () => {
    const wrong = await failure(msg('', 'alice', 'nope-pw'));
    const unknown = await failure(msg('', 'mallory', 'alice-pw'));
    expect(wrong).toBe('Authentication failed: Invalid username or password');
    expect(unknown).toBe(wrong);
    expect(wrong).not.toContain('nope');
  });

  it('refuses malformed messages as Kafka does', async () => {
    expect(await failure(Buffer.from('alice'))).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
    expect(await failure(Buffer.from('a\u0000b'))).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 2');
    expect(await failure(Buffer.from('a\u0000b\u0000c\u0000d'))).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 4');
    expect(await failure(msg('', '', 'x'))).toBe('Authentication failed: username not specified');
    expect(await failure(msg('', 'alice', ''))).toBe('Authentication failed: password not specified');
    expect(await failure(msg('admin', 'alice', 'alice-pw'))).toBe('Authentication failed: Client requested an authorization id that is different from username');
    expect(await failure(Buffer.alloc(0))).toContain('expected 3 tokens');
  });

  it('refuses a second message after completing', async () => {
    const m = mech.create(ctx);
    await m.evaluate(msg('', 'alice', 'alice-pw'));
    await expect(m.evaluate(msg('', 'alice', 'alice-pw'))).rejects.toThrow('Authentication exchange has completed');
  });

  it('reads the users on each attempt, so a changed JAAS applies to the next login', async () => {
    let current = new Map([['bob', 'one']]);
    const m = plainMechanism(() => current);
    expect((await m.create(ctx).evaluate(msg('', 'bob', 'one'))).principal).toBe('bob');
    current = new Map([['bob', 'two']]);
    await expect(m.create(ctx).evaluate(msg('', 'bob', 'one'))).rejects.toThrow('Invalid username or password');
  });
});
