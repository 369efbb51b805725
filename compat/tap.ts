/**
 * A recording TCP proxy for debugging a client against the broker: every request and response
 * frame that passes is written as one JSON line (connection, direction, API, version, correlation
 * id, client id, the body decoded with Runnel's codecs, and the raw bytes in hex).
 *
 * compat/run.ts puts it in front of the broker when RUNNEL_COMPAT_TAP=<file> is set, and makes the
 * broker advertise the proxy's port so that clients stay on it after bootstrapping. Bodies are
 * decoded by Runnel's own generated codecs, so a codec bug can hide in them: the hex is the truth.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readHeader, responseHeaderVersion } from '../src/protocol/header.js';
import { apiCodecs } from '../src/protocol/messages/index.js';
import { readResponseHeader } from '../src/protocol/messages/headers.js';
import { Reader } from '../src/protocol/primitives/reader.js';

const MAX_HEX = 8192;

export interface Tap {
  port: number;
  /** Where to forward connections; set once the broker is up. */
  target(host: string, port: number): void;
  close(): Promise<void>;
}

export async function startTap(file: string): Promise<Tap> {
  const out = createWriteStream(file, { flags: 'w' });
  let targetHost = 'localhost';
  let targetPort = 0;
  let nextConn = 1;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const conn = nextConn++;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const inflight = new Map<number, { apiKey: number; version: number }>();
    const toBroker = framer((frame) => record(out, conn, inflight, 'request', frame));
    const toClient = framer((frame) => record(out, conn, inflight, 'response', frame));
    client.on('data', (d: Buffer) => {
      toBroker(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      toClient(d);
      client.write(d);
    });
    const end = (why: string) => () => {
      if (client.destroyed && upstream.destroyed) return;
      write(out, { conn, event: why });
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end('client closed'));
    upstream.on('close', end('broker closed'));
    client.on('error', () => {});
    upstream.on('error', () => {});
    write(out, { conn, event: 'connected', remote: `${client.remoteAddress}:${client.remotePort}` });
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tap: no port');
  return {
    port: address.port,
    target(host, port) {
      targetHost = host === '::' || host === '0.0.0.0' || host === '' ? 'localhost' : host;
      targetPort = port;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => out.end(resolve));
    },
  };
}

/** Splits a byte stream into size-prefixed Kafka frames (without the size). */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const size = buf.readInt32BE(0);
      if (size < 0 || buf.length < 4 + size) break;
      onFrame(buf.subarray(4, 4 + size));
      buf = buf.subarray(4 + size);
    }
  };
}

function record(
  out: WriteStream,
  conn: number,
  inflight: Map<number, { apiKey: number; version: number }>,
  dir: 'request' | 'response',
  frame: Buffer,
): void {
  const entry: Record<string, unknown> = { conn, dir, bytes: frame.length };
  try {
    if (dir === 'request') {
      const apiKey = frame.readInt16BE(0);
      const version = frame.readInt16BE(2);
      const correlationId = frame.readInt32BE(4);
      inflight.set(correlationId, { apiKey, version });
      const codec = apiCodecs.get(apiKey);
      Object.assign(entry, { api: codec?.name ?? `key ${apiKey}`, version, correlationId });
      const { header, reader } = readHeader(frame);
      entry.clientId = header.clientId;
      if (codec && version >= codec.minVersion && version <= codec.maxVersion) entry.body = codec.readRequest(reader, version);
    } else {
      const correlationId = frame.readInt32BE(0);
      const req = inflight.get(correlationId);
      inflight.delete(correlationId);
      entry.correlationId = correlationId;
      if (req) {
        const codec = apiCodecs.get(req.apiKey);
        Object.assign(entry, { api: codec?.name ?? `key ${req.apiKey}`, version: req.version });
        const reader = new Reader(frame);
        readResponseHeader(reader, responseHeaderVersion(req.apiKey, req.version));
        if (codec) entry.body = codec.readResponse(reader, req.version);
      }
    }
  } catch (err) {
    entry.decodeError = err instanceof Error ? err.message : String(err);
  }
  entry.hex = frame.subarray(0, MAX_HEX).toString('hex') + (frame.length > MAX_HEX ? '…' : '');
  write(out, entry);
}

function write(out: WriteStream, entry: Record<string, unknown>): void {
  const line = JSON.stringify({ t: new Date().toISOString(), ...entry }, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    // Buffer#toJSON has already run: { type: 'Buffer', data: [...] }.
    const b = v as { type?: unknown; data?: unknown } | null;
    if (b && typeof b === 'object' && b.type === 'Buffer' && Array.isArray(b.data)) return Buffer.from(b.data as number[]).toString('hex');
    return v;
  });
  out.write(line + '\n');
}
