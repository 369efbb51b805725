/**
 * SCRAM logins end to end on a SASL_PLAINTEXT listener (the SASL session and registry with the
 * SCRAM factories): users created with AlterUserScramCredentials on a PLAINTEXT listener log in with
 * kafkajs over SCRAM-SHA-512 and SCRAM-SHA-256 and get their principal; a wrong password, an unknown
 * user and a user without a credential for the mechanism asked for are refused with
 * SASL_AUTHENTICATION_FAILED; a deleted credential no longer logs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { startBroker, type Broker } from '../../../src/broker.js';
import { KafkaWire } from '../../helpers/kafka-wire.js';

let broker: Broker;
const plainPort = () => broker.listeners.find((l) => l.name === 'PLAINTEXT')!.port;

async function alter(body: Record<string, unknown>): Promise<any> {
  const w = await KafkaWire.connect(plainPort());
  try {
    return await w.request(51, 0, body, 30_000);
  } finally {
    await w.close();
  }
}

function upsertion(name: string, mechanism: 1 | 2, password: string) {
  const salt = randomBytes(24);
  const [hash, size] = mechanism === 1 ? (['sha256', 32] as const) : (['sha512', 64] as const);
  return { name, mechanism, iterations: 4096, salt, saltedPassword: pbkdf2Sync(password, salt, 4096, size, hash) };
}

async function login(sasl: SASLOptions): Promise<string> {
  const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, sasl, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  broker = await startBroker({
    storage: 'memory',
    host: '127.0.0.1',
    port: 0,
    config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512', 'connection.failed.authentication.delay.ms': 0 },
  });
  const res = await alter({ deletions: [], upsertions: [upsertion('alice', 2, 'alice-secret'), upsertion('bob', 1, 'bob-secret')] });
  expect(res.results.map((r: { errorCode: number }) => r.errorCode)).toEqual([0, 0]);
}, 60_000);

afterAll(async () => {
  await broker?.close();
});

describe('SCRAM logins', { timeout: 60_000 }, () => {
  it('the right password logs in over SCRAM-SHA-512 and SCRAM-SHA-256; anything else is refused', async () => {
    expect(await login({ mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' })).toBe('ok');
    expect(await login({ mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' })).toBe('ok');
    expect(await login({ mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' })).toBe('KafkaJSSASLAuthenticationError');
    expect(await login({ mechanism: 'scram-sha-512', username: 'mallory', password: 'alice-secret' })).toBe('KafkaJSSASLAuthenticationError');
    // bob has a SCRAM-SHA-256 credential only.
    expect(await login({ mechanism: 'scram-sha-512', username: 'bob', password: 'bob-secret' })).toBe('KafkaJSSASLAuthenticationError');
    expect((await alter({ deletions: [{ name: 'alice', mechanism: 2 }], upsertions: [] })).results[0].errorCode).toBe(0);
    expect(await login({ mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' })).toBe('KafkaJSSASLAuthenticationError');
  });
});
