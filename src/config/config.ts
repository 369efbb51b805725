import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KEYS, IGNORED_KEYS, keyDef, listenerKeyBase, type KeyDef } from './keys.js';
import { parseProperties } from './properties.js';
import { DEFAULT_PROTOCOL_MAP, parseProtocolMap, type ListenerSpec, type SecurityProtocol } from '../security/listener-spec.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A listener with its security protocol (listener.security.protocol.map). */
export type Listener = ListenerSpec;

export interface ConfigNotice {
  level: 'warn' | 'info';
  message: string;
}

/**
 * The broker's configuration: Kafka's keys from server.properties and overrides, validated at
 * start-up. Values are kept as text and read through typed getters, so what DescribeConfigs shows
 * is exactly what was set.
 */
/** Where a broker key's value comes from, highest precedence first (Kafka's DescribeConfigs sources). */
export type ConfigLayer = 'dynamic-broker' | 'dynamic-default' | 'static';

export class BrokerConfig {
  readonly notices: ConfigNotice[] = [];
  private readonly values = new Map<string, string>();
  /** Dynamic broker configs (KIP-226), set through AlterConfigs; owned by DynamicConfigs. */
  private readonly dynamic: Record<'dynamic-broker' | 'dynamic-default', Map<string, string>> = { 'dynamic-broker': new Map(), 'dynamic-default': new Map() };
  private gen = 0;

  constructor(settings: Map<string, string> | Record<string, string | number | boolean> = {}) {
    const entries = settings instanceof Map ? [...settings] : Object.entries(settings).map(([k, v]) => [k, String(v)] as const);
    for (const [key, value] of entries) {
      const def = keyDef(key); // listener.name.<l>.<key> too
      if (def) {
        validate(key, def, value);
        this.values.set(key, value);
      } else if (key.startsWith('listener.name.')) {
        // listener.name.<listener>.<key>: one listener's own value, read by that listener (SASL, TLS).
        this.values.set(key, value);
      } else if (key === 'sasl.jaas.config') {
        // As Kafka (JaasContext.loadServerContext): a broker reads JAAS only with listener and mechanism prefixes.
        this.notices.push({ level: 'warn', message: 'Server config sasl.jaas.config should be prefixed with the listener and SASL mechanism name (listener.name.<listener>.<mechanism>.sasl.jaas.config), ignoring config' });
      } else if (IGNORED_KEYS.has(key)) {
        this.notices.push({ level: 'info', message: `config key ${key} has no effect on a single Runnel node; ignored` });
      } else {
        this.notices.push({ level: 'warn', message: `unknown config key ${key}; ignored` });
      }
    }
    if (this.has('broker.id') && this.has('node.id') && this.int('broker.id') !== this.int('node.id'))
      throw new ConfigError(`broker.id (${this.get('broker.id')}) and node.id (${this.get('node.id')}) disagree`);
    // Kafka copies one id key into the other (KafkaConfig.populateSynonyms), so both describe as set.
    if (this.values.has('node.id') && !this.values.has('broker.id')) this.values.set('broker.id', this.values.get('node.id')!);
    else if (this.values.has('broker.id') && !this.values.has('node.id') && this.int('broker.id') >= 0) this.values.set('node.id', this.values.get('broker.id')!);
    // Validate listener syntax at start-up, not when the first client asks.
    this.listeners();
    this.advertised();
  }

