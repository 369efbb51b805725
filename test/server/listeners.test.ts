/**
 * Several listeners at once, each with its security protocol: what each is bound to, what
 * Metadata answers on each (the endpoints of the listener the client came in on), and the SASL
 * gate (before authentication only ApiVersions and the SASL requests are served).
 */
import { describe, it, expect } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { BrokerConfig, ConfigError } from '../../src/config/config.js';
import { KafkaWire } from '../helpers/kafka-wire.js';

describe('listener configuration', () => {
  it("reads Kafka's own server.properties listeners: the KRaft controller listener is not opened", () => {
    const cfg = new BrokerConfig({
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    });
    expect(cfg.listeners()).toEqual([{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  });

  it('maps named listeners to protocols and advertises each listener by name', () => {
    const cfg = new BrokerConfig({
      listeners: 'CLIENT://0.0.0.0:9092,INTERNAL://10.0.0.5:9192,SECURE://:9094',
      'listener.security.protocol.map': 'CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,SECURE:SSL',
      'advertised.listeners': 'CLIENT://kafka.example.com:443,INTERNAL://10.0.0.5:9192',
      'inter.broker.listener.name': 'INTERNAL',
    });
    expect(cfg.listeners().map((l) => `${l.name}=${l.securityProtocol}`)).toEqual(['CLIENT=SASL_SSL', 'INTERNAL=PLAINTEXT', 'SECURE=SSL']);
    // As Kafka: with advertised.listeners set, only the listeners it names are advertised.
    expect(cfg.advertisedListeners().map((l) => `${l.name}@${l.host}:${l.port}`)).toEqual(['CLIENT@kafka.example.com:443', 'INTERNAL@10.0.0.5:9192']);
    expect(cfg.interBrokerListener().name).toBe('INTERNAL');
  });

  it('finds the inter-broker listener by security.inter.broker.protocol, and refuses contradictions', () => {
    const both = { listeners: 'PLAINTEXT://:9092,SASL_SSL://:9093' };
    expect(new BrokerConfig({ ...both, 'security.inter.broker.protocol': 'SASL_SSL' }).interBrokerListener().name).toBe('SASL_SSL');
    expect(new BrokerConfig(both).interBrokerListener().name).toBe('PLAINTEXT');
    expect(() => new BrokerConfig({ ...both, 'inter.broker.listener.name': 'NOPE' }).interBrokerListener()).toThrow(ConfigError);
    expect(() => new BrokerConfig({ ...both, 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' }).interBrokerListener()).toThrow(/Only one of/);
  });

  it('refuses an advertised listener that is not a listener, and a listener without a protocol', () => {
    expect(() => new BrokerConfig({ listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'OTHER://h:1', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT' })).toThrow(/not one of the listeners/);
    expect(() => new BrokerConfig({ listeners: 'INTERNAL://:9092' })).toThrow(/no security protocol defined for listener INTERNAL/);
  });
});

describe('a broker with two listeners', () => {
  it('binds both and answers Metadata on each with the endpoints of that listener', async () => {
    const b = await startBroker({
      host: '127.0.0.1',
      config: { listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT' },
    });
    try {
      expect(b.listeners.map((l) => l.name)).toEqual(['PLAINTEXT', 'INTERNAL']);
      const [outer, inner] = b.listeners;
      expect(outer.port).not.toBe(inner.port);
      for (const l of b.listeners) {
        const c = await KafkaWire.connect(l.port, '127.0.0.1');
        try {
          const md = await c.request(3, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
          expect(md.brokers.map((x: any) => `${x.host}:${x.port}`)).toEqual([`127.0.0.1:${l.port}`]);
          const fc = await c.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
          expect(fc.brokers.map((x: any) => x.port)).toEqual([l.port]);
        } finally {
          await c.close();
        }
      }
      expect(b.bootstrap).toBe(`127.0.0.1:${outer.port}`);
    } finally {
      await b.close();
    }
  });

  it('on a SASL listener serves ApiVersions before authentication and closes the connection on anything else', async () => {
    const b = await startBroker({
      host: '127.0.0.1',
      config: {
        listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      },
    });
    try {
      const sasl = b.listeners.find((l) => l.securityProtocol === 'SASL_PLAINTEXT')!;
      const c = await KafkaWire.connect(sasl.port, '127.0.0.1');
      try {
        const av = await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
        expect(av.errorCode).toBe(0);
        c.send(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        expect(await c.waitClosed(3000)).toBe(true);
      } finally {
        await c.close();
      }
      // The plaintext listener next to it serves everything.
      const p = await KafkaWire.connect(b.port, '127.0.0.1');
      try {
        const md = await p.request(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        expect(md.brokers).toHaveLength(1);
      } finally {
        await p.close();
      }
    } finally {
      await b.close();
    }
  });
});
