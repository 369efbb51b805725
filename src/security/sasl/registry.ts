/**
 * The SASL mechanisms Runnel can serve, by the name clients ask for in SaslHandshake. A mechanism
 * module plugs in with one line here: a builder that makes its SaslMechanismFactory for a listener
 * from that listener's JAAS entry, the configuration and the broker's services. A mechanism listed
 * in sasl.enabled.mechanisms but not here stops the broker at start-up.
 */
import type { BrokerConfig } from '../../config/config.js';
import type { BrokerServices } from '../../handlers/types.js';
import type { JaasEntry } from './jaas.js';
import type { SaslMechanismFactory } from './mechanism.js';
import { ConfigError } from '../../config/config.js';
import { PLAIN_LOGIN_MODULE, plainMechanism, plainUsers } from './plain.js';
import { oauthBearerMechanism } from '../oauthbearer/mechanism.js';
import { scramFactory } from '../scram/index.js';

export interface SaslMechanismEnv {
  /** The listener's name as configured (e.g. SASL_PLAINTEXT). */
  listenerName: string;
  /**
   * listener.name.<listener>.<mechanism>.sasl.jaas.config, parsed (undefined when unset). Read it
   * on each authentication, not once: a dynamic change applies to the next login.
   */
  jaas(): JaasEntry | undefined;
  config: BrokerConfig;
  broker: BrokerServices;
}

/**
 * Makes a mechanism for one listener; throws ConfigError when its configuration is unusable. A
 * factory with a close() method has it called when the listener closes.
 */
export type SaslMechanismBuilder = (env: SaslMechanismEnv) => SaslMechanismFactory;

/** PLAIN's users are the user_<name> options of its JAAS entry, which Kafka requires. */
function plainFromJaas(env: SaslMechanismEnv): SaslMechanismFactory {
  const entry = env.jaas();
  const key = `listener.name.${env.listenerName.toLowerCase()}.plain.sasl.jaas.config`;
  if (!entry) throw new ConfigError(`SASL mechanism PLAIN is enabled on listener ${env.listenerName} but ${key} is not set (e.g. ${key}=${PLAIN_LOGIN_MODULE} required user_alice="alice-secret";)`);
  if (entry.loginModule !== PLAIN_LOGIN_MODULE) throw new ConfigError(`${key} names login module ${entry.loginModule}; PLAIN users come from ${PLAIN_LOGIN_MODULE}`);
  return plainMechanism(() => plainUsers(env.jaas()));
}

export const SASL_MECHANISMS: ReadonlyMap<string, SaslMechanismBuilder> = new Map<string, SaslMechanismBuilder>([
  ['PLAIN', plainFromJaas],
  ['OAUTHBEARER', oauthBearerMechanism],
  ['SCRAM-SHA-256', (env) => scramFactory('SCRAM-SHA-256', env.broker.scram)],
  ['SCRAM-SHA-512', (env) => scramFactory('SCRAM-SHA-512', env.broker.scram)],
]);
