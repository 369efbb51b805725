/**
 * Which token validator a listener's OAUTHBEARER uses, and its settings, read as Kafka reads them:
 * each key first with the listener and mechanism prefix
 * (`listener.name.<listener>.oauthbearer.<key>`), then with the listener prefix, then plain.
 *
 * The validator is the one listener.name.<l>.oauthbearer.sasl.server.callback.handler.class names
 * (Kafka's OAuthBearerValidatorCallbackHandler: JWKS; OAuthBearerUnsecuredValidatorCallbackHandler:
 * unsigned tokens). Unset, Kafka uses the unsecured validator; Runnel does the same unless
 * sasl.oauthbearer.jwks.endpoint.url is set, then it validates against that JWKS rather than accept
 * unsigned tokens while a key set is configured.
 */
import { ConfigError } from '../../config/config.js';
import { JaasParseError, parseSingleJaasEntry } from '../sasl/jaas.js';
import { JwksTokenValidator, OAuthBearerJwksError, type JwksSettings } from './jwks-validator.js';
import { UnsecuredTokenValidator, unsecuredOptions } from './unsecured-validator.js';
import { claimName, type TokenValidator } from './validator.js';

export const JWKS_HANDLER_CLASSES = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
  // Kafka 3.1 to 3.x
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerValidatorCallbackHandler',
];
export const UNSECURED_HANDLER_CLASS = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler';

/** A configuration Kafka would refuse: stops the broker at start-up. */
export class OAuthBearerConfigError extends ConfigError {}

/** A config value by key (undefined when unset); for listener-prefixed keys too. */
export type ConfigLookup = (key: string) => string | undefined;

/** Reads one key for a listener, most specific prefix first. */
export function listenerLookup(lookup: ConfigLookup, listenerName: string): ConfigLookup {
  const l = listenerName.toLowerCase();
  return (key) => lookup(`listener.name.${l}.oauthbearer.${key}`) ?? lookup(`listener.name.${l}.${key}`) ?? lookup(key);
}

/** The options of the listener's OAUTHBEARER JAAS entry, parsed as Kafka's JaasConfig parses it. */
function jaasOptions(text: string | undefined): ReadonlyMap<string, string> {
  if (!text) return new Map();
  try {
    return parseSingleJaasEntry(text).options;
  } catch (err) {
    if (err instanceof JaasParseError) throw new OAuthBearerConfigError(`sasl.jaas.config: ${err.message}`);
    throw err;
  }
}

function num(get: ConfigLookup, key: string, fallback: number): number {
  const v = get(key);
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new OAuthBearerConfigError(`${key} must be a non-negative number (got '${v}')`);
  return n;
}

function list(get: ConfigLookup, key: string, sep = /\s*,\s*/): string[] {
  return (get(key) ?? '').trim().split(sep).filter(Boolean);
}

function jwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OAuthBearerConfigError(`sasl.oauthbearer.jwks.endpoint.url (${text}) is not a valid URL`);
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol))
    throw new OAuthBearerConfigError(`sasl.oauthbearer.jwks.endpoint.url (${text}) uses ${url.protocol.slice(0, -1)}; only "http", "https" and "file" are supported`);
  return url;
}

export function jwksSettings(get: ConfigLookup): JwksSettings {
  const url = get('sasl.oauthbearer.jwks.endpoint.url')?.trim();
  if (!url) throw new OAuthBearerConfigError('sasl.oauthbearer.jwks.endpoint.url must be set to validate OAUTHBEARER tokens against a JWKS');
  return {
    url: jwksUrl(url),
    refreshMs: num(get, 'sasl.oauthbearer.jwks.endpoint.refresh.ms', 3_600_000),
    retryBackoffMs: num(get, 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 100),
    retryBackoffMaxMs: num(get, 'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 10_000),
    expectedIssuer: get('sasl.oauthbearer.expected.issuer')?.trim() || undefined,
    expectedAudience: list(get, 'sasl.oauthbearer.expected.audience'),
    clockSkewSeconds: num(get, 'sasl.oauthbearer.clock.skew.seconds', 30),
    scopeClaimName: claimName(get('sasl.oauthbearer.scope.claim.name'), 'scope'),
    subClaimName: claimName(get('sasl.oauthbearer.sub.claim.name'), 'sub'),
    requiredScope: list(get, 'runnel.sasl.oauthbearer.required.scope', /[\s,]+/),
  };
}

/** The validator for one listener; throws OAuthBearerConfigError on a configuration Kafka would refuse. */
export function validatorFor(lookup: ConfigLookup, listenerName: string, now?: () => number, jaas?: ReadonlyMap<string, string>): TokenValidator {
  try {
    return chooseValidator(lookup, listenerName, now, jaas);
  } catch (err) {
    if (err instanceof OAuthBearerJwksError || (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES')
      throw new OAuthBearerConfigError(`listener ${listenerName}: ${(err as Error).message}`);
    throw err;
  }
}

function chooseValidator(lookup: ConfigLookup, listenerName: string, now?: () => number, jaas?: ReadonlyMap<string, string>): TokenValidator {
  const get = listenerLookup(lookup, listenerName);
  const handler = get('sasl.server.callback.handler.class')?.trim();
  if (handler && JWKS_HANDLER_CLASSES.includes(handler)) return new JwksTokenValidator(jwksSettings(get), now);
  if (handler && handler !== UNSECURED_HANDLER_CLASS)
    throw new OAuthBearerConfigError(`sasl.server.callback.handler.class ${handler} is not supported for OAUTHBEARER; use ${JWKS_HANDLER_CLASSES[0]}`);
  if (!handler && get('sasl.oauthbearer.jwks.endpoint.url')?.trim()) return new JwksTokenValidator(jwksSettings(get), now);
  try {
    return new UnsecuredTokenValidator(unsecuredOptions(jaas ?? jaasOptions(get('sasl.jaas.config'))), now);
  } catch (err) {
    throw new OAuthBearerConfigError((err as Error).message);
  }
}
