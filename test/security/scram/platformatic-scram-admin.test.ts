/**
 * A real client's encoding of DescribeUserScramCredentials / AlterUserScramCredentials against
 * Runnel: @platformatic/kafka's v0 APIs over its own Connection create a SCRAM-SHA-512 credential
 * (the client salts), describe it, and get Kafka's error for too few iterations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { Connection, alterUserScramCredentialsV0, describeUserScramCredentialsV0 } from '@platformatic/kafka';
import { startBroker, type Broker } from '../../../src/broker.js';

let broker: Broker;
let conn: Connection;

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory' });
  conn = new Connection('scram-admin');
  await conn.connect('127.0.0.1', broker.port);
});

afterAll(async () => {
  await conn?.close();
  await broker?.close();
});

describe('@platformatic/kafka SCRAM admin APIs', () => {
  it('alters and describes SCRAM credentials', async () => {
    const salt = randomBytes(20);
    const altered = await alterUserScramCredentialsV0.api.async(conn, [], [{ name: 'pk-user', mechanism: 2, iterations: 8192, salt, saltedPassword: pbkdf2Sync('pw', salt, 8192, 64, 'sha512') }]);
    expect(altered.results).toEqual([{ user: 'pk-user', errorCode: 0, errorMessage: null }]);
    const described = await describeUserScramCredentialsV0.api.async(conn, [{ name: 'pk-user' }]);
    expect(described.results).toEqual([{ user: 'pk-user', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] }]);
    const refused = await alterUserScramCredentialsV0.api.async(conn, [], [{ name: 'pk-few', mechanism: 1, iterations: 100, salt, saltedPassword: Buffer.alloc(32) }]).then(
      (r) => r,
      (e: Error & { errors?: unknown[]; response?: unknown }) => e.response ?? e,
    );
    expect(JSON.stringify(refused)).toContain('Too few iterations');
  });
});
