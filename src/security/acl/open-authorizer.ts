/**
 * The broker's authorizer from its configuration: none (ALLOW_ALL) unless authorizer.class.name
 * names Kafka's StandardAuthorizer, its older AclAuthorizer (the same semantics here) or Runnel's
 * alias; ACLs come from the cluster's store in etcd, or one node's data directory.
 */
import { ConfigError, type BrokerConfig } from '../../config/config.js';
import { ALLOW_ALL, type Authorizer } from '../../ports/authorizer.js';
import type { Logger } from '../../util/logger.js';
import { LocalAclStore, type AclStore } from './acl-store.js';
import { StandardAuthorizer, type AuthorizerSettings } from './standard-authorizer.js';

export const AUTHORIZER_CLASSES = ['org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer', 'runnel.StandardAuthorizer'];

/** super.users and allow.everyone.if.no.acl.found as Kafka reads them (StandardAuthorizer.configure). */
export function authorizerSettings(config: BrokerConfig): AuthorizerSettings {
  const superUsers = new Set<string>();
  for (const v of (config.get('super.users') ?? '').split(';')) {
    const p = v.trim();
    if (!p) continue;
    if (p.indexOf(':') < 1) throw new ConfigError(`super.users: expected a string in format principalType:principalName but got ${p}`);
    superUsers.add(p);
  }
  return { superUsers, allowIfNoAcl: config.bool('allow.everyone.if.no.acl.found') };
}

/** Whether authorizer.class.name enables ACLs (a name other than Kafka's is refused when the config is read). */
export function authorizerEnabled(config: BrokerConfig): boolean {
  const name = (config.get('authorizer.class.name') ?? '').trim();
  if (name === '') return false;
  if (!AUTHORIZER_CLASSES.includes(name)) throw new ConfigError(`authorizer.class.name: ${name} is not an authorizer Runnel has (${AUTHORIZER_CLASSES.join(', ')})`);
  return true;
}

/** `clusterStore`: the topology's (etcd); otherwise acls.json in `dataDir`, or memory. `log`: kafka.authorizer.logger. */
export async function openAuthorizer(config: BrokerConfig, clusterStore: AclStore | undefined, dataDir: string | undefined, log: Logger): Promise<Authorizer & { close?(): Promise<void> }> {
  if (!authorizerEnabled(config)) return ALLOW_ALL;
  const settings = authorizerSettings(config);
  const store = clusterStore ?? (await LocalAclStore.open(dataDir, (msg) => log.warn(msg)));
  return new StandardAuthorizer(store, settings, log);
}
