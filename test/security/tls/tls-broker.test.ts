/**
 * A broker with a PLAINTEXT and an SSL listener (ssl.client.auth=required, PEM stores from
 * openssl), with real clients: kafkajs (ssl option) and kcat (security.protocol=SSL) produce and
 * consume with a client certificate, whose principal is the mapped subject; no certificate or one
 * from another CA is refused; plaintext on the TLS port and TLS on the plaintext port close the
 * connection with a log line and the broker serves on; an AlterConfigs of
 * listener.name.ssl.ssl.keystore.location installs a renewed certificate at once, and one for
 * other names is refused; a broker with a broken keystore does not start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, ConfigResourceTypes } from 'kafkajs';
import pino from 'pino';
import { startBroker, type Broker } from '../../../src/broker.js';
import { makeCa, makeCerts, issueCert, pemBrokerSettings, type Certs } from '../../helpers/certs.js';
import { until } from '../../helpers/until.js';
import { KafkaWire } from '../../helpers/kafka-wire.js';

const run = promisify(execFile);
/** ApiVersions v0, correlation id 7, client id "tls-test", as plaintext Kafka bytes. */
const API_VERSIONS_V0 = Buffer.from('0000001200120000000000070008746c732d74657374', 'hex');
let certs: Certs;
let broker: Broker;
const logs: Array<Record<string, unknown>> = [];
let ssl: string;
let plain: number;

beforeAll(async () => {
  certs = makeCerts({ clients: ['alice'] });
  broker = await startBroker({
    storage: 'memory',
    logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
    config: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      ...pemBrokerSettings(certs, 'listener.name.ssl.'),
      'ssl.client.auth': 'required',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=clients,.*$/$1/,DEFAULT',
      'runnel.ssl.reload.check.interval.ms': 0,
    },
  });
  const l = broker.listeners.find((x) => x.name === 'SSL')!;
  ssl = `localhost:${l.port}`;
  plain = broker.listeners.find((x) => x.name === 'PLAINTEXT')!.port;
}, 60_000);

afterAll(async () => {
  await broker?.close();
  certs?.cleanup();
});

const logged = (re: RegExp) => until(`log ${re}`, () => (logs.some((l) => re.test(JSON.stringify(l))) ? true : undefined), 10_000, 50);

function kafkajs(client?: { cert: string; key: string }, extra: { ca?: string } = {}): Kafka {
  return new Kafka({
    clientId: 'tls-test',
    brokers: [ssl],
    ssl: { ca: [readFileSync(extra.ca ?? certs.ca, 'utf8')], ...(client ? { cert: readFileSync(client.cert, 'utf8'), key: readFileSync(client.key, 'utf8') } : {}) },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
    connectionTimeout: 5000,
  });
}

