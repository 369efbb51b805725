import { describe, it, expect } from 'vitest';
import { parseJaasConfig, parseSingleJaasEntry, JaasParseError } from '../../../src/security/sasl/jaas.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';

describe('JAAS config parsing (Kafka JaasConfig syntax)', () => {
  it('reads a login module, its flag and quoted options', () => {
    const e = parseSingleJaasEntry(`${PLAIN} required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";`);
    expect(e.loginModule).toBe(PLAIN);
    expect(e.controlFlag).toBe('required');
    expect([...e.options]).toEqual([
      ['username', 'admin'],
      ['password', 'admin-secret'],
      ['user_admin', 'admin-secret'],
      ['user_alice', 'alice-secret'],
    ]);
  });

  it('accepts the flag in any case, unquoted and single-quoted values, line breaks and comments', () => {
    const e = parseSingleJaasEntry(`${PLAIN}  REQUIRED\n  // a comment\n  user_bob=bob-pw /* block */ user_carol='c;a=r"o l'\n ;`);
    expect(e.controlFlag).toBe('required');
    expect(e.options.get('user_bob')).toBe('bob-pw');
    expect(e.options.get('user_carol')).toBe('c;a=r"o l');
  });

  it('decodes Java escapes in quoted strings', () => {
    const e = parseSingleJaasEntry(`${PLAIN} required user_a="q\\"uote\\\\back\\tab\\101";`);
    expect(e.options.get('user_a')).toBe('q"uote\\back\tabA');
  });

  it('keeps spaces, = and ; inside quotes and non-ASCII text', () => {
    const e = parseSingleJaasEntry(`${PLAIN} required user_zoë="p = w; ö";`);
    expect(e.options.get('user_zoë')).toBe('p = w; ö');
  });

  it('reads several entries, and the single-entry form refuses them', () => {
    const text = `${PLAIN} required user_a="1"; other.Module optional x=y;`;
    expect(parseJaasConfig(text).map((e) => e.loginModule)).toEqual([PLAIN, 'other.Module']);
    expect(() => parseSingleJaasEntry(text)).toThrow('contains 2 login modules, should be 1 module');
  });

  it.each([
    ['', 'Login module not specified'],
    ['   // only a comment', 'Login module not specified'],
    [`${PLAIN}`, 'control flag not specified'],
    [`${PLAIN} mandatory user_a="x";`, 'Invalid login module control flag'],
    [`${PLAIN} required user_a="x"`, 'not terminated by semi-colon'],
    [`${PLAIN} required user_a=;`, "Value not specified for key 'user_a'"],
    [`${PLAIN} required user_a;`, "Value not specified for key 'user_a'"],
    [`${PLAIN} required = "x";`, 'option name expected'],
  ])('refuses %j', (text, message) => {
    expect(() => parseJaasConfig(text)).toThrow(JaasParseError);
    expect(() => parseJaasConfig(text)).toThrow(message);
  });

  it('never puts a value in an error message', () => {
    try {
      parseJaasConfig(`${PLAIN} required user_a="s3cret-value" user_b`);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
  });
});
