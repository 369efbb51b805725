/**
 * SASL on the wire against a broker with a SASL_PLAINTEXT listener: the SaslHandshake v0 (raw
 * tokens) and v1 (SaslAuthenticate) flows, refusals and their delay, out-of-order and hostile
 * input, the handshake timeout, KIP-368 session expiry and re-authentication, and that no
 * credential reaches the log.
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createBatch } from '../../../src/protocol/records.js';
import { LogPartition } from '../../../src/partitions/log-partitions.js';
import { KafkaWire, prng, rawFrame } from '../../helpers/kafka-wire.js';
import { plainToken, saslPlainLogin, sizePrefixed, startSaslBroker, type SaslBroker } from '../../helpers/sasl.js';

let sb: SaslBroker;
const open: KafkaWire[] = [];

async function conn(port = sb.broker.port): Promise<KafkaWire> {
  const c = await KafkaWire.connect(port, '127.0.0.1');
  open.push(c);
  return c;
}

async function metadataWorks(c: KafkaWire): Promise<boolean> {
  const md = await c.request(3, 12, { topics: null, allowAutoTopicCreation: false });
  return Array.isArray(md.brokers) && md.brokers.length === 1;
}

beforeAll(async () => {
  sb = await startSaslBroker({ 'connection.failed.authentication.delay.ms': 300 });
});
afterEach(async () => {
  for (const c of open.splice(0)) c.destroy();
});
afterAll(async () => {
  await sb?.broker.close();
});

describe('SASL/PLAIN over the wire', () => {
  it('ApiVersions, SaslHandshake v1 and SaslAuthenticate v2, then requests are served', async () => {
    const c = await conn();
    const av = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(av.apiKeys.map((k: { apiKey: number }) => k.apiKey)).toEqual(expect.arrayContaining([17, 36]));
    const hs = await c.request(17, 1, { mechanism: 'PLAIN' });
    expect(hs).toMatchObject({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
    const auth = await c.request(36, 2, { authBytes: plainToken('alice', 'alice-secret') });
    expect(auth).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, sessionLifetimeMs: 0n });
    expect(await metadataWorks(c)).toBe(true);
    // Once authenticated, SASL requests are out of place (KafkaApis' answer).
    expect((await c.request(36, 1, { authBytes: plainToken('alice', 'alice-secret') })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await c.request(17, 1, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(await metadataWorks(c)).toBe(true);
  });

  it('an ApiVersions at a version not served is answered UNSUPPORTED_VERSION and may be retried lower, as in Kafka', async () => {
    const c = await conn();
    c.sendRaw(rawFrame(18, 99, 1));
    const frame = await c.readFrame();
    expect(frame.readInt32BE(0)).toBe(1); // correlation id
    expect(frame.readInt16BE(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect((await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' })).errorCode).toBe(ErrorCode.NONE);
    expect((await saslPlainLogin(c, 'alice', 'alice-secret')).errorCode).toBe(ErrorCode.NONE);
    expect(await metadataWorks(c)).toBe(true);
  });

  it('SaslAuthenticate v0 works too', async () => {
    const c = await conn();
    expect((await saslPlainLogin(c, 'bob', 'bob-secret', 0)).errorCode).toBe(ErrorCode.NONE);
    expect(await metadataWorks(c)).toBe(true);
  });

  it('SaslHandshake v0: a raw token is answered with an empty raw token', async () => {
    const c = await conn();
    expect((await c.request(17, 0, { mechanism: 'PLAIN' })).errorCode).toBe(ErrorCode.NONE);
    c.sendRaw(sizePrefixed(plainToken('alice', 'alice-secret')));
    expect((await c.readFrame()).length).toBe(0);
    expect(await metadataWorks(c)).toBe(true);
  });

  it('SaslHandshake v0 with a wrong password: no answer, closed after the failed-authentication delay', async () => {
    const c = await conn();
    await c.request(17, 0, { mechanism: 'PLAIN' });
    const before = c.bytesReceived;
    const t0 = Date.now();
    c.sendRaw(sizePrefixed(plainToken('alice', 'wrong')));
    expect(await c.waitClosed(5000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(c.bytesReceived).toBe(before);
  });

  it('a wrong password or an unknown user: SASL_AUTHENTICATION_FAILED after the delay, then closed', async () => {
    for (const [user, pw] of [['alice', 'not-her-password'], ['mallory', 'alice-secret']]) {
      const c = await conn();
      const t0 = Date.now();
      const res = await saslPlainLogin(c, user, pw);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(res).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password' });
      expect(await c.waitClosed(3000)).toBe(true);
    }
  });

  it('an unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then closed', async () => {
    const c = await conn();
    expect(await c.request(17, 1, { mechanism: 'SCRAM-SHA-512' })).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
    expect(await c.waitClosed(3000)).toBe(true);
  });

  it.each([
    ['Metadata before authentication', () => [{ key: 3, v: 12, body: { topics: null } }]],
    ['SaslAuthenticate before SaslHandshake', () => [{ key: 36, v: 2, body: { authBytes: plainToken('alice', 'alice-secret') } }]],
    ['a second ApiVersions', () => [{ key: 18, v: 0, body: {} }, { key: 18, v: 0, body: {} }]],
  ])('%s closes the connection', async (_name, steps) => {
    const c = await conn();
    const list = steps();
    for (const s of list.slice(0, -1)) await c.request(s.key, s.v, s.body);
    const last = list[list.length - 1];
    const before = c.bytesReceived;
    c.send(last.key, last.v, last.body);
    expect(await c.waitClosed(3000)).toBe(true);
    expect(c.bytesReceived).toBe(before);
  });

  it('another request after SaslHandshake v1 closes the connection', async () => {
    const c = await conn();
    await c.request(17, 1, { mechanism: 'PLAIN' });
    c.send(3, 12, { topics: null });
    expect(await c.waitClosed(3000)).toBe(true);
  });

  it('garbage SaslAuthenticate tokens fail authentication; garbage frames before it close', async () => {
    const rand = prng(7);
    for (let i = 0; i < 5; i++) {
      const token = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256)));
      const c = await conn();
      await c.request(17, 1, { mechanism: 'PLAIN' });
      expect((await c.request(36, 2, { authBytes: token })).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(await c.waitClosed(3000)).toBe(true);
    }
    for (let i = 0; i < 5; i++) {
      const c = await conn();
      const body = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      c.sendRaw(rawFrame(Math.floor(rand() * 100) + 100, Math.floor(rand() * 20), i, body));
      expect(await c.waitClosed(3000)).toBe(true);
    }
    // A truncated SaslHandshake body.
    const c = await conn();
    c.sendRaw(rawFrame(17, 1, 1, Buffer.from([0x00])));
    expect(await c.waitClosed(3000)).toBe(true);
  });

  it('a frame over sasl.server.max.receive.size before authentication closes the connection', async () => {
    const c = await conn();
    await c.request(17, 1, { mechanism: 'PLAIN' });
    const head = Buffer.alloc(4);
    head.writeInt32BE(524_289, 0);
    c.sendRaw(head);
    c.sendRaw(Buffer.alloc(1000));
    expect(await c.waitClosed(3000)).toBe(true);
    // The same size is fine once authenticated (socket.request.max.bytes applies then).
    const ok = await conn();
    await saslPlainLogin(ok, 'alice', 'alice-secret');
    const topics = Array.from({ length: 40_000 }, (_, i) => ({ name: `t-${String(i).padStart(14, '0')}` }));
    ok.send(3, 4, { topics, allowAutoTopicCreation: false });
    const md = await ok.receive(10_000);
    expect(md.body.topics.length).toBe(40_000);
  });

  it('many failed logins at once do not hold up a good one', async () => {
    const slow = await startSaslBroker({ 'connection.failed.authentication.delay.ms': 3000 });
    try {
      const port = slow.broker.port;
      const bad = await Promise.all(Array.from({ length: 40 }, () => conn(port)));
      await Promise.all(bad.map((c) => c.request(17, 1, { mechanism: 'PLAIN' })));
      for (const c of bad) c.send(36, 2, { authBytes: plainToken('alice', 'guess') });
      const t0 = Date.now();
      const good = await conn(port);
      expect((await saslPlainLogin(good, 'alice', 'alice-secret')).errorCode).toBe(ErrorCode.NONE);
      expect(await metadataWorks(good)).toBe(true);
      // Well inside the 3 s every failure waits: nothing waited on them.
      expect(Date.now() - t0).toBeLessThan(2000);
      for (const c of bad) expect((await c.receive(10_000)).body.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    } finally {
      await slow.broker.close();
    }
  });

  it('no credential appears in the broker log', async () => {
    const c = await conn();
    await saslPlainLogin(c, 'alice', 'wrong-password-xyz');
    await c.waitClosed(3000);
    const text = sb.logText();
    expect(text).toContain('failed authentication');
    for (const secret of ['alice-secret', 'bob-secret', 'admin-secret', 'wrong-password-xyz', 'not-her-password', 'guess']) expect(text).not.toContain(secret);
  });
});

describe('SASL timeouts and KIP-368 re-authentication', () => {
  let short: SaslBroker;
  beforeAll(async () => {
    short = await startSaslBroker({ 'connections.max.reauth.ms': 1500, 'runnel.sasl.handshake.timeout.ms': 700 });
  });
  afterAll(async () => {
    await short?.broker.close();
  });

  it('a connection that does not authenticate in time is closed', async () => {
    const idle = await conn(short.broker.port);
    const halfway = await conn(short.broker.port);
    await halfway.request(17, 1, { mechanism: 'PLAIN' });
    expect(await idle.waitClosed(5000)).toBe(true);
    expect(await halfway.waitClosed(5000)).toBe(true);
  });

  it('session_lifetime_ms is connections.max.reauth.ms; a client that does not re-authenticate is closed on its next request', async () => {
    const c = await conn(short.broker.port);
    expect((await saslPlainLogin(c, 'alice', 'alice-secret')).sessionLifetimeMs).toBe(1500n);
    expect(await metadataWorks(c)).toBe(true);
    await sleep(1700);
    const before = c.bytesReceived;
    c.send(3, 12, { topics: null });
    expect(await c.waitClosed(3000)).toBe(true);
    expect(c.bytesReceived).toBe(before);
  });

  it('re-authentication as the same user extends the session', async () => {
    const c = await conn(short.broker.port);
    await saslPlainLogin(c, 'alice', 'alice-secret');
    for (let i = 0; i < 2; i++) {
      await sleep(1100);
      expect(await saslPlainLogin(c, 'alice', 'alice-secret')).toMatchObject({ errorCode: ErrorCode.NONE, sessionLifetimeMs: 1500n });
      expect(await metadataWorks(c)).toBe(true);
    }
    // 2.2 s after the first login: alive only because it re-authenticated.
    expect(await metadataWorks(c)).toBe(true);
  });

  it('re-authentication as another user is refused and the connection closed', async () => {
    const c = await conn(short.broker.port);
    await saslPlainLogin(c, 'alice', 'alice-secret');
    await sleep(1100);
    const res = await saslPlainLogin(c, 'bob', 'bob-secret');
    expect(res).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication from User.alice: User.bob' });
    expect(await c.waitClosed(3000)).toBe(true);
  });

  it('a re-authentication pipelined behind a Produce still waiting for its write: the Produce is answered first', async () => {
    const c = await conn(short.broker.port);
    await saslPlainLogin(c, 'alice', 'alice-secret');
    const topic = 'reauth-pipelined';
    const produce = (value: string) => ({
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: topic, topicId: '00000000-0000-0000-0000-000000000000', partitionData: [{ index: 0, records: createBatch([{ key: null, value: Buffer.from(value) }]) }] }],
    });
    expect((await c.request(0, 9, produce('create'))).responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const original = LogPartition.prototype.append;
    const spy = vi.spyOn(LogPartition.prototype, 'append').mockImplementationOnce(function (this: LogPartition, ...args) {
      const pending = original.apply(this, args);
      const written = pending.written.then(async (r) => (await held, r));
      return { written, committed: written };
    });
    try {
      await sleep(1100);
      const produceId = c.send(0, 9, produce('held'));
      c.send(17, 1, { mechanism: 'PLAIN' });
      c.send(36, 2, { authBytes: plainToken('bob', 'bob-secret') }); // another user: refused, then closed
      // Longer than the failed-authentication delay: a refusal answered meanwhile would close the connection first.
      await sleep(600);
      release();
      const first = await c.receive(3000);
      expect(first.correlationId).toBe(produceId);
      expect(first.body.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
      expect((await c.receive(3000)).body.errorCode).toBe(ErrorCode.NONE);
      expect((await c.receive(3000)).body.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(await c.waitClosed(3000)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('the handshake timeout applies to a re-authentication too', async () => {
    const c = await conn(short.broker.port);
    await saslPlainLogin(c, 'alice', 'alice-secret');
    await sleep(1100);
    await c.request(17, 1, { mechanism: 'PLAIN' });
    expect(await c.waitClosed(5000)).toBe(true);
  });
});
