/** The ACL scenario of the compatibility suite (spread into scenarios.ts). */
import type { Scenario } from './scenarios.js';

/** PLAIN users admin (the super user), alice (granted) and bob (granted nothing). */
export const ACL_PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  'user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';

export const aclScenarios: Scenario[] = [
  {
    name: 'acl-enforced',
    description:
      'StandardAuthorizer with super.users=User:admin and allow.everyone.if.no.acl.found=false on a SASL_PLAINTEXT ' +
      'listener (PLAIN users admin, alice, bob): as admin, create the topic and ACLs allowing alice WRITE, READ and ' +
      'DESCRIBE on it and READ on her group (with the client\'s admin API; kcat has none, so its script creates them ' +
      'through kafkajs, compat/lib/acl-grant.ts); as alice, produce 10 messages and consume them back; as bob, ' +
      'producing is refused with TOPIC_AUTHORIZATION_FAILED, consuming or describing the topic is refused ' +
      '(TOPIC_/GROUP_AUTHORIZATION_FAILED), and his Metadata for all topics does not list the topic',
    broker: {
      listeners: 'SASL_PLAINTEXT://:9092',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': ACL_PLAIN_JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
      'allow.everyone.if.no.acl.found': false,
    },
  },
];
