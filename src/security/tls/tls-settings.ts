/**
 * A TLS listener's settings from Kafka's ssl.* keys: the keystore and truststore (stores.ts),
 * ssl.client.auth, ssl.enabled.protocols, ssl.cipher.suites (cipher-suites.ts) and
 * ssl.principal.mapping.rules (principal-mapper.ts). Every key can be given for one listener as
 * listener.name.<listener, lower case>.ssl.*, which overrides the unprefixed key for that listener
 * (Kafka's ChannelBuilders read the listener's keys with valuesWithPrefixOverride).
 */
import type { X509Certificate } from 'node:crypto';
import type { SecureContextOptions, SecureVersion } from 'node:tls';
import { ConfigError } from '../../config/config.js';
import { opensslCiphers } from './cipher-suites.js';
import { SslPrincipalMapper } from './principal-mapper.js';
import { loadKeystore, loadTruststore, type Setting } from './stores.js';

export type ClientAuth = 'none' | 'requested' | 'required';

export interface ListenerTls {
  /** What tls.createServer / Server#setSecureContext take. */
  secureContext: SecureContextOptions;
  clientAuth: ClientAuth;
  mapper: SslPrincipalMapper;
  /** Keystore and truststore files, watched for a renewed certificate. */
  files: string[];
  /** The keystore's certificate, when readable: a renewed one must name the same subject and SANs. */
  leaf?: X509Certificate;
  /** The ssl.* values this was built from: a different fingerprint means the configuration changed. */
  fingerprint: string;
}

/** The prefix of a listener's own keys: listener.name.<name in lower case>. */
export function listenerPrefix(listenerName: string): string {
  return `listener.name.${listenerName.toLowerCase()}.`;
}

/** One key for a listener: its listener-prefixed value, else the broker-wide one. */
export function listenerSetting(get: (key: string) => string | undefined, listenerName: string): Setting {
  const prefix = listenerPrefix(listenerName);
  return (key) => get(prefix + key) ?? get(key);
}

const PROTOCOLS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function protocolRange(list: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new ConfigError('ssl.enabled.protocols: no protocol given');
  const idx = names.map((n) => {
    const i = PROTOCOLS.indexOf(n as SecureVersion);
    if (i < 0) throw new ConfigError(`ssl.enabled.protocols: unknown protocol ${n} (TLSv1.2, TLSv1.3)`);
    return i;
  });
  // Node takes a range: a gap (TLSv1.1,TLSv1.3) enables what lies between too.
  return { minVersion: PROTOCOLS[Math.min(...idx)], maxVersion: PROTOCOLS[Math.max(...idx)] };
}

function clientAuthOf(value: string | undefined): ClientAuth {
  const v = (value ?? 'none').toLowerCase();
  if (v !== 'none' && v !== 'requested' && v !== 'required') throw new ConfigError(`ssl.client.auth: '${value}' is not one of none, requested, required`);
  return v;
}

/**
 * Builds a listener's TLS from its settings; a ConfigError says what is wrong. On SASL_SSL only a
 * listener-prefixed ssl.client.auth asks for client certificates (KIP-684: the broker-wide key is
 * for SSL listeners).
 */
export function buildListenerTls(get: (key: string) => string | undefined, listenerName: string, securityProtocol: 'SSL' | 'SASL_SSL'): ListenerTls {
  const read = new Map<string, string | undefined>();
  const base = listenerSetting(get, listenerName);
  const setting: Setting = (key) => {
    const v = base(key);
    read.set(key, v);
    return v;
  };
  const keystore = loadKeystore(setting);
  const truststore = loadTruststore(setting);
  const clientAuth = securityProtocol === 'SSL' ? clientAuthOf(setting('ssl.client.auth')) : clientAuthOf(get(listenerPrefix(listenerName) + 'ssl.client.auth'));
  if (clientAuth !== 'none' && truststore === undefined)
    throw new ConfigError(`ssl.client.auth=${clientAuth} on listener ${listenerName} needs a truststore (ssl.truststore.location or ssl.truststore.certificates) to verify client certificates`);
  const protocols = protocolRange(setting('ssl.enabled.protocols') ?? 'TLSv1.2,TLSv1.3');
  const suites = setting('ssl.cipher.suites');
  const secureContext: SecureContextOptions = {
    ...keystore.options,
    ...(truststore ? { ca: truststore.ca } : {}),
    ...protocols,
    ...(suites !== undefined && suites.trim() !== '' ? { ciphers: opensslCiphers(suites.split(',')) } : {}),
  };
  const mapper = SslPrincipalMapper.fromRules(setting('ssl.principal.mapping.rules'));
  return {
    secureContext,
    clientAuth,
    mapper,
    files: [...keystore.files, ...(truststore?.files ?? [])],
    leaf: keystore.leaf,
    fingerprint: JSON.stringify([...read].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
