/**
 * SASL on one SASL_PLAINTEXT / SASL_SSL listener: which mechanisms it enables, their JAAS entries
 * and session bounds, read with Kafka's listener prefixes, and a SaslSession for each connection.
 *
 * Keys, most specific first, as Kafka's channel builder reads them:
 * - listener.name.<listener>.<mechanism>.sasl.jaas.config: the only place a broker's JAAS entry
 *   is read from; an unprefixed sasl.jaas.config is ignored with a warning (config.ts), as in Kafka;
 * - listener.name.<listener>.sasl.enabled.mechanisms, else sasl.enabled.mechanisms;
 * - listener.name.<listener>.<mechanism>.connections.max.reauth.ms, then
 *   listener.name.<listener>.connections.max.reauth.ms, then connections.max.reauth.ms;
 * - connection.failed.authentication.delay.ms, sasl.server.max.receive.size and
 *   runnel.sasl.handshake.timeout.ms apply to every listener.
 * <listener> is the listener name in lower case. Values are read when used (a changed value
 * applies to the next login); parsed JAAS entries are cached per text.
 */
import { ConfigError, type BrokerConfig } from '../../config/config.js';
import type { BrokerServices, ClientInfo } from '../../handlers/types.js';
import type { Logger } from '../../util/logger.js';
import { JaasParseError, parseSingleJaasEntry, type JaasEntry } from './jaas.js';
import type { SaslMechanismFactory } from './mechanism.js';
import { SASL_MECHANISMS, type SaslMechanismBuilder } from './registry.js';
import { SaslSession, type SaslMechanisms } from './session.js';

const API_VERSIONS_KEY = 18;

export class SaslListener implements SaslMechanisms {
  private readonly prefix: string;
  private readonly factories = new Map<string, SaslMechanismFactory>();
  private readonly jaasCache = new Map<string, { text: string; entry: JaasEntry }>();

  constructor(
    readonly listenerName: string,
    private readonly config: BrokerConfig,
    private readonly broker: BrokerServices,
    private readonly log: Logger,
    private readonly registry: ReadonlyMap<string, SaslMechanismBuilder> = SASL_MECHANISMS,
  ) {
    this.prefix = `listener.name.${listenerName.toLowerCase()}.`;
    this.build();
  }

  /** Builds every enabled mechanism now, so that a bad configuration stops the broker at start-up. */
  private build(): void {
    const enabled = this.enabled();
    if (enabled.length === 0) throw new ConfigError(`listener ${this.listenerName}: no SASL mechanisms are enabled (sasl.enabled.mechanisms)`);
    for (const name of enabled) {
      const builder = this.registry.get(name);
      if (!builder)
        throw new ConfigError(`listener ${this.listenerName}: SASL mechanism ${name} is not supported (sasl.enabled.mechanisms; Runnel serves ${[...this.registry.keys()].join(', ')})`);
      this.jaas(name); // a JAAS syntax error is a start-up error
      this.factories.set(name, builder({ listenerName: this.listenerName, jaas: () => this.jaas(name), config: this.config, broker: this.broker }));
    }
  }

  enabled(): readonly string[] {
    const text = this.config.get(`${this.prefix}sasl.enabled.mechanisms`) ?? this.config.get('sasl.enabled.mechanisms') ?? '';
    return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  }

  factory(name: string): SaslMechanismFactory | undefined {
    return this.factories.get(name);
  }

  maxReauthMs(name: string): number {
    const raw = this.config.get(`${this.prefix}${name.toLowerCase()}.connections.max.reauth.ms`) ?? this.config.get(`${this.prefix}connections.max.reauth.ms`);
    const v = raw === undefined ? this.config.num('connections.max.reauth.ms') : Number(raw);
    return Number.isFinite(v) && v > 0 ? v : 0;
  }

  get failedAuthDelayMs(): number {
    return this.config.int('connection.failed.authentication.delay.ms');
  }

  get maxReceiveSize(): number {
    return this.config.int('sasl.server.max.receive.size');
  }

  get handshakeTimeoutMs(): number {
    return this.config.int('runnel.sasl.handshake.timeout.ms');
  }

  /** The JAAS entry of a mechanism on this listener; a text that no longer parses keeps the last good entry. */
  jaas(mechanism: string): JaasEntry | undefined {
    const key = `${this.prefix}${mechanism.toLowerCase()}.sasl.jaas.config`;
    const text = this.config.get(key);
    if (text === undefined) return undefined;
    const cached = this.jaasCache.get(key);
    if (cached?.text === text) return cached.entry;
    try {
      const entry = parseSingleJaasEntry(text);
      this.jaasCache.set(key, { text, entry });
      return entry;
    } catch (err) {
      if (!(err instanceof JaasParseError)) throw err;
      if (!cached) throw new ConfigError(`${key}: ${err.message}`);
      this.log.error({ key, err: err.message }, 'invalid JAAS config; keeping the previous one');
      return cached.entry;
    }
  }

  /** Stops what the mechanisms keep running (an OAUTHBEARER JWKS refresh, say): a factory may have a close(). */
  close(): void {
    for (const f of this.factories.values()) (f as { close?: () => void }).close?.();
  }

  newSession(client: ClientInfo, log: Logger): SaslSession {
    const apiVersionsMax = this.broker.apiRanges?.().find((r) => r.apiKey === API_VERSIONS_KEY)?.maxVersion;
    return new SaslSession({ listenerName: this.listenerName, client, mechanisms: this, failedAuthDelayMs: this.failedAuthDelayMs, log, apiVersionsMax });
  }
}
