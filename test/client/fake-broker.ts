/**
 * A tiny stand-in broker for client security tests: plain TCP or TLS, answering ApiVersions,
 * SaslHandshake and SaslAuthenticate with Runnel's generated codecs, and a scripted SASL server.
 * Test certificates come from openssl (CA, a server certificate for localhost/127.0.0.1, a client
 * certificate; PEM and PKCS12).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as netServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as tlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import { apiCodecs } from '../../src/protocol/messages/index.js';
import * as messages from '../../src/protocol/messages/index.js';
import { readRequestHeader, sizeResponseHeader, writeResponseHeader } from '../../src/protocol/messages/headers.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

export interface SaslReply {
  errorCode?: number;
  errorMessage?: string | null;
  authBytes?: Buffer;
  sessionLifetimeMs?: number;
}

export interface FakeBrokerOptions {
  tls?: TlsOptions;
  /** Enabled mechanisms; each authentication calls `authenticate` once per SaslAuthenticate. */
  mechanisms?: string[];
  authenticate?(mechanism: string, authBytes: Buffer, step: number): SaslReply;
}

export interface FakeBroker {
  port: number;
  /** API keys received, in order, over all connections. */
  readonly requests: number[];
  /** Client certificate subjects CN seen on TLS connections. */
  readonly peerCNs: string[];
  close(): Promise<void>;
}

const API_VERSIONS = 18;

function respond(socket: Socket, apiKey: number, version: number, correlationId: number, body: object): void {
  const codec = apiCodecs.get(apiKey)!;
  const make = (messages as unknown as Record<string, () => object>)[`default${codec.name}Response`];
  const full = { ...make(), ...body };
  const hv = apiKey === API_VERSIONS ? 0 : responseHeaderVersion(apiKey, version);
  const size = sizeResponseHeader({ correlationId }, hv) + codec.sizeResponse(full, version);
  const w = Writer.alloc(4 + size);
  w.int32(size);
  writeResponseHeader(w, { correlationId }, hv);
  codec.writeResponse(w, full, version);
  socket.write(w.buf);
}

export async function fakeBroker(o: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const requests: number[] = [];
  const peerCNs: string[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if ('getPeerCertificate' in socket) {
      const cn = (socket as TLSSocket).getPeerCertificate()?.subject?.CN;
      if (cn) peerCNs.push(Array.isArray(cn) ? cn[0] : cn);
    }
    let buf = Buffer.alloc(0);
    let mechanism = '';
    let step = 0;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const r = new Reader(frame);
        const apiKey = frame.readInt16BE(0);
        const version = frame.readInt16BE(2);
        const codec = apiCodecs.get(apiKey)!;
        const header = readRequestHeader(r, requestHeaderVersion(codec, version));
        const req = codec.readRequest(r, version) as Record<string, unknown>;
        requests.push(apiKey);
        const id = header.correlationId;
        if (apiKey === API_VERSIONS) {
          const keys = [API_VERSIONS, 17, 36, 3].map((k) => ({ apiKey: k, minVersion: apiCodecs.get(k)!.minVersion, maxVersion: apiCodecs.get(k)!.maxVersion }));
          respond(socket, apiKey, version, id, { errorCode: 0, apiKeys: keys });
        } else if (apiKey === 17) {
          mechanism = req.mechanism as string;
          step = 0;
          const ok = (o.mechanisms ?? []).includes(mechanism);
          respond(socket, apiKey, version, id, { errorCode: ok ? 0 : 33, mechanisms: o.mechanisms ?? [] });
        } else if (apiKey === 36) {
          const reply = o.authenticate!(mechanism, req.authBytes as Buffer, step++);
          respond(socket, apiKey, version, id, {
            errorCode: reply.errorCode ?? 0,
            errorMessage: reply.errorMessage ?? null,
            authBytes: reply.authBytes ?? Buffer.alloc(0),
            sessionLifetimeMs: BigInt(reply.sessionLifetimeMs ?? 0),
          });
        } else {
          socket.destroy();
        }
      }
    });
  };
  const server: Server = o.tls ? tlsServer(o.tls, onSocket) : netServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    peerCNs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestCerts {
  dir: string;
  caPem: string;
  caFile: string;
  serverKey: string;
  serverCert: string;
  /** A server certificate from the same CA for another host name. */
  elsewhereKey: string;
  elsewhereCert: string;
  /** A CA that signed nothing here: trusting it only must fail. */
  otherCaFile: string;
  clientKey: string;
  clientCert: string;
  /** Client key+chain in one PEM file. */
  clientPemFile: string;
  /** PKCS12 files: truststore (CA only) and client keystore, password "changeit". */
  trustP12: string;
  clientP12: string;
}

let cached: TestCerts | undefined;

/** CA, server cert (SAN localhost, 127.0.0.1), client cert (CN=client-app), made once per test file. */
export function testCerts(): TestCerts {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'runnel-client-certs-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const ca of ['ca', 'other-ca']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.pem`), '-days', '2', '-subj', `/CN=${ca}`);
  }
  const leaf = (name: string, cn: string, ext: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  leaf('elsewhere', 'elsewhere.example', 'subjectAltName=DNS:elsewhere.example\n');
  leaf('client', 'client-app', 'extendedKeyUsage=clientAuth\n');
  writeFileSync(f('client-all.pem'), readFileSync(f('client.key'), 'utf8') + readFileSync(f('client.pem'), 'utf8'));
  ssl('pkcs12', '-export', '-nokeys', '-in', f('ca.pem'), '-out', f('trust.p12'), '-passout', 'pass:changeit');
  ssl('pkcs12', '-export', '-inkey', f('client.key'), '-in', f('client.pem'), '-certfile', f('ca.pem'), '-out', f('client.p12'), '-passout', 'pass:changeit');
  const read = (n: string) => readFileSync(f(n), 'utf8');
  cached = {
    dir,
    caPem: read('ca.pem'),
    caFile: f('ca.pem'),
    serverKey: read('server.key'),
    serverCert: read('server.pem'),
    elsewhereKey: read('elsewhere.key'),
    elsewhereCert: read('elsewhere.pem'),
    otherCaFile: f('other-ca.pem'),
    clientKey: read('client.key'),
    clientCert: read('client.pem'),
    clientPemFile: f('client-all.pem'),
    trustP12: f('trust.p12'),
    clientP12: f('client.p12'),
  };
  return cached;
}
