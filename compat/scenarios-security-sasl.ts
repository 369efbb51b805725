/** The SASL scenarios of the compatibility suite (spread into scenarios.ts). */
import type { Scenario } from './scenarios.js';
import { tlsSetup } from './lib/tls-setup.js';

/** Users alice/alice-secret and admin/admin-secret; the scripts log in as alice and try a wrong password. */
export const SASL_PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  'user_admin="admin-secret" user_alice="alice-secret";';

export const saslScenarios: Scenario[] = [
  {
    name: 'sasl-plain',
    description:
      'a SASL_PLAINTEXT listener with PLAIN users from listener.name.sasl_plaintext.plain.sasl.jaas.config: log in as ' +
      'alice (SaslHandshake + SaslAuthenticate, or raw tokens after SaslHandshake v0 for kafka-python), create or ' +
      'auto-create a topic, produce 20 messages and consume them back; the same client with a wrong password is ' +
      'refused with an authentication error',
    broker: {
      listeners: 'SASL_PLAINTEXT://:9092',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': SASL_PLAIN_JAAS,
    },
  },
  {
    name: 'sasl-ssl-plain',
    description:
      'the sasl-plain scripts over a SASL_SSL listener (server certificate from compat/lib/tls-setup.ts, no client ' +
      'certificate): each client trusts the CA in its own way (RUNNEL_SSL_CA) and uses security protocol SASL_SSL ' +
      '(RUNNEL_SECURITY_PROTOCOL), logs in as alice, produces 20 messages and consumes them back; a wrong password ' +
      'is refused with an authentication error',
    scripts: 'sasl-plain',
    setup: () =>
      tlsSetup({
        protocol: 'SASL_SSL',
        broker: { 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.sasl_ssl.plain.sasl.jaas.config': SASL_PLAIN_JAAS },
        env: { RUNNEL_SECURITY_PROTOCOL: 'SASL_SSL' },
      }),
  },
];
