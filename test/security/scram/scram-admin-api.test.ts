/**
 * DescribeUserScramCredentials (50) and AlterUserScramCredentials (51) on a broker, over the wire:
 * Kafka's errors and messages (ScramControlManager, ScramImage.describe), credentials kept in the
 * data directory across a restart as salted keys only, and a credential created over the wire
 * authenticating through the SCRAM mechanism with the password the client salted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { startBroker, type Broker } from '../../../src/broker.js';
import { LocalScramStore, lookupCredential, SCRAM_FILE } from '../../../src/security/scram/credential-store.js';
import { mechanismByName } from '../../../src/security/scram/scram-formatter.js';
import { scramMechanismFactory } from '../../../src/security/scram/scram-mechanism.js';
import { KafkaWire } from '../../helpers/kafka-wire.js';
import { TestScramClient } from './scram-client.js';

const SHA256 = 1;
const SHA512 = 2;
let broker: Broker | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await broker?.close();
  broker = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function upsert(name: string, mechanism: number, password: string, iterations: number) {
  const salt = randomBytes(24);
  const hash = mechanism === SHA256 ? 'sha256' : 'sha512';
  const saltedPassword = mechanism === SHA256 || mechanism === SHA512 ? pbkdf2Sync(password, salt, Math.min(iterations, 20000), hash === 'sha256' ? 32 : 64, hash) : Buffer.alloc(32);
  return { name, mechanism, iterations, salt, saltedPassword };
}

async function call(apiKey: number, body: Record<string, unknown>): Promise<any> {
  const w = await KafkaWire.connect(broker!.port);
  try {
    return await w.request(apiKey, 0, body, 30_000);
  } finally {
    await w.close();
  }
}

const alter = (deletions: unknown[], upsertions: unknown[]) => call(51, { deletions, upsertions });
const describeUsers = (users: string[] | null) => call(50, { users: users === null ? null : users.map((name) => ({ name })) });

describe('SCRAM credential admin APIs', () => {
  it('creates, describes, replaces and deletes credentials, kept in the data directory as salted keys only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-scram-'));
    dirs.push(dataDir);
    broker = await startBroker({ dataDir });
    const res = await alter([], [upsert('alice', SHA512, 'alice-secret', 8192), upsert('bob', SHA256, 'bob-secret', 4096)]);
    expect(res.results).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null },
      { user: 'bob', errorCode: 0, errorMessage: null },
    ]);
    expect((await alter([], [upsert('alice', SHA256, 'alice-256', 4096)])).results[0].errorCode).toBe(0);
    const all = await describeUsers(null);
    expect(all.errorCode).toBe(0);
    expect(all.results).toEqual([
      { user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }, { mechanism: SHA512, iterations: 8192 }] },
      { user: 'bob', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }] },
    ]);
    expect((await describeUsers([])).results.map((r: { user: string }) => r.user)).toEqual(['alice', 'bob']);
    expect((await alter([{ name: 'bob', mechanism: SHA256 }], [])).results).toEqual([{ user: 'bob', errorCode: 0, errorMessage: null }]);
    expect((await describeUsers(['bob'])).results).toEqual([{ user: 'bob', errorCode: 91, errorMessage: 'Attempt to describe a user credential that does not exist: bob', credentialInfos: [] }]);

    await broker.close();
    broker = undefined;
    const file = await readFile(join(dataDir, SCRAM_FILE), 'utf8');
    expect(file).not.toContain('secret');
    expect((await stat(join(dataDir, SCRAM_FILE))).mode & 0o077).toBe(0);
    // After a restart the broker has the same credentials.
    broker = await startBroker({ dataDir });
    expect((await describeUsers(['alice'])).results[0].credentialInfos).toHaveLength(2);
    // The stored keys authenticate the password the admin client salted, and no other.
    const store = await LocalScramStore.open(dataDir);
    const factory = scramMechanismFactory(mechanismByName('SCRAM-SHA-512')!, { lookup: (u) => lookupCredential(store, u, 'SCRAM-SHA-512') });
    for (const [password, ok] of [
      ['alice-secret', true],
      ['alice-256', false],
    ] as const) {
      const client = new TestScramClient('sha512', 'alice', password);
      const mech = factory.create({ listenerName: 'SASL_PLAINTEXT', remoteAddress: '127.0.0.1' });
      const sf = await mech.evaluate(client.first());
      const outcome = await mech.evaluate(client.final(sf.response)).then(
        (s) => s.principal,
        () => 'refused',
      );
      expect(outcome).toBe(ok ? 'alice' : 'refused');
    }
  });

  it("refuses what Kafka's controller refuses, with its codes and messages, and applies the rest", async () => {
    broker = await startBroker({ storage: 'memory' });
    await alter([], [upsert('carol', SHA512, 'pw', 4096), upsert('twice', SHA512, 'pw', 4096)]);
    const res = await alter(
      [
        { name: 'nobody', mechanism: SHA512 },
        { name: 'carol', mechanism: SHA256 },
        { name: '', mechanism: SHA512 },
        { name: 'twice', mechanism: SHA512 },
        { name: 'twice', mechanism: SHA512 },
      ],
      [
        upsert('few', SHA512, 'pw', 4095),
        upsert('many', SHA256, 'pw', 16385),
        upsert('max', SHA256, 'pw', 16384),
        upsert('weird', 3, 'pw', 4096),
        upsert('zero', 0, 'pw', 4096),
        upsert('dup', SHA512, 'pw', 4096),
        upsert('dup', SHA256, 'pw', 4096),
        upsert('carol', SHA512, 'pw2', 4096),
      ],
    );
    const byUser = new Map(res.results.map((r: { user: string; errorCode: number; errorMessage: string | null }) => [r.user, [r.errorCode, r.errorMessage]]));
    expect(Object.fromEntries(byUser)).toEqual({
      nobody: [91, 'Attempt to delete a user credential that does not exist'],
      carol: [91, 'Attempt to delete a user credential that does not exist'],
      '': [93, 'Username must not be empty'],
      twice: [92, 'A user credential cannot be altered twice in the same request'],
      few: [93, 'Too few iterations'],
      many: [93, 'Too many iterations'],
      max: [0, null],
      weird: [33, 'Unknown SCRAM mechanism'],
      zero: [33, 'Unknown SCRAM mechanism'],
      dup: [92, 'A user credential cannot be altered twice in the same request'],
    });
    expect(res.results).toHaveLength(10);
    // A user's first refused alteration is its result: carol's upsertion after her refused deletion is not applied (nor reported twice).
    const described = await describeUsers(null);
    expect(described.results.map((r: { user: string; credentialInfos: unknown[] }) => [r.user, r.credentialInfos])).toEqual([
      ['carol', [{ mechanism: SHA512, iterations: 4096 }]],
      ['max', [{ mechanism: SHA256, iterations: 16384 }]],
      ['twice', [{ mechanism: SHA512, iterations: 4096 }]],
    ]);
    const twice = await describeUsers(['max', 'max', 'ghost']);
    expect(twice.results).toEqual([
      { user: 'max', errorCode: 92, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request: max', credentialInfos: [] },
      { user: 'ghost', errorCode: 91, errorMessage: 'Attempt to describe a user credential that does not exist: ghost', credentialInfos: [] },
    ]);
  });
});
