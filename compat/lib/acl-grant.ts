/**
 * The grants of the `acl-enforced` scenario for the clients without an ACL admin API (kcat has no
 * admin API at all; confluent-kafka 1.7 predates AdminClient.create_acls):
 *
 *   node --import tsx compat/lib/acl-grant.ts <host:port> <topic> <group>
 *
 * logs in as admin (PLAIN, admin/admin-secret, the scenario's super user) and, with kafkajs'
 * admin.createAcls(), allows User:alice WRITE, READ and DESCRIBE on the topic and READ on the group
 * (literal names, any host). Exits 0, or prints the problem and exits 1.
 */
import kafkajs from 'kafkajs';

// kafkajs is CommonJS: its ACL enums are only reachable through the default export under ESM.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

const [bootstrap, topic, group] = process.argv.slice(2);
if (!bootstrap || !topic || !group) {
  console.error('usage: acl-grant.ts <host:port> <topic> <group>');
  process.exit(2);
}
const admin = new Kafka({ clientId: 'runnel-compat-acl-grant', brokers: [bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' } }).admin();
try {
  await admin.connect();
  const acl = { principal: 'User:alice', host: '*', permissionType: AclPermissionTypes.ALLOW, resourcePatternType: ResourcePatternTypes.LITERAL };
  await admin.createAcls({
    acl: [
      ...[AclOperationTypes.WRITE, AclOperationTypes.READ, AclOperationTypes.DESCRIBE].map((operation) => ({ ...acl, resourceType: AclResourceTypes.TOPIC, resourceName: topic, operation })),
      { ...acl, resourceType: AclResourceTypes.GROUP, resourceName: group, operation: AclOperationTypes.READ },
    ],
  });
  console.log(`alice may write, read and describe ${topic} and read group ${group}`);
} catch (err) {
  console.error(`creating the ACLs failed: ${(err as Error).name}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect();
}
