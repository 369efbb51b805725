/**
 * ACLs in a cluster (real broker processes, real etcd): an ACL created through one broker is
 * enforced and described by another, and its deletion reaches the other too. Broker 1 treats the
 * anonymous client as a super user; broker 2 does not, so what it allows comes from the ACLs in
 * etcd alone (DescribeAcls needs DESCRIBE on the cluster, CreateAcls ALTER).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { KafkaWire } from '../helpers/kafka-wire.js';
import { until } from '../helpers/until.js';

const DESCRIBE = 29;
const CREATE = 30;
const DELETE = 31;
const CLUSTER_AUTHORIZATION_FAILED = 31;
const anyFilter = { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };
const describeCluster = { resourceType: 4, resourceName: 'kafka-cluster', resourcePatternType: 3, principal: 'User:ANONYMOUS', host: '*', operation: 8, permissionType: 3 };

let cluster: TestCluster;

async function call(id: number, apiKey: number, body: Record<string, unknown>): Promise<any> {
  const w = await KafkaWire.connect(cluster.broker(id).port, '127.0.0.1');
  try {
    return await w.request(apiKey, 3, body, 30_000);
  } finally {
    await w.close();
  }
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 2,
    config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' },
    brokerConfig: (id): Record<string, string> => (id === 1 ? { 'super.users': 'User:ANONYMOUS' } : {}),
  });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('ACLs in a cluster', () => {
  it('an ACL created through one broker is enforced and described by another', async () => {
    expect((await call(2, DESCRIBE, anyFilter)).errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);
    const created = await call(1, CREATE, { creations: [describeCluster, { ...describeCluster, resourceType: 2, resourceName: 'orders', resourcePatternType: 4, operation: 3 }] });
    expect(created.results).toEqual([
      { errorCode: 0, errorMessage: null },
      { errorCode: 0, errorMessage: null },
    ]);
    const seen = await until('broker 2 allows DescribeAcls', async () => {
      const d = await call(2, DESCRIBE, anyFilter);
      return d.errorCode === 0 ? d : undefined;
    }, 20_000);
    expect(seen.resources.map((r: any) => [r.resourceType, r.resourceName, r.patternType, r.acls.length]).sort()).toEqual([
      [2, 'orders', 4, 1],
      [4, 'kafka-cluster', 3, 1],
    ]);
    // DESCRIBE on the cluster does not give ALTER: broker 2 still refuses CreateAcls.
    expect((await call(2, CREATE, { creations: [describeCluster] })).results[0].errorCode).toBe(CLUSTER_AUTHORIZATION_FAILED);

    const deleted = await call(1, DELETE, { filters: [{ ...anyFilter, resourceTypeFilter: 4 }] });
    expect(deleted.filterResults[0].matchingAcls).toHaveLength(1);
    await until('broker 2 refuses DescribeAcls again', async () => ((await call(2, DESCRIBE, anyFilter)).errorCode === CLUSTER_AUTHORIZATION_FAILED ? true : undefined), 20_000);
    expect((await call(1, DESCRIBE, anyFilter)).resources).toHaveLength(1);
  }, 120_000);
});