  static fromFile(path: string, overrides: Map<string, string> = new Map()): BrokerConfig {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
    }
    const settings = parseProperties(text);
    for (const [k, v] of overrides) settings.set(k, v);
    return new BrokerConfig(settings);
  }

  /** Whether some layer (dynamic per-broker, dynamic cluster default, server.properties) sets the key. */
  has(key: string): boolean {
    return this.dynamic['dynamic-broker'].has(key) || this.dynamic['dynamic-default'].has(key) || this.values.has(key);
  }

  /** The effective value: per-broker dynamic > cluster-default dynamic > server.properties > Kafka's default. */
  get(key: string): string | undefined {
    return this.dynamic['dynamic-broker'].get(key) ?? this.dynamic['dynamic-default'].get(key) ?? this.values.get(key) ?? KEYS[key]?.default;
  }

  /** Whether the value comes from the configuration (true) or is a default (false). */
  isSet(key: string): boolean {
    return this.has(key);
  }

  /** The layers that set `key`, highest precedence first. */
  layers(key: string): Array<{ layer: ConfigLayer; value: string }> {
    const out: Array<{ layer: ConfigLayer; value: string }> = [];
    for (const layer of ['dynamic-broker', 'dynamic-default'] as const) {
      const v = this.dynamic[layer].get(key);
      if (v !== undefined) out.push({ layer, value: v });
    }
    const v = this.values.get(key);
    if (v !== undefined) out.push({ layer: 'static', value: v });
    return out;
  }

  /** Every key server.properties sets, listener-prefixed ones included (a copy). */
  staticValues(): Map<string, string> {
    return new Map(this.values);
  }

  /** The keys one dynamic layer sets. */
  dynamicValues(layer: 'dynamic-broker' | 'dynamic-default'): ReadonlyMap<string, string> {
    return this.dynamic[layer];
  }

  /** Replaces one dynamic layer (validated by the caller); readers see the new values at once. */
  setDynamic(layer: 'dynamic-broker' | 'dynamic-default', values: ReadonlyMap<string, string>): void {
    this.dynamic[layer] = new Map(values);
    this.gen++;
  }

  /** Bumped on every dynamic change, so caches of derived settings know when to recompute. */
  get generation(): number {
    return this.gen;
  }

  /**
   * A key's value as a number. A key this broker does not declare is a programming error (a typo
   * would otherwise read as NaN and switch a feature off silently), so it throws.
   */
  int(key: string): number {
    return Number(this.get(declared(key)));
  }

  long(key: string): bigint {
    return BigInt(this.get(declared(key)) ?? '0');
  }

  /** A long that fits a JS number (durations and sizes); Long.MAX_VALUE becomes Infinity. */
  num(key: string): number {
    const v = this.long(key);
    return v >= 2n ** 53n ? Infinity : Number(v);
  }

  bool(key: string): boolean {
    return this.get(declared(key))?.toLowerCase() === 'true';
  }

  list(key: string): string[] {
    return (this.get(key) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  get nodeId(): number {
    return this.has('broker.id') && !this.has('node.id') ? this.int('broker.id') : this.int('node.id');
  }

  get logDirs(): string[] {
    const dirs = this.has('log.dirs') ? this.list('log.dirs') : [this.get('log.dir')!];
    return dirs.map((d) => resolve(d));
  }

  /** retention from log.retention.ms, .minutes or .hours, in Kafka's order of precedence; -1 = forever. */
  get retentionMs(): number {
    let ms: number;
    if (this.has('log.retention.ms')) ms = this.num('log.retention.ms');
    else if (this.has('log.retention.minutes')) ms = this.int('log.retention.minutes') * 60_000;
    else ms = this.int('log.retention.hours') * 3_600_000;
    return ms < 0 ? -1 : ms; // any negative value means forever, as in Kafka
  }

  get rollMs(): number {
    return this.has('log.roll.ms') ? this.num('log.roll.ms') : this.int('log.roll.hours') * 3_600_000;
  }

  /**
   * The listeners this broker opens, each with its security protocol. Listeners named in
   * controller.listener.names are Kafka's KRaft controller listeners: Kafka's own server.properties
   * has one, and Runnel (whose control state lives in etcd) does not open it.
   */
  listeners(): Listener[] {
    const controllers = new Set(this.list('controller.listener.names').map((n) => n.toUpperCase()));
    const map = this.protocolMap();
    const all = this.list('listeners').map((l) => parseListener(l, 'listeners', map));
    const list = all.filter((l) => !controllers.has(l.name));
    if (list.length === 0) throw new ConfigError('listeners is empty: give at least one, e.g. PLAINTEXT://:9092');
    const names = new Set<string>();
    const ports = new Set<number>();
    for (const l of list) {
      if (names.has(l.name)) throw new ConfigError(`listeners: each listener must have a different name; ${l.name} is listed twice`);
      if (l.port !== 0 && ports.has(l.port)) throw new ConfigError(`listeners: each listener must have a different port; ${l.port} is listed twice`);
      names.add(l.name);
      ports.add(l.port);
    }
    return list;
  }

  /**
   * What Metadata advertises, per listener: advertised.listeners when set (as in Kafka, then only
   * the listeners it names are advertised), else the listeners with localhost for an empty or
   * wildcard host. `boundPorts` (by listener name) replaces port 0 with the port actually bound.
   */
  advertisedListeners(boundPorts?: ReadonlyMap<string, number>): Listener[] {
    const listeners = this.listeners();
    const byName = new Map(listeners.map((l) => [l.name, l]));
    const adv = this.list('advertised.listeners');
    const chosen = adv.length > 0 ? adv.map((a) => parseListener(a, 'advertised.listeners', this.protocolMap())) : listeners;
    return chosen.map((l) => {
      const own = byName.get(l.name);
      if (!own) throw new ConfigError(`advertised.listeners: ${l.name} is not one of the listeners (${listeners.map((x) => x.name).join(', ')})`);
      const host = l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? 'localhost' : l.host;
      const port = l.port === 0 || adv.length === 0 ? (boundPorts?.get(l.name) ?? l.port) : l.port;
      return { ...l, host, port };
    });
  }

  /** The first advertised listener: the one `bootstrap` names. */
  advertised(boundPort?: number): Listener {
    const first = this.listeners()[0];
    return this.advertisedListeners(boundPort === undefined ? undefined : new Map([[first.name, boundPort]]))[0];
  }

  /**
   * The listener brokers reach each other on: inter.broker.listener.name, else the listener named
   * like security.inter.broker.protocol when that is set, else the first listener.
   */
  interBrokerListener(): Listener {
    const listeners = this.listeners();
    const named = this.get('inter.broker.listener.name');
    const protocol = this.get('security.inter.broker.protocol');
    if (named !== undefined && protocol !== undefined) throw new ConfigError('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
    const want = (named ?? protocol)?.toUpperCase();
    if (want === undefined) return listeners[0];
    const l = listeners.find((x) => x.name === want);
    if (!l) throw new ConfigError(`inter.broker.listener.name must be a listener name defined in listeners; ${want} is not one of ${listeners.map((x) => x.name).join(', ')}`);
    return l;
  }

  private protocolMap(): Map<string, SecurityProtocol> {
    return parseProtocolMap(this.get('listener.security.protocol.map') ?? DEFAULT_PROTOCOL_MAP, (msg) => {
      throw new ConfigError(msg);
    });
  }

  /** The listener-prefixed keys (listener.name.<l>.<key>) set in some layer, sorted. */
  listenerKeys(): string[] {
    const all = new Set([...this.values.keys(), ...this.dynamic['dynamic-broker'].keys(), ...this.dynamic['dynamic-default'].keys()]);
    return [...all].filter((k) => listenerKeyBase(k) !== undefined).sort();
  }

  /** Every known key with its server.properties value (or default) and whether it was set there. */
  entries(): Array<{ key: string; value: string | undefined; isDefault: boolean }> {
    return Object.keys(KEYS).map((key) => ({ key, value: this.values.get(key) ?? KEYS[key].default, isDefault: !this.values.has(key) }));
  }
}

function parseListener(text: string, key: string, protocols: ReadonlyMap<string, SecurityProtocol>): Listener {
  const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text);
  if (!m) throw new ConfigError(`${key}: '${text}' is not NAME://host:port`);
  const [, rawName, host, port] = m;
  const name = rawName.toUpperCase();
  const securityProtocol = protocols.get(name);
  if (!securityProtocol) throw new ConfigError(`${key}: no security protocol defined for listener ${name} (add it to listener.security.protocol.map)`);
  const p = Number(port);
  if (p > 65535) throw new ConfigError(`${key}: port ${p} is out of range`);
  return { name, host: host.replace(/^\[|\]$/g, ''), port: p, securityProtocol };
}

/** Why `value` is not valid for the broker key `key`, in Kafka's words; undefined when it is. */
export function brokerValueError(key: string, value: string): string | undefined {
  const def = keyDef(key);
  if (!def) return `Unknown broker config name: ${key}`;
  try {
    validate(key, def, value, (v, why) => `Invalid value ${v} for configuration ${key}: ${why}`);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function validate(key: string, def: KeyDef, value: string, say = (v: string, why: string) => `invalid value '${v}' for ${key}: ${why}`): void {
  const fail = (why: string): never => {
    throw new ConfigError(say(value, why));
  };
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(value.trim())) fail(`expected ${def.type === 'int' ? 'an integer' : 'a long'}`);
      const n = BigInt(value.trim());
      const [lo, hi] = def.type === 'int' ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
      if (n < lo || n > hi) fail(`out of range for ${def.type}`);
      if (def.min !== undefined && n < BigInt(def.min)) fail(`must be at least ${def.min}`);
      if (def.max !== undefined && n > BigInt(def.max)) fail(`must be at most ${def.max}`);
      break;
    }
    case 'double': {
      const n = Number(value.trim());
      if (value.trim() === '' || !Number.isFinite(n)) fail('expected a number');
      if (def.min !== undefined && n < def.min) fail(`must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) fail(`must be at most ${def.max}`);
      break;
    }
    case 'bool':
      // Kafka parses booleans case-insensitively.
      if (value.toLowerCase() !== 'true' && value.toLowerCase() !== 'false') fail('expected true or false');
      break;
    case 'enum':
      if (!def.values!.includes(value)) fail(`expected one of ${def.values!.join(', ')}`);
      break;
    default:
      break;
  }
}

function declared(key: string): string {
  if (!Object.hasOwn(KEYS, key)) throw new Error(`config key ${key} is not declared in src/config/keys.ts`);
  return key;
}
