/**
 * SCRAM scenarios (src/security/scram/): a broker with a SASL_PLAINTEXT listener serving
 * SCRAM-SHA-256 and SCRAM-SHA-512, which the scripts bootstrap from, and a PLAINTEXT listener on a
 * free port (RUNNEL_ADMIN_BOOTSTRAP) where each script first creates its user with `runnel configs`
 * (compat/lib/scram-user.sh), as an operator would before handing out credentials. sasl-ssl-scram
 * runs the same scripts with the SCRAM listener on SASL_SSL.
 */
import { createServer } from 'node:net';
import type { Scenario, ScenarioSetup } from './scenarios.js';
import { tlsSetup } from './lib/tls-setup.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function scramSetup(): Promise<ScenarioSetup> {
  const admin = await freePort();
  return {
    broker: { ...SCRAM_BROKER, listeners: `SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:${admin}` },
    env: { RUNNEL_ADMIN_BOOTSTRAP: `127.0.0.1:${admin}` },
  };
}

const SCRAM_BROKER = { 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512', 'num.partitions': 1 };

/** The same over SASL_SSL (TLS material from compat/lib/tls-setup.ts); the admin listener stays PLAINTEXT. */
async function scramSslSetup(): Promise<ScenarioSetup> {
  const admin = await freePort();
  return tlsSetup({
    protocol: 'SASL_SSL',
    broker: { ...SCRAM_BROKER, listeners: `SASL_SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:${admin}` },
    env: { RUNNEL_ADMIN_BOOTSTRAP: `127.0.0.1:${admin}`, RUNNEL_SECURITY_PROTOCOL: 'SASL_SSL' },
  });
}

export const scramScenarios: readonly Scenario[] = [
  {
    name: 'sasl-scram',
    description:
      'SASL_PLAINTEXT with SCRAM-SHA-512 against a user created with `runnel configs --alter --entity-type users ' +
      "--add-config 'SCRAM-SHA-512=[iterations=8192,password=...]'` on the PLAINTEXT listener: 20 messages produced " +
      'and consumed back; the same user with a wrong password refused with SASL_AUTHENTICATION_FAILED; kafkajs also ' +
      'logs in a SCRAM-SHA-256 user. librdkafka 2.0.2 (kcat, confluent-kafka) sends the client-final nonce of ' +
      'librdkafka < 2.6.1, accepted as Kafka 3.8.1-3.9 accept it',
    setup: scramSetup,
  },
  {
    name: 'sasl-ssl-scram',
    description:
      'the sasl-scram scripts over a SASL_SSL listener (server certificate from compat/lib/tls-setup.ts; users still ' +
      'created on the PLAINTEXT admin listener): each client trusts the CA in its own way (RUNNEL_SSL_CA) with ' +
      'security protocol SASL_SSL (RUNNEL_SECURITY_PROTOCOL); SCRAM-SHA-512 produce and consume, a wrong password ' +
      'refused (kafkajs also SCRAM-SHA-256)',
    scripts: 'sasl-scram',
    setup: scramSslSetup,
  },
];
