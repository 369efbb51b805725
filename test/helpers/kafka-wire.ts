/**
 * A raw Kafka wire client for tests: one TCP socket, request frames encoded with Runnel's generated
 * codecs, response frames split out of the byte stream and decoded with the generated readers.
 *
 * Requests may be pipelined: `send()` only writes, and `receive()` decodes the next frame with the
 * API and version of the oldest request that has not been answered yet. Hostile tests use
 * `sendRaw()` / `writeSlowly()` and `waitClosed()`.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiCodecs, type ApiCodec } from '../../src/protocol/messages/index.js';
import * as messages from '../../src/protocol/messages/index.js';
import { readResponseHeader, sizeRequestHeader, writeRequestHeader } from '../../src/protocol/messages/headers.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

export interface EncodeOptions {
  correlationId: number;
  clientId?: string | null;
  /** Force a request header version (default: what the API and version call for). */
  headerVersion?: number;
}

function codecOf(apiKey: number): ApiCodec {
  const codec = apiCodecs.get(apiKey);
  if (!codec) throw new Error(`no codec for API key ${apiKey}`);
  return codec;
}

/** The generated default body of a request, overlaid with `partial`. */
export function requestBody(apiKey: number, partial: Record<string, unknown> = {}): Record<string, unknown> {
  const codec = codecOf(apiKey);
  const make = (messages as unknown as Record<string, unknown>)[`default${codec.name}Request`];
  if (typeof make !== 'function') throw new Error(`no default${codec.name}Request`);
  return { ...(make as () => Record<string, unknown>)(), ...partial };
}

/** A complete request frame (size prefix included) encoded with the generated codecs. */
export function encodeRequest(apiKey: number, version: number, body: Record<string, unknown>, opts: EncodeOptions): Buffer {
  const codec = codecOf(apiKey);
  const hv = opts.headerVersion ?? requestHeaderVersion(codec, version);
  const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: opts.correlationId, clientId: opts.clientId === undefined ? 'kafka-wire' : opts.clientId };
  const size = sizeRequestHeader(header, hv) + codec.sizeRequest(body, version);
  const w = Writer.alloc(4 + size);
  w.int32(size);
  writeRequestHeader(w, header, hv);
  codec.writeRequest(w, body, version);
  if (w.pos !== 4 + size) throw new Error(`encoded ${w.pos - 4} bytes, sized ${size}`);
  return w.buf;
}

/** A frame with a hand-made header (v1: key, version, correlation id, client id) and raw body bytes. */
export function rawFrame(apiKey: number, version: number, correlationId: number, body: Buffer = Buffer.alloc(0), clientId: string | null = 'kafka-wire'): Buffer {
  const id = clientId === null ? null : Buffer.from(clientId, 'utf8');
  const headerSize = 2 + 2 + 4 + 2 + (id ? id.length : 0);
  const out = Buffer.alloc(4 + headerSize + body.length);
  let p = out.writeInt32BE(headerSize + body.length, 0);
  p = out.writeInt16BE(apiKey, p);
  p = out.writeInt16BE(version, p);
  p = out.writeInt32BE(correlationId, p);
  p = out.writeInt16BE(id ? id.length : -1, p);
  if (id) p += id.copy(out, p);
  body.copy(out, p);
  return out;
}

export interface DecodedResponse<T = any> {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  body: T;
  /** The response frame without its size prefix. */
  frame: Buffer;
}

/** Decodes a response frame (without size prefix); throws unless the frame is consumed exactly. */
export function decodeResponse<T = any>(apiKey: number, version: number, frame: Buffer): DecodedResponse<T> {
  const codec = codecOf(apiKey);
  const r = new Reader(frame);
  const header = readResponseHeader(r, responseHeaderVersion(apiKey, version));
  const body = codec.readResponse(r, version) as T;
  if (r.remaining !== 0) throw new Error(`${codec.name} v${version} response has ${r.remaining} trailing bytes`);
  return { apiKey, apiVersion: version, correlationId: header.correlationId, body, frame };
}

