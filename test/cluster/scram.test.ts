/**
 * SCRAM credentials in a three-broker cluster (real processes, real etcd): a credential created
 * through one broker with AlterUserScramCredentials is described by every broker (each reads
 * <prefix>/scram/ from its watch), and a deletion through another broker reaches all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';

let cluster: TestCluster;

async function call(id: number, apiKey: number, body: Record<string, unknown>): Promise<any> {
  const w = await KafkaWire.connect(cluster.broker(id).port, '127.0.0.1');
  try {
    return await w.request(apiKey, 0, body, 30_000);
  } finally {
    await w.close();
  }
}

const describeAlice = (id: number) => call(id, 50, { users: [{ name: 'alice' }] });

beforeAll(async () => {
  // A loaded machine (several engineers' tests at once) can take long to start three brokers.
  cluster = await startCluster({ startTimeoutMs: 90_000 });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('SCRAM credentials in a cluster', () => {
  it('a credential set through one broker is described by all; a deletion through another reaches all', async () => {
    const salt = randomBytes(24);
    const set = await call(1, 51, { deletions: [], upsertions: [{ name: 'alice', mechanism: 2, iterations: 8192, salt, saltedPassword: pbkdf2Sync('alice-secret', salt, 8192, 64, 'sha512') }] });
    expect(set.results).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    for (const id of [1, 2, 3])
      await until(`broker ${id} describes alice`, async () => ((await describeAlice(id)).results[0].errorCode === 0 ? true : undefined), 20_000);
    expect((await describeAlice(3)).results[0].credentialInfos).toEqual([{ mechanism: 2, iterations: 8192 }]);

    const del = await call(2, 51, { deletions: [{ name: 'alice', mechanism: 2 }], upsertions: [] });
    expect(del.results).toEqual([{ user: 'alice', errorCode: 0, errorMessage: null }]);
    for (const id of [1, 2, 3])
      await until(`broker ${id} no longer describes alice`, async () => ((await describeAlice(id)).results[0].errorCode === 91 ? true : undefined), 20_000);
  });
});
