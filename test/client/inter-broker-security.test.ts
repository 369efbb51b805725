import { describe, expect, it } from 'vitest';
import { brokerInterBrokerSecurity, interBrokerSecurity } from '../../src/client/security/inter-broker.js';
import { BrokerConfig } from '../../src/config/config.js';
import { testCerts } from './fake-broker.js';

const get = (m: Record<string, string>) => (k: string) => m[k];
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-pw" user_broker="broker-pw" user_alice="a";';

describe('inter-broker client security', () => {
  it('PLAINTEXT and SSL listeners: no SASL; SSL trust from the listener-prefixed keys first', () => {
    expect(interBrokerSecurity({ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT' }, get({}))).toEqual({ protocol: 'PLAINTEXT' });
    const certs = testCerts();
    const s = interBrokerSecurity(
      { name: 'INTERNAL', securityProtocol: 'SSL' },
      get({ 'ssl.truststore.location': '/nonexistent', 'listener.name.internal.ssl.truststore.location': certs.caFile, 'ssl.endpoint.identification.algorithm': '' }),
    );
    expect(s.sasl).toBeUndefined();
    expect(String(s.tls!.ca)).toContain('BEGIN CERTIFICATE');
    expect(s.tls!.checkServerIdentity).toBeTypeOf('function');
  });

  it("SASL: the mechanism's credentials are the username/password of the listener's JAAS entry", () => {
    const s = interBrokerSecurity(
      { name: 'BROKER', securityProtocol: 'SASL_PLAINTEXT' },
      get({ 'sasl.mechanism.inter.broker.protocol': 'PLAIN', 'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512', 'listener.name.broker.plain.sasl.jaas.config': PLAIN_JAAS }),
    );
    expect(s.sasl!.mechanism).toBe('PLAIN');
    expect(s.sasl!.create().initial().toString()).toBe('\0broker\0broker-pw');
  });

  it("refuses Kafka's default GSSAPI, a mechanism the listener does not enable, and a JAAS entry without username", () => {
    const l = { name: 'BROKER', securityProtocol: 'SASL_SSL' as const };
    expect(() => interBrokerSecurity({ ...l, securityProtocol: 'SASL_PLAINTEXT' }, get({}))).toThrow(/GSSAPI \(Kafka's default\), which Runnel does not support/);
    expect(() => interBrokerSecurity({ ...l, securityProtocol: 'SASL_PLAINTEXT' }, get({ 'sasl.mechanism.inter.broker.protocol': 'PLAIN', 'listener.name.broker.sasl.enabled.mechanisms': 'SCRAM-SHA-256' }))).toThrow(
      /must be included in sasl.enabled.mechanisms/,
    );
    expect(() =>
      interBrokerSecurity(
        { ...l, securityProtocol: 'SASL_PLAINTEXT' },
        get({ 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512', 'sasl.enabled.mechanisms': 'SCRAM-SHA-512', 'listener.name.broker.scram-sha-512.sasl.jaas.config': 'x.ScramLoginModule required;' }),
      ),
    ).toThrow(/inter-broker listener BROKER: listener.name.broker.scram-sha-512.sasl.jaas.config: SCRAM-SHA-512 needs the username and password/);
  });

  it('reads the inter-broker listener from the broker config (a ConfigError stops start-up)', () => {
    const config = new BrokerConfig({ listeners: 'PLAINTEXT://:0,SASL_PLAINTEXT://:0', 'inter.broker.listener.name': 'SASL_PLAINTEXT' });
    expect(() => brokerInterBrokerSecurity(config)).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(/GSSAPI/) }));
    expect(brokerInterBrokerSecurity(new BrokerConfig({ listeners: 'PLAINTEXT://:0' }))).toEqual({ protocol: 'PLAINTEXT' });
  });
});