interface Pending {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export class KafkaWire {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  private readonly pending: Pending[] = [];
  private nextId = 1;
  private ended = false;
  private closedFlag = false;
  private protocolError: Error | undefined;
  /** Total response bytes received (size prefixes included). */
  bytesReceived = 0;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closedFlag = true;
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<KafkaWire> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new KafkaWire(socket));
      });
    });
  }

  /** True once the peer ended or closed the connection. */
  get closed(): boolean {
    return this.ended || this.closedFlag;
  }

  /** Frames received and not read yet. */
  get framesAvailable(): number {
    return this.frames.length;
  }

  get inFlight(): number {
    return this.pending.length;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [head];
      const size = head.readInt32BE(0);
      if (size < 0) {
        this.protocolError = new Error(`response frame with negative size ${size}`);
        this.socket.destroy();
        break;
      }
      if (head.length < 4 + size) break;
      this.frames.push(head.subarray(4, 4 + size));
      const rest = head.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    this.wake();
  }

  /** Writes a request; returns its correlation id. Responses are matched in send order. */
  send(apiKey: number, version: number, body: Record<string, unknown> = {}, opts: Partial<EncodeOptions> = {}): number {
    const correlationId = opts.correlationId ?? this.nextId++;
    const frame = encodeRequest(apiKey, version, requestBody(apiKey, body), { ...opts, correlationId });
    this.pending.push({ apiKey, apiVersion: version, correlationId });
    this.socket.write(frame);
    return correlationId;
  }

  /** Registers that a response is expected for a frame written with sendRaw(). */
  expect(apiKey: number, apiVersion: number, correlationId: number): void {
    this.pending.push({ apiKey, apiVersion, correlationId });
  }

  /** Writes bytes as they are; resolves when they were handed to the kernel (or false when the socket is backed up). */
  sendRaw(bytes: Buffer | Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  /** Writes bytes in pieces of `piece` bytes, waiting `delayMs` (a macrotask at least) between them. */
  async writeSlowly(bytes: Buffer, piece = 1, delayMs = 0): Promise<void> {
    for (let i = 0; i < bytes.length; i += piece) {
      this.socket.write(bytes.subarray(i, i + piece));
      await sleep(delayMs);
    }
  }

  /** The next response frame (without size prefix). Rejects on timeout or when the peer closes first. */
  async readFrame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.protocolError) throw this.protocolError;
      if (this.closed) throw new Error('connection closed before a response arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Reads and decodes the response to the oldest outstanding request. */
  async receive<T = any>(timeoutMs = 5000): Promise<DecodedResponse<T>> {
    const p = this.pending[0];
    if (!p) throw new Error('no request outstanding');
    const frame = await this.readFrame(timeoutMs);
    this.pending.shift();
    const res = decodeResponse<T>(p.apiKey, p.apiVersion, frame);
    if (res.correlationId !== p.correlationId)
      throw new Error(`response correlation id ${res.correlationId}, expected ${p.correlationId} (API ${p.apiKey} v${p.apiVersion})`);
    return res;
  }

  /** Sends one request and returns the decoded body of its response. */
  async request<T = any>(apiKey: number, version: number, body: Record<string, unknown> = {}, timeoutMs = 5000): Promise<T> {
    if (this.pending.length > 0) throw new Error('request() with responses outstanding; use send()/receive()');
    this.send(apiKey, version, body);
    return (await this.receive<T>(timeoutMs)).body;
  }

  /** Resolves true when the peer closes (or ends) the connection within timeoutMs, false otherwise. */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    if (this.closed) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ended = new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (this.closed) resolve(true);
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
    const r = await Promise.race([ended, timedOut]);
    clearTimeout(timer);
    return r;
  }

  /** Stops reading from the socket (the kernel buffers fill up and the peer's writes block). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes our side and waits for the socket to be fully closed. */
  async close(): Promise<void> {
    if (!this.closedFlag) {
      this.socket.end();
      const t = setTimeout(() => this.socket.destroy(), 1000);
      await this.closedPromise;
      clearTimeout(t);
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects, runs ApiVersions v0 and closes: proves the broker still serves new connections. */
export async function apiVersionsWorks(port: number, host = '127.0.0.1'): Promise<boolean> {
  const c = await KafkaWire.connect(port, host);
  try {
    const res = await c.request(18, 0, {}, 3000);
    return res.errorCode === 0 && Array.isArray(res.apiKeys) && res.apiKeys.length > 0;
  } finally {
    await c.close();
  }
}

/** A small seeded PRNG (mulberry32) for reproducible random bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The address a test client should use for a broker bound to `host` (wildcards become loopback). */
export function clientHost(host: string): string {
  return host === '::' || host === '0.0.0.0' || host === '' ? '127.0.0.1' : host;
}

/** A Fetch body for one partition of one topic (by name; topic ids from v13 go in `extra` or the name is ''), any version. */
export function fetchBody(topic: string, partition: number, offset: bigint, extra: Record<string, unknown> = {}, partitionExtra: Record<string, unknown> = {}) {
  const ZERO_ID = '00000000-0000-0000-0000-000000000000';
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, topicId: ZERO_ID, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: ZERO_ID, highWatermark: 9223372036854775807n, ...partitionExtra }] }],
    forgottenTopicsData: [],
    rackId: '',
    ...extra,
  };
}
