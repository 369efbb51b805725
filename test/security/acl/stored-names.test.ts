/**
 * The ACL stores (etcd in a cluster, a file on one node) keep each ACL with Kafka's enum names
 * (storedAcl: DESCRIBE_CONFIGS, IDEMPOTENT_WRITE, TRANSACTIONAL_ID) and read them back with
 * parseAcl: every operation, resource type and permission must survive that round trip, or the
 * etcd store drops the whole key holding it (and its other ACLs) as one it does not understand.
 */
import { describe, expect, it } from 'vitest';
import { parseAcl, storedAcl } from '../../../src/security/acl/acl-store.js';
import { AclOp, ResourceType } from '../../../src/ports/authorizer.js';
import { PatternType, Permission, type AclBinding } from '../../../src/ports/acls.js';

describe('stored ACL names', () => {
  it('every concrete operation and resource type reads back as stored', () => {
    for (const operation of Object.values(AclOp).filter((op) => op >= 2))
      for (const resourceType of Object.values(ResourceType).filter((t) => t >= 2)) {
        const b: AclBinding = { resourceType, name: 'x', patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permission: Permission.ALLOW };
        expect(parseAcl(storedAcl(b)), `${operation} on ${resourceType}`).toEqual(b);
      }
  });
});
