/**
 * A real client's ACL administration (kafkajs admin: CreateAcls, DescribeAcls, DeleteAcls in the
 * versions it negotiates) against Runnel's authorizer: what it creates it describes with a MATCH
 * filter, deletes by filter with the deleted ACLs listed, and a broker without an authorizer
 * refuses it with SECURITY_DISABLED.
 */
import { describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { startBroker } from '../../src/broker.js';

const admin = (port: number) => new Kafka({ clientId: 'acls', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();

describe('kafkajs admin and ACLs', () => {
  it('creates, describes and deletes ACLs', async () => {
    const broker = await startBroker({ port: 0, storage: 'memory', config: { 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users': 'User:ANONYMOUS' } });
    const a = admin(broker.port);
    try {
      await a.connect();
      await a.createAcls({
        acl: [
          { resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
          { resourceType: AclResourceTypes.TOPIC, resourceName: 'ord', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY },
          { resourceType: AclResourceTypes.GROUP, resourceName: 'g', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
        ],
      });
      const d = await a.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: 'orders', resourcePatternType: ResourcePatternTypes.MATCH, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(d.resources.map((r) => [r.resourceName, r.resourcePatternType, r.acls.map((x) => x.principal)]).sort()).toEqual([
        ['ord', ResourcePatternTypes.PREFIXED, ['User:bob']],
        ['orders', ResourcePatternTypes.LITERAL, ['User:alice']],
      ]);
      const del = await a.deleteAcls({ filters: [{ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:alice', operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] });
      expect(del.filterResponses[0].matchingAcls.map((m) => m.resourceName).sort()).toEqual(['g', 'orders']);
      const left = await a.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
      expect(left.resources.map((r) => r.resourceName)).toEqual(['ord']);
    } finally {
      await a.disconnect();
      await broker.close();
    }
  }, 60_000);

  it('is refused with SECURITY_DISABLED without an authorizer', async () => {
    const broker = await startBroker({ port: 0, storage: 'memory' });
    const a = admin(broker.port);
    try {
      await a.connect();
      const err = await a.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }).then(
        () => undefined,
        (e: any) => e,
      );
      expect(err?.type).toBe('SECURITY_DISABLED');
    } finally {
      await a.disconnect();
      await broker.close();
    }
  }, 60_000);
});
