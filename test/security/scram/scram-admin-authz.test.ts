/**
 * Authorization of DescribeUserScramCredentials (DESCRIBE on the cluster) and
 * AlterUserScramCredentials (ALTER on the cluster) as KafkaApis checks them, with a fake authorizer:
 * a denied describe fails at the top level with CLUSTER_AUTHORIZATION_FAILED, a denied alter fails
 * every user named and changes nothing; an allowed principal is served.
 */
import { describe, expect, it } from 'vitest';
import describeHandler from '../../../src/handlers/50-describe-user-scram-credentials.js';
import alterHandler from '../../../src/handlers/51-alter-user-scram-credentials.js';
import { AclOp, CLUSTER_NAME, ResourceType, type Authorizer } from '../../../src/ports/authorizer.js';
import { LocalScramStore } from '../../../src/security/scram/credential-store.js';
import type { HandlerContext } from '../../../src/handlers/types.js';
import { silentLogger } from '../../../src/util/logger.js';

const checks: unknown[][] = [];
const authorizer: Authorizer = {
  enabled: true,
  authorize: (who, op, type, name) => {
    checks.push([who.principal, who.host, op, type, name]);
    return who.principal === 'User:admin';
  },
  authorizeByResourceType: () => false,
};

async function ctx(principal: string | undefined): Promise<HandlerContext> {
  const scram = await LocalScramStore.open(undefined);
  return { apiVersion: 0, header: {} as never, client: { connectionId: 1, remoteAddress: '10.0.0.7', host: '10.0.0.7', principal } as never, broker: { authorizer, scram } as never, log: silentLogger };
}

const upsertion = { name: 'alice', mechanism: 2, iterations: 4096, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(64, 1) };

describe('SCRAM admin API authorization', () => {
  it('denies without DESCRIBE / ALTER on the cluster, allows with it', async () => {
    const denied = await ctx('mallory');
    const alter = await alterHandler.handle({ deletions: [{ name: 'bob', mechanism: 1 }], upsertions: [upsertion] }, denied);
    expect(alter).toEqual({
      throttleTimeMs: 0,
      results: [
        { user: 'alice', errorCode: 31, errorMessage: 'Cluster authorization failed.' },
        { user: 'bob', errorCode: 31, errorMessage: 'Cluster authorization failed.' },
      ],
    });
    expect(denied.broker.scram.snapshot().size).toBe(0);
    const described = await describeHandler.handle({ users: [{ name: 'alice' }] }, denied);
    expect(described).toMatchObject({ errorCode: 31, errorMessage: 'Cluster authorization failed.', results: [{ user: 'alice', errorCode: 31 }] });
    expect(checks).toEqual([
      ['User:mallory', '10.0.0.7', AclOp.ALTER, ResourceType.CLUSTER, CLUSTER_NAME],
      ['User:mallory', '10.0.0.7', AclOp.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME],
    ]);

    const admin = await ctx('admin');
    expect(await alterHandler.handle({ deletions: [], upsertions: [upsertion] }, admin)).toEqual({ throttleTimeMs: 0, results: [{ user: 'alice', errorCode: 0, errorMessage: null }] });
    expect(await describeHandler.handle({ users: null }, admin)).toMatchObject({ errorCode: 0, results: [{ user: 'alice', errorCode: 0, credentialInfos: [{ mechanism: 2, iterations: 4096 }] }] });
  });
});
