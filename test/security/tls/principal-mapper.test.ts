/** ssl.principal.mapping.rules: Kafka's SslPrincipalMapper rules and results (cases from its own test). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config.js';
import { NoMatchingRule, SslPrincipalMapper } from '../../../src/security/tls/principal-mapper.js';

describe('SslPrincipalMapper', () => {
  it('accepts the rules Kafka accepts', () => {
    for (const r of [
      'DEFAULT',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT',
      'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
      'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
      'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
      '',
      ',   , , ,      , , ,   ',
    ])
      expect(() => SslPrincipalMapper.fromRules(r), r).not.toThrow();
  });

  it('refuses the rules Kafka refuses, with a ConfigError', () => {
    for (const r of [
      'default',
      'DEFAUL',
      'DEFAULT/L',
      'DEFAULT/U',
      'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
      'rule:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/L',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/U',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/LU',
    ])
      expect(() => SslPrincipalMapper.fromRules(r), r).toThrow(ConfigError);
  });

  it('maps names as Kafka does: first matching rule, whole-DN match, L/U, DEFAULT', () => {
    const mapper = SslPrincipalMapper.fromRules(
      [
        'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
        'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
        'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
        'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
        'DEFAULT',
      ].join(', '),
    );
    expect(mapper.getName('CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('duke');
    expect(mapper.getName('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(mapper.getName('cn=duke,ou=sme,dc=mycp,dc=com')).toBe('DUKE@SME');
    expect(mapper.getName('cN=duke,OU=JavaSoft,O=Sun Microsystems')).toBe('DUKE');
    expect(mapper.getName('OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
  });

  it('keeps an escaped comma inside a value (pattern with \\\\, and whitespace)', () => {
    const mapper = SslPrincipalMapper.fromRules(String.raw`RULE:^CN=((\\, *|\w)+)(,.*|$)/$1/,DEFAULT`);
    expect(mapper.getName(String.raw`CN=Tkac\, Adam,OU=ITZ,DC=geodis,DC=cz`)).toBe(String.raw`Tkac\, Adam`);
  });

  it('no rule applying is NoMatchingRule (the client is refused); no rules at all is DEFAULT', () => {
    const mapper = SslPrincipalMapper.fromRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/');
    expect(() => mapper.getName('CN=alice,OU=clients,O=Runnel')).toThrow(NoMatchingRule);
    expect(SslPrincipalMapper.fromRules(undefined).getName('CN=alice,O=Runnel')).toBe('CN=alice,O=Runnel');
  });

  it('a back reference past the last group is shortened, then literal, as in Kafka', () => {
    const mapper = SslPrincipalMapper.fromRules('RULE:^CN=(.*?),.*$/$12-$3/');
    expect(mapper.getName('CN=bob,O=x')).toBe('bob2-$3');
  });
});
