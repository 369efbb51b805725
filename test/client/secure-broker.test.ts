/**
 * Runnel's client against Runnel's own SASL listeners: KIP-368 re-authentication with a short
 * connections.max.reauth.ms, and OAUTHBEARER (Kafka's unsecured token, renewed before its exp; a
 * token file), and the SCRAM client against the SCRAM server mechanism.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type Broker } from '../../src/broker.js';
import { Client } from '../../src/client/client.js';
import { clientSecurity } from '../../src/client/security/client-security.js';
import { scramMechanism, unsecuredJwt } from '../../src/client/security/sasl-mechanisms.js';
import { scramMechanismFactory } from '../../src/security/scram/scram-mechanism.js';
import { credentialFromPassword, mechanismByName } from '../../src/security/scram/scram-formatter.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

describe('OAUTHBEARER against a Runnel listener (unsecured validator)', { timeout: 60_000 }, () => {
  let broker: Broker;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runnel-oauth-client-'));
    broker = await startBroker({
      storage: 'memory',
      config: {
        listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'OAUTHBEARER',
        'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
        'connection.failed.authentication.delay.ms': 0,
      },
    });
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const oauth = (extra: Record<string, string>) =>
    clientSecurity(new Map(Object.entries({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER', ...extra })));

  it("Kafka's unsecured login token: a short-lived token is renewed by re-authentication before it expires", async () => {
    const security = oauth({
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice" unsecuredLoginLifetimeSeconds="3";',
    });
    const client = await Client.connect(`127.0.0.1:${broker.port}`, { security });
    try {
      const until = Date.now() + 8000;
      while (Date.now() < until) {
        await client.metadata();
        await sleep(300);
      }
    } finally {
      await client.close();
    }
  });

  it('a token from a file: URL is sent; an expired one is refused with the broker’s invalid_token answer', async () => {
    const jaas = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;';
    const file = join(dir, 'token.jwt');
    writeFileSync(file, unsecuredJwt(new Map([['unsecuredLoginStringClaim_sub', 'bob']])));
    const security = oauth({ 'sasl.jaas.config': jaas, 'sasl.oauthbearer.token.endpoint.url': `file://${file}` });
    const client = await Client.connect(`127.0.0.1:${broker.port}`, { security });
    await client.close();
    writeFileSync(file, unsecuredJwt(new Map([['unsecuredLoginStringClaim_sub', 'bob'], ['unsecuredLoginLifetimeSeconds', '1']]), Date.now() - 3_600_000));
    await expect(Client.connect(`127.0.0.1:${broker.port}`, { security })).rejects.toThrow(/with OAUTHBEARER failed: .*invalid_token/);
  });
});

describe('SCRAM client against the SCRAM server mechanism', () => {
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${name}: both sides agree, and a wrong password is refused`, async () => {
      const m = mechanismByName(name)!;
      const credential = await credentialFromPassword(m, 'alice-secret', 8192);
      const factory = scramMechanismFactory(m, { lookup: (u) => (u === 'alice' ? credential : undefined) });
      const run = async (password: string) => {
        const server = factory.create({ listenerName: 'SASL_SSL', remoteAddress: '127.0.0.1' });
        const client = scramMechanism(name, 'alice', password);
        const first = await server.evaluate(client.initial());
        const last = await server.evaluate(client.respond(first.response)!);
        expect(client.respond(last.response)).toBeUndefined();
        return last.principal;
      };
      expect(await run('alice-secret')).toBe('alice');
      await expect(run('wrong')).rejects.toThrow();
    });
  }
});
