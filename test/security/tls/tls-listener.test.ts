/**
 * TlsListener: the principal of a client certificate, refusals (no certificate when required, an
 * untrusted one, no mapping rule, plaintext bytes), and a renewed certificate picked up without a
 * restart (file change, settings change), a renewal under another name refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect as tcpConnect } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo, Server } from 'node:net';
import pino from 'pino';
import { TlsListener } from '../../../src/security/tls/tls-listener.js';
import { makeCa, makeCerts, issueCert, type Certs } from '../../helpers/certs.js';
import { until } from '../../helpers/until.js';

const logged = (re: RegExp, n = 1) => until(`log ${re}`, () => (logs.filter((l) => re.test(JSON.stringify(l))).length >= n ? true : undefined), 10_000, 50);

let certs: Certs;
beforeAll(() => {
  certs = makeCerts({ clients: ['alice'] });
});
afterAll(() => certs?.cleanup());

const logs: Array<{ msg: string }> = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });

let listener: TlsListener | undefined;
let server: Server | undefined;
afterEach(async () => {
  listener?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = listener = undefined;
});

/** Starts a listener; every accepted connection answers "hello <principal>" and closes. */
async function start(settings: Record<string, string>, reloadIntervalMs = 0): Promise<number> {
  listener = new TlsListener({ listenerName: 'SSL', securityProtocol: 'SSL', get: (k) => settings[k], reloadIntervalMs, log });
  server = listener.createServer((socket, principal) => socket.end(`hello ${principal ?? 'ANONYMOUS'}`));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Connects with TLS; resolves what the server said (or the error) and the server's certificate serial. */
function talk(port: number, client: { cert?: string; key?: string } = {}): Promise<{ said?: string; error?: string; serial?: string }> {
  return new Promise((resolve) => {
    let said = '';
    let serial: string | undefined;
    const s: TLSSocket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(certs.ca), cert: client.cert && readFileSync(client.cert), key: client.key && readFileSync(client.key) }, () => {
      serial = s.getPeerCertificate().serialNumber;
    });
    s.on('data', (d) => (said += d.toString()));
    s.on('error', (err) => resolve({ error: err.message, serial }));
    s.on('close', () => resolve(said ? { said, serial } : { error: 'closed without a word', serial }));
  });
}

const base = (extra: Record<string, string> = {}) => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': certs.server.pemStore, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': certs.ca, ...extra });

describe('TlsListener', () => {
  it('required: a client certificate gives the principal (DEFAULT: the whole DN); none is refused', async () => {
    const port = await start(base({ 'ssl.client.auth': 'required' }));
    expect(await talk(port, { cert: certs.clients.alice.cert, key: certs.clients.alice.key })).toMatchObject({ said: 'hello CN=alice,OU=clients,O=Runnel,C=US' });
    expect((await talk(port)).said).toBeUndefined();
  });

  it('mapping rules name the principal; a certificate no rule applies to is refused', async () => {
    const port = await start(base({ 'ssl.client.auth': 'required', 'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=clients,.*$/$1/U' }));
    expect((await talk(port, { cert: certs.clients.alice.cert, key: certs.clients.alice.key })).said).toBe('hello ALICE');
    const stranger = certs.issue('eve', { ou: 'outsiders', file: 'eve' });
    expect((await talk(port, { cert: stranger.cert, key: stranger.key })).said).toBeUndefined();
    expect(logs.some((l) => /no ssl.principal.mapping.rules rule applies/.test(l.msg))).toBe(true);
  });

  it('requested: no certificate is ANONYMOUS, an untrusted one is refused; none: certificates are not asked for', async () => {
    const other = makeCa(certs.dir, 'other-ca', 'Other CA');
    const mallory = issueCert(certs.dir, certs.password, other, 'mallory');
    let port = await start(base({ 'ssl.client.auth': 'requested' }));
    expect((await talk(port)).said).toBe('hello ANONYMOUS');
    expect((await talk(port, { cert: mallory.cert, key: mallory.key })).said).toBeUndefined();
    expect((await talk(port, { cert: certs.clients.alice.cert, key: certs.clients.alice.key })).said).toBe('hello CN=alice,OU=clients,O=Runnel,C=US');
    listener!.close();
    await new Promise((r) => server!.close(r));
    port = await start(base());
    expect((await talk(port, { cert: certs.clients.alice.cert, key: certs.clients.alice.key })).said).toBe('hello ANONYMOUS');
  });

  it('plaintext Kafka bytes on the TLS port: the connection is closed with a log line, the listener keeps serving', async () => {
    const port = await start(base());
    logs.length = 0;
    const closed = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => s.write(Buffer.from('000000120012000300000001000474657374', 'hex')));
      s.on('error', () => undefined);
      s.on('close', () => resolve(true));
    });
    expect(closed).toBe(true);
    await logged(/TLS handshake failed/);
    expect((await talk(port)).said).toBe('hello ANONYMOUS');
  });

  it('a renewed keystore file is picked up by new connections without a restart', async () => {
    const store = join(certs.dir, 'live-store.pem');
    copyFileSync(certs.server.pemStore, store);
    const port = await start(base({ 'ssl.keystore.location': store }), 100);
    const before = (await talk(port)).serial;
    const renewed = certs.issue('localhost', { file: 'server-renewed', ou: 'brokers', san: 'DNS:localhost,IP:127.0.0.1' });
    // Written next to it and renamed over it, as cert-manager and friends do.
    writeFileSync(store + '.tmp', readFileSync(renewed.pemStore));
    renameSync(store + '.tmp', store);
    await logged(/reloaded/);
    const after = (await talk(port)).serial;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it('a keystore for other names, or a broken file, is not applied: the current certificate stays', async () => {
    const store = join(certs.dir, 'live-store2.pem');
    copyFileSync(certs.server.pemStore, store);
    const port = await start(base({ 'ssl.keystore.location': store }), 100);
    const before = (await talk(port)).serial;
    logs.length = 0;
    const otherName = certs.issue('broker2', { file: 'broker2', ou: 'brokers', san: 'DNS:broker2' });
    copyFileSync(otherName.pemStore, store);
    await logged(/DistinguishedName or SubjectAltNames do not match/);
    writeFileSync(store, '-----BEGIN PRIVATE KEY-----\ntruncated');
    await logged(/not applied/, 2);
    expect((await talk(port)).serial).toBe(before);
  });

  it('a change of the settings (the listener keystore location) is applied by check()', async () => {
    const settings = base();
    const port = await start(settings);
    const before = (await talk(port)).serial;
    const renewed = certs.issue('localhost', { file: 'server-renewed2', ou: 'brokers', san: 'DNS:localhost,IP:127.0.0.1' });
    (settings as Record<string, string>)['listener.name.ssl.ssl.keystore.location'] = renewed.pemStore;
    expect(listener!.check()).toBe(true);
    expect((await talk(port)).serial).not.toBe(before);
    expect(listener!.check()).toBe(false);
  });
});