/** The serial number of the certificate the SSL listener presents now. */
function serverSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: Number(ssl.split(':')[1]), servername: 'localhost', ca: readFileSync(certs.ca), cert: readFileSync(certs.clients.alice.cert), key: readFileSync(certs.clients.alice.key) }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('SSL listener', () => {
  it('kafkajs with a client certificate produces and consumes; the principal is the mapped name', async () => {
    const kafka = kafkajs(certs.clients.alice);
    const topic = 'tls-kafkajs';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    // Metadata over the SSL listener names the SSL endpoint, not the plaintext one.
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0].partitions).toHaveLength(1);
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'one' }, { value: 'two' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'tls-kafkajs-group', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve) => void consumer.run({ eachMessage: async ({ message }) => void (got.push(String(message.value)) === 2 && resolve()) }));
    await consumer.disconnect();
    expect(got).toEqual(['one', 'two']);
    await logged(/"principal":"alice"/);
  });

  it('kafkajs without a client certificate, or with one from another CA, is refused', async () => {
    const other = makeCa(certs.dir, 'rogue-ca', 'Rogue CA');
    const rogue = issueCert(certs.dir, certs.password, other, 'alice', { file: 'rogue-alice' });
    for (const client of [undefined, rogue]) {
      const admin = kafkajs(client).admin();
      const outcome = await admin.connect().then(
        () => admin.listTopics().then((t) => `listed ${t.join()}`, () => 'refused'),
        () => 'refused',
      );
      await admin.disconnect().catch(() => undefined);
      expect(outcome).toBe('refused');
    }
  });

  it('kcat (security.protocol=SSL) with a client certificate produces and consumes; without one it is refused', async () => {
    const tls = ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.ca}`];
    const cert = ['-X', `ssl.certificate.location=${certs.clients.alice.cert}`, '-X', `ssl.key.location=${certs.clients.alice.key}`];
    const topic = 'tls-kcat';
    await until('kcat metadata', async () => {
      const { stdout } = await run('kcat', ['-b', ssl, ...tls, ...cert, '-m', '10', '-L', '-t', topic, '-J']);
      const t = JSON.parse(stdout).topics.find((x: { topic: string }) => x.topic === topic);
      return t && !t.error && t.partitions.length === 1 ? true : undefined;
    });
    const producer = execFile('kcat', ['-b', ssl, ...tls, ...cert, '-P', '-t', topic]);
    producer.stdin!.end('k1\nk2\nk3\n');
    await new Promise((r, j) => producer.on('exit', (code) => (code === 0 ? r(undefined) : j(new Error(`kcat -P exited ${code}`)))));
    const { stdout } = await run('kcat', ['-b', ssl, ...tls, ...cert, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(stdout.trim().split('\n')).toEqual(['k1', 'k2', 'k3']);
    await expect(run('kcat', ['-b', ssl, ...tls, '-m', '5', '-L', '-J'])).rejects.toThrow();
  });

  it('plaintext Kafka bytes on the TLS port and TLS on the plaintext port: closed with a log line; both listeners serve on', async () => {
    const closes = (port: number, bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const s = tcpConnect(port, '127.0.0.1', () => s.write(bytes));
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    await closes(Number(ssl.split(':')[1]), API_VERSIONS_V0);
    await logged(/TLS handshake failed/);
    await new Promise<void>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: plain, rejectUnauthorized: false });
      s.on('error', () => undefined);
      s.on('close', () => resolve());
    });
    await logged(/TLS handshake on PLAINTEXT listener PLAINTEXT/);
    const plainAdmin = new Kafka({ clientId: 'plain', brokers: [`127.0.0.1:${plain}`], logLevel: logLevel.NOTHING }).admin();
    await plainAdmin.connect();
    expect(await plainAdmin.listTopics()).toContain('tls-kafkajs');
    await plainAdmin.disconnect();
    expect(await serverSerial()).toMatch(/^[0-9A-F]+$/);
  });

  it('AlterConfigs / IncrementalAlterConfigs of listener.name.ssl.ssl.keystore.location install a renewed certificate at once; other names, the cluster default and the unprefixed key are refused', async () => {
    const before = await serverSerial();
    const renewed = certs.issue('localhost', { file: 'server-renewed', ou: 'brokers', san: 'DNS:localhost,IP:127.0.0.1' });
    // kafkajs' admin (AlterConfigs) over the SSL listener itself.
    const admin = kafkajs(certs.clients.alice).admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configEntries: [{ name: 'listener.name.ssl.ssl.keystore.location', value: renewed.pemStore }] }] });
    await admin.disconnect();
    const after = await serverSerial();
    expect(after).not.toBe(before);

    const c = await KafkaWire.connect(plain, '127.0.0.1');
    try {
      const set = async (name: string, value: string, resource = String(broker.nodeId)) => {
        const res = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: resource, configs: [{ name, configOperation: 0, value }] }], validateOnly: false });
        return res.responses[0] as { errorCode: number; errorMessage: string | null };
      };
      const again = certs.issue('localhost', { file: 'server-renewed-again', ou: 'brokers', san: 'DNS:localhost,IP:127.0.0.1' });
      expect(await set('listener.name.ssl.ssl.keystore.location', again.pemStore)).toMatchObject({ errorCode: 0 });
      const latest = await serverSerial();
      expect(latest).not.toBe(after);
      const other = certs.issue('broker9', { file: 'broker9', ou: 'brokers', san: 'DNS:broker9' });
      expect(await set('listener.name.ssl.ssl.keystore.location', other.pemStore)).toMatchObject({ errorCode: 42, errorMessage: expect.stringMatching(/DistinguishedName or SubjectAltNames do not match/) });
      expect(await set('listener.name.ssl.ssl.keystore.location', '/no/such/file.pem')).toMatchObject({ errorCode: 42, errorMessage: expect.stringMatching(/cannot read \/no\/such\/file.pem/) });
      expect(await set('listener.name.ssl.ssl.keystore.location', again.pemStore, '')).toMatchObject({ errorCode: 42, errorMessage: expect.stringMatching(/broker id must be specified/) });
      expect(await set('ssl.keystore.location', again.pemStore)).toMatchObject({ errorCode: 42, errorMessage: expect.stringMatching(/only per-listener using the listener prefix/) });
      expect(await serverSerial()).toBe(latest);

      // An encrypted key with its password in the same request; the password appears in no log line.
      const enc = certs.issue('localhost', { file: 'server-encrypted', ou: 'brokers', san: 'DNS:localhost,IP:127.0.0.1' });
      const store = join(certs.dir, 'server-encrypted-store.pem');
      writeFileSync(store, readFileSync(enc.encryptedKey, 'utf8') + readFileSync(enc.chain, 'utf8'));
      const both = await c.request(44, 1, {
        resources: [{ resourceType: 4, resourceName: String(broker.nodeId), configs: [{ name: 'listener.name.ssl.ssl.keystore.location', configOperation: 0, value: store }, { name: 'listener.name.ssl.ssl.key.password', configOperation: 0, value: certs.password }] }],
        validateOnly: false,
      });
      expect(both.responses[0]).toMatchObject({ errorCode: 0 });
      expect(await serverSerial()).not.toBe(latest);
      expect(logs.some((l) => /dynamic broker configs altered/.test(String(l.msg)))).toBe(true);
      expect(JSON.stringify(logs)).not.toContain(certs.password);

      // DescribeConfigs lists the listener keys set, the password hidden.
      const described = await c.request(32, 4, { resources: [{ resourceType: 4, resourceName: String(broker.nodeId), configurationKeys: null }], includeSynonyms: true, includeDocumentation: false });
      const byName = new Map<string, { value: string | null; isSensitive: boolean; configSource: number }>(described.results[0].configs.map((e: { name: string }) => [e.name, e]));
      expect(byName.get('listener.name.ssl.ssl.keystore.location')).toMatchObject({ value: store, isSensitive: false, configSource: 2 }) // DYNAMIC_BROKER_CONFIG;
      expect(byName.get('listener.name.ssl.ssl.key.password')).toMatchObject({ value: null, isSensitive: true, configSource: 2 });
      expect(byName.get('listener.name.ssl.ssl.truststore.location')).toMatchObject({ value: certs.ca, configSource: 4 }) // STATIC_BROKER_CONFIG;
      expect(JSON.stringify(described)).not.toContain(certs.password);
    } finally {
      await c.close();
    }
  });
});

describe('start-up', () => {
  it('an SSL listener without a usable keystore stops the start with a ConfigError', async () => {
    await expect(startBroker({ storage: 'memory', logger: pino({ level: 'silent' }), config: { listeners: 'SSL://127.0.0.1:0' } })).rejects.toThrow(/no keystore/);
    await expect(
      startBroker({ storage: 'memory', logger: pino({ level: 'silent' }), config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.server.p12, 'ssl.keystore.password': 'wrong' } }),
    ).rejects.toThrow(/wrong ssl.keystore.password/);
  });

  it('a PKCS12 keystore and truststore serve as well', async () => {
    const b = await startBroker({
      storage: 'memory',
      logger: pino({ level: 'silent' }),
      config: { listeners: 'SSL://127.0.0.1:0', 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': certs.server.p12, 'ssl.keystore.password': certs.password, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': certs.caP12, 'ssl.truststore.password': certs.password, 'ssl.client.auth': 'required' },
    });
    try {
      const admin = new Kafka({ clientId: 'p12', brokers: [`localhost:${b.port}`], ssl: { ca: [readFileSync(certs.ca, 'utf8')], cert: readFileSync(certs.clients.alice.cert, 'utf8'), key: readFileSync(certs.clients.alice.key, 'utf8') }, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect(Array.isArray(await admin.listTopics())).toBe(true);
      await admin.disconnect();
    } finally {
      await b.close();
    }
  });
});

describe('SASL_SSL', () => {
  it('a SASL_SSL listener speaks TLS (no client certificate asked for by the unprefixed ssl.client.auth, KIP-684) and serves ApiVersions before authentication', async () => {
    const b = await startBroker({ storage: 'memory', logger: pino({ level: 'silent' }), config: {
        listeners: 'SASL_SSL://127.0.0.1:0',
        ...pemBrokerSettings(certs),
        'ssl.client.auth': 'required',
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
      },
    });
    try {
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: b.port, servername: 'localhost', ca: readFileSync(certs.ca) }, () => s.write(API_VERSIONS_V0));
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          const all = Buffer.concat(chunks);
          if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
            s.destroy();
            resolve(all);
          }
        });
        s.on('error', reject);
      });
      expect(answer.readInt32BE(4)).toBe(7); // the correlation id of the ApiVersions request
      expect(answer.readInt16BE(8)).toBe(0); // error code NONE
    } finally {
      await b.close();
    }
  });
});

describe('DescribeConfigs', () => {
  it('shows ssl passwords and keys as sensitive, without their value (Kafka\'s PASSWORD keys)', async () => {
    const b = await startBroker({ storage: 'memory', logger: pino({ level: 'silent' }), config: { 'ssl.truststore.password': 'very-secret', 'ssl.truststore.type': 'PKCS12' } });
    const c = await KafkaWire.connect(b.port, '127.0.0.1');
    try {
      const res = await c.request(32, 4, {
        resources: [{ resourceType: 4, resourceName: String(b.nodeId), configurationKeys: ['ssl.truststore.password', 'ssl.truststore.type', 'ssl.keystore.password'] }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      const byName = new Map<string, { value: string | null; isSensitive: boolean }>(res.results[0].configs.map((e: { name: string }) => [e.name, e]));
      expect(byName.get('ssl.truststore.password')).toMatchObject({ value: null, isSensitive: true });
      expect(byName.get('ssl.keystore.password')).toMatchObject({ value: null, isSensitive: true });
      expect(byName.get('ssl.truststore.type')).toMatchObject({ value: 'PKCS12', isSensitive: false });
      expect(JSON.stringify(res)).not.toContain('very-secret');
    } finally {
      await c.close();
      await b.close();
    }
  });
});
