/**
 * Runnel's client against Runnel's own SASL listener: KIP-368 re-authentication with a short
 * connections.max.reauth.ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type Broker } from '../../src/broker.js';
import { Client } from '../../src/client/client.js';
import { clientSecurity } from '../../src/client/security/client-security.js';

describe('KIP-368 against a Runnel SASL listener', { timeout: 60_000 }, () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await startBroker({
      storage: 'memory',
      config: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
        'connections.max.reauth.ms': 2000,
      },
    });
  });
  afterAll(() => broker?.close());

  it('a long-lived connection keeps working past the session lifetime: the client re-authenticates in time', async () => {
    const security = clientSecurity(
      new Map([
        ['security.protocol', 'SASL_PLAINTEXT'],
        ['sasl.mechanism', 'PLAIN'],
        ['sasl.jaas.config', 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";'],
      ]),
    );
    const client = await Client.connect(`127.0.0.1:${broker.port}`, { security });
    try {
      const until = Date.now() + 7000;
      let n = 0;
      while (Date.now() < until) {
        await client.metadata();
        n++;
        await sleep(250);
      }
      expect(n).toBeGreaterThan(10);
    } finally {
      await client.close();
    }
  });
});
