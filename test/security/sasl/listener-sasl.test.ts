/** SASL listener configuration: Kafka's keys and prefixes, and start-up errors for unusable settings. */
import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { startBroker } from '../../../src/broker.js';
import { BrokerConfig, ConfigError } from '../../../src/config/config.js';
import { SaslListener } from '../../../src/security/sasl/listener-sasl.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { BrokerServices } from '../../../src/handlers/types.js';
import { plainToken, PLAIN_JAAS } from '../../helpers/sasl.js';
import { KafkaWire } from '../../helpers/kafka-wire.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const services = {} as BrokerServices;
const listener = (settings: Record<string, string>, name = 'SASL_PLAINTEXT') => new SaslListener(name, new BrokerConfig({ listeners: `${name}://:0`, ...settings }), services, silentLogger);
const JAAS_KEY = 'listener.name.sasl_plaintext.plain.sasl.jaas.config';

describe('SASL listener settings', () => {
  it('reads users from listener.name.<listener lower case>.plain.sasl.jaas.config', async () => {
    const l = listener({ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: PLAIN_JAAS });
    expect(l.enabled()).toEqual(['PLAIN']);
    const m = l.factory('PLAIN')!.create({ listenerName: 'SASL_PLAINTEXT', remoteAddress: 'x' });
    expect((await m.evaluate(plainToken('alice', 'alice-secret'))).principal).toBe('alice');
  });

  it('listener-prefixed keys override the broker-wide ones', () => {
    const l = listener({
      'sasl.enabled.mechanisms': 'GSSAPI',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'PLAIN',
      [JAAS_KEY]: PLAIN_JAAS,
      'connections.max.reauth.ms': '1000',
      'listener.name.sasl_plaintext.connections.max.reauth.ms': '2000',
    });
    expect(l.enabled()).toEqual(['PLAIN']);
    expect(l.maxReauthMs('PLAIN')).toBe(2000);
    const perMechanism = listener({ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: PLAIN_JAAS, 'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': '3000' });
    expect(perMechanism.maxReauthMs('PLAIN')).toBe(3000);
    expect(listener({ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: PLAIN_JAAS }).maxReauthMs('PLAIN')).toBe(0);
  });

  it.each([
    [{}, 'SASL mechanism GSSAPI is not supported'],
    [{ 'sasl.enabled.mechanisms': 'PLAIN' }, `${JAAS_KEY} is not set`],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', 'sasl.jaas.config': PLAIN_JAAS }, `${JAAS_KEY} is not set`],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.other.plain.sasl.jaas.config': PLAIN_JAAS }, `${JAAS_KEY} is not set`],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="x"' }, 'not terminated by semi-colon'],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: 'com.example.Other required user_a="x";' }, 'names login module com.example.Other'],
    [{ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: `${PLAIN_JAAS} ${PLAIN_JAAS}` }, 'should be 1 module'],
    [{ 'sasl.enabled.mechanisms': ' , ' }, 'no SASL mechanisms are enabled'],
  ])('refuses %j at start-up', (settings, message) => {
    expect(() => listener(settings as Record<string, string>)).toThrow(ConfigError);
    expect(() => listener(settings as Record<string, string>)).toThrow(message);
  });

  it('a JAAS error names the key, never the value', () => {
    try {
      listener({ 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: 'org.apache.kafka.common.security.plain.PlainLoginModule required user_a="hunter2"' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain(JAAS_KEY);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('an unprefixed sasl.jaas.config is ignored with Kafka\'s warning', () => {
    const c = new BrokerConfig({ 'sasl.jaas.config': PLAIN_JAAS });
    expect(c.get('sasl.jaas.config')).toBeUndefined();
    expect(c.notices).toContainEqual({ level: 'warn', message: expect.stringContaining('sasl.jaas.config should be prefixed with the listener and SASL mechanism name') });
    expect(JSON.stringify(c.notices)).not.toContain('admin-secret');
  });

  it('the broker does not start with a bad SASL configuration', async () => {
    await expect(
      startBroker({ storage: 'memory', port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }), config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' } }),
    ).rejects.toThrow(`${JAAS_KEY} is not set`);
  });

  it('SaslHandshake and SaslAuthenticate on a PLAINTEXT listener are ILLEGAL_SASL_STATE, as from KafkaApis', async () => {
    const b = await startBroker({
      storage: 'memory',
      host: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      config: { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: PLAIN_JAAS },
    });
    const c = await KafkaWire.connect(b.listeners.find((l) => l.securityProtocol === 'PLAINTEXT')!.port, '127.0.0.1');
    try {
      expect(await c.request(17, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
      expect(await c.request(36, 2, { authBytes: plainToken('alice', 'alice-secret') })).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
      expect((await c.request(3, 12, { topics: null })).brokers).toHaveLength(1);
    } finally {
      c.destroy();
      await b.close();
    }
  });
});

describe('SASL listener lifecycle', () => {
  it('closes the mechanism factories that have a close()', () => {
    let closed = 0;
    const registry = new Map([['TEST', () => ({ name: 'TEST', create: () => ({ evaluate: async () => ({ response: Buffer.alloc(0) }) }), close: () => void closed++ })]]);
    const l = new SaslListener('SASL_PLAINTEXT', new BrokerConfig({ listeners: 'SASL_PLAINTEXT://:0', 'sasl.enabled.mechanisms': 'TEST' }), services, silentLogger, registry);
    l.close();
    expect(closed).toBe(1);
  });
});
