/** A broker with a SASL_PLAINTEXT listener serving PLAIN, and the wire steps of a SASL login, for tests. */
import pino from 'pino';
import { startBroker, type Broker } from '../../src/broker.js';
import { KafkaWire } from './kafka-wire.js';

export const PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  'user_admin="admin-secret" user_alice="alice-secret" user_bob="bob-secret";';

export interface SaslBroker {
  broker: Broker;
  /** Every line the broker logged (debug and up), parsed. */
  logs: Array<Record<string, unknown>>;
  /** The raw text of every log line: no credential may appear in it. */
  logText(): string;
}

export async function startSaslBroker(config: Record<string, string | number> = {}): Promise<SaslBroker> {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  const broker = await startBroker({
    storage: 'memory',
    port: 0,
    host: '127.0.0.1',
    logger,
    config: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'num.partitions': 1,
      ...config,
    },
  });
  return {
    broker,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join(''),
  };
}

export const plainToken = (user: string, password: string, authzid = ''): Buffer => Buffer.from(`${authzid}\u0000${user}\u0000${password}`, 'utf8');

/** SaslHandshake v1 + SaslAuthenticate v2 on `c`; returns the SaslAuthenticate response body. */
export async function saslPlainLogin(c: KafkaWire, user: string, password: string, authVersion = 2): Promise<any> {
  const hs = await c.request(17, 1, { mechanism: 'PLAIN' });
  if (hs.errorCode !== 0) throw new Error(`SaslHandshake failed: ${hs.errorCode}`);
  return c.request(36, authVersion, { authBytes: plainToken(user, password) });
}

/** A size-prefixed raw frame (SaslHandshake v0 tokens). */
export function sizePrefixed(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}
