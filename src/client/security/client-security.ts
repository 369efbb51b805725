/**
 * A Kafka client's security settings (security.protocol, ssl.*, sasl.mechanism, sasl.jaas.config,
 * sasl.oauthbearer.token.endpoint.url) read from a properties map as Kafka's clients read them,
 * checked once up front so that a tool fails with one line before it connects anywhere.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectOptions } from 'node:tls';
import { parseProperties } from '../../config/properties.js';
import { ClientError } from '../errors.js';
import { clientJaasEntry, type JaasEntry } from './jaas.js';
import { oauthBearerMechanism, plainMechanism, scramHashOf, scramMechanism, unsecuredExtensions, unsecuredJwt, type SaslClientMechanism } from './sasl-mechanisms.js';
import { tlsConnectOptions, type Props } from './tls-options.js';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;

export interface SaslSettings {
  mechanism: string;
  /** A fresh mechanism for each (re-)authentication. */
  create(): SaslClientMechanism;
}

export interface ClientSecurity {
  protocol: SecurityProtocol;
  /** node:tls options without the host (SSL and SASL_SSL). */
  tls?: TlsConnectOptions;
  sasl?: SaslSettings;
}

export const PLAINTEXT: ClientSecurity = { protocol: 'PLAINTEXT' };

/** A client properties file (--command-config, --producer.config, --consumer.config). */
export function loadClientProperties(path: string, flag = 'config file'): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ClientError(`cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseProperties(text);
}

export function securityProtocolOf(value: string | undefined, key = 'security.protocol'): SecurityProtocol {
  const p = (value ?? 'PLAINTEXT').trim().toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(p)) throw new ClientError(`${key} ${value} is not one of ${PROTOCOLS.join(', ')}`);
  return p as SecurityProtocol;
}

function credentials(entry: JaasEntry, mechanism: string, key: string): { username: string; password: string } {
  const username = entry.options.get('username');
  const password = entry.options.get('password');
  if (username === undefined || password === undefined) throw new ClientError(`${key}: ${mechanism} needs the username and password options of the login module`);
  return { username, password };
}

/**
 * The OAUTHBEARER token: from a file when sasl.oauthbearer.token.endpoint.url is a file: URL (as
 * Kafka's OAuthBearerLoginCallbackHandler reads one; read again at each re-authentication, so a
 * renewed token is picked up), else Kafka's unsecured token from the unsecuredLogin* JAAS options.
 */
function oauthFactory(props: Props, entry: JaasEntry, key: string): () => SaslClientMechanism {
  const url = props.get('sasl.oauthbearer.token.endpoint.url')?.trim();
  const extensions: Record<string, string> = {};
  for (const [k, v] of entry.options) {
    const m = /^extension_(.+)$/.exec(k);
    if (m) extensions[m[1]] = v;
  }
  if (url) {
    if (!url.startsWith('file:')) throw new ClientError(`sasl.oauthbearer.token.endpoint.url ${url}: Runnel's client reads a token from a file: URL only (no HTTP token endpoint)`);
    const path = new URL(url).pathname;
    return () => {
      let token: string;
      try {
        token = readFileSync(path, 'utf8').trim();
      } catch (err) {
        throw new ClientError(`cannot read the OAUTHBEARER token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) throw new ClientError(`the OAUTHBEARER token file ${path} does not hold a JWT`);
      return oauthBearerMechanism(token, extensions);
    };
  }
  const handler = props.get('sasl.login.callback.handler.class')?.trim();
  if (handler && !handler.endsWith('OAuthBearerUnsecuredLoginCallbackHandler')) {
    throw new ClientError(`sasl.login.callback.handler.class ${handler} is not supported; give the token as sasl.oauthbearer.token.endpoint.url=file:/path, or use the unsecured options`);
  }
  unsecuredJwt(entry.options); // fail now on bad options, not at the first connection
  return () => oauthBearerMechanism(unsecuredJwt(entry.options), { ...unsecuredExtensions(entry.options), ...extensions });
}

/** The SASL settings of a client from sasl.mechanism and the JAAS text (`jaasKey` names it in messages). */
export function saslSettings(props: Props, mechanismValue: string | undefined, jaas: string | undefined, jaasKey: string): SaslSettings {
  const mechanism = (mechanismValue ?? 'GSSAPI').trim().toUpperCase();
  if (mechanism === 'GSSAPI') throw new ClientError(`SASL mechanism GSSAPI (Kerberos) is not supported; set sasl.mechanism to ${SASL_MECHANISMS.join(', ')}`);
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) throw new ClientError(`SASL mechanism ${mechanismValue} is not supported (${SASL_MECHANISMS.join(', ')})`);
  if (jaas === undefined || jaas.trim() === '') throw new ClientError(`${jaasKey} is required for SASL mechanism ${mechanism}`);
  const entry = clientJaasEntry(jaas, jaasKey);
  if (mechanism === 'PLAIN') {
    const { username, password } = credentials(entry, mechanism, jaasKey);
    return { mechanism, create: () => plainMechanism(username, password) };
  }
  if (scramHashOf(mechanism)) {
    const { username, password } = credentials(entry, mechanism, jaasKey);
    const tokenauth = entry.options.get('tokenauth')?.toLowerCase() === 'true';
    return { mechanism, create: () => scramMechanism(mechanism, username, password, tokenauth ? { extensions: { tokenauth: 'true' } } : {}) };
  }
  return { mechanism, create: oauthFactory(props, entry, jaasKey) };
}

/** A client's security from its properties (a --command-config file, say). */
export function clientSecurity(props: Props): ClientSecurity {
  const protocol = securityProtocolOf(props.get('security.protocol'));
  const out: ClientSecurity = { protocol };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') out.tls = tlsConnectOptions(props);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') out.sasl = saslSettings(props, props.get('sasl.mechanism'), props.get('sasl.jaas.config'), 'sasl.jaas.config');
  return out;
}
