/**
 * How a broker connects to the other brokers (replica fetchers, transaction markers): over the
 * inter-broker listener (inter.broker.listener.name, or the one security.inter.broker.protocol
 * names) with that listener's security protocol, as Kafka's brokers do.
 *
 * - TLS: the broker's own ssl.* keys, listener.name.<listener>.ssl.* first (the truststore to
 *   trust the other brokers, the keystore as client certificate when they ask for one,
 *   ssl.endpoint.identification.algorithm).
 * - SASL: sasl.mechanism.inter.broker.protocol (Kafka's default GSSAPI is not supported, so SASL
 *   inter-broker traffic needs it set), which must be enabled on that listener (Kafka's check);
 *   the credentials are the username/password options of the listener's JAAS entry for that
 *   mechanism, listener.name.<listener>.<mechanism>.sasl.jaas.config (the same entry that lists
 *   the user_<name> passwords for PLAIN), as Kafka's brokers read them.
 */
import type { ConnectionOptions as TlsConnectOptions } from 'node:tls';
import { ConfigError, type BrokerConfig } from '../../config/config.js';
import { ClientError } from '../errors.js';
import { saslSettings, type ClientSecurity, type SecurityProtocol } from './client-security.js';
import { tlsConnectOptions } from './tls-options.js';

/** The ssl.* keys the client side of a broker's inter-broker connections reads. */
const SSL_KEYS = [
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.enabled.protocols',
  'ssl.endpoint.identification.algorithm',
];

export interface InterBrokerListener {
  name: string;
  securityProtocol: SecurityProtocol;
}

export class InterBrokerConfigError extends ClientError {
  override name = 'InterBrokerConfigError';
}

/**
 * The client security of inter-broker connections; `get` reads a broker config key (listener-
 * prefixed keys included). Throws InterBrokerConfigError when the settings cannot work.
 */
export function interBrokerSecurity(listener: InterBrokerListener, get: (key: string) => string | undefined): ClientSecurity {
  const protocol = listener.securityProtocol;
  const prefix = `listener.name.${listener.name.toLowerCase()}.`;
  const out: ClientSecurity = { protocol };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const props = new Map<string, string>();
    for (const k of SSL_KEYS) {
      const v = get(prefix + k) ?? get(k);
      if (v !== undefined) props.set(k, v);
    }
    out.tls = wrap(() => tlsConnectOptions(props), `inter-broker listener ${listener.name}`) as TlsConnectOptions;
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = (get('sasl.mechanism.inter.broker.protocol') ?? 'GSSAPI').trim().toUpperCase();
    if (mechanism === 'GSSAPI') {
      throw new InterBrokerConfigError(
        `sasl.mechanism.inter.broker.protocol is GSSAPI (Kafka's default), which Runnel does not support: set it to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER for the SASL inter-broker listener ${listener.name}`,
      );
    }
    const enabled = (get(`${prefix}sasl.enabled.mechanisms`) ?? get('sasl.enabled.mechanisms') ?? 'GSSAPI').split(',').map((s) => s.trim().toUpperCase());
    if (!enabled.includes(mechanism)) {
      throw new InterBrokerConfigError(`sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication (${mechanism} is not enabled on listener ${listener.name})`);
    }
    const jaasKey = `${prefix}${mechanism.toLowerCase()}.sasl.jaas.config`;
    const props = new Map<string, string>();
    for (const k of ['sasl.oauthbearer.token.endpoint.url', 'sasl.login.callback.handler.class']) {
      const v = get(`${prefix}${mechanism.toLowerCase()}.${k}`) ?? get(k);
      if (v !== undefined) props.set(k, v);
    }
    out.sasl = wrap(() => saslSettings(props, mechanism, get(jaasKey), jaasKey), `inter-broker listener ${listener.name}`);
  }
  return out;
}

function wrap<T>(fn: () => T, where: string): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InterBrokerConfigError) throw err;
    throw new InterBrokerConfigError(`${where}: ${(err as Error).message}`);
  }
}

/** The broker's inter-broker client security from its configuration; a ConfigError stops start-up. */
export function brokerInterBrokerSecurity(config: BrokerConfig): ClientSecurity {
  try {
    return interBrokerSecurity(config.interBrokerListener(), (k) => config.get(k));
  } catch (err) {
    if (err instanceof InterBrokerConfigError) throw new ConfigError(err.message);
    throw err;
  }
}
