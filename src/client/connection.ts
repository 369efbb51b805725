/**
 * One TCP connection to one broker: request frames encoded with Runnel's generated codecs,
 * responses matched by correlation id and decoded with the version they were asked in. On open it
 * runs ApiVersions and keeps, per API, the highest version both sides speak. With security
 * settings it speaks TLS (SSL, SASL_SSL) and authenticates after ApiVersions (SASL_*), and
 * re-authenticates before the session the broker granted ends (KIP-368).
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { reauthDelayMs, saslAuthenticate } from './security/sasl-authenticate.js';
import type { ClientSecurity } from './security/client-security.js';
import { tlsForHost } from './security/tls-options.js';
import * as messages from '../protocol/messages/index.js';
import { apiCodecs, type ApiCodec } from '../protocol/messages/index.js';
import { readResponseHeader, sizeRequestHeader, writeRequestHeader } from '../protocol/messages/headers.js';
import { requestHeaderVersion, responseHeaderVersion } from '../protocol/header.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { ClientError } from './errors.js';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DescribeConfigs: 32,
  DescribeLogDirs: 35,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
} as const;

/**
 * The version range this client implements per API, where it is narrower than the codecs': Produce
 * and Fetch from v13 name topics by id only, ListOffsets v0 answers in another shape.
 */
const CLIENT_RANGE: Record<number, [number, number]> = {
  [ApiKey.Produce]: [3, 12],
  [ApiKey.Fetch]: [4, 12],
  [ApiKey.ListOffsets]: [1, 10],
  [ApiKey.Metadata]: [1, 12],
  [ApiKey.OffsetCommit]: [2, 9],
  [ApiKey.OffsetFetch]: [1, 9],
};

export interface Address {
  host: string;
  port: number;
}

export function parseAddress(s: string): Address {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.trim());
  if (!m || !m[1]) throw new ClientError(`bad broker address '${s}' (expected host:port)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new ClientError(`bad port in '${s}'`);
  return { host: m[1], port };
}

export interface ConnectionOptions {
  clientId?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL; plaintext when left out. */
  security?: ClientSecurity;
}

interface Pending {
  codec: ApiCodec;
  version: number;
  resolve(body: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

function codecOf(apiKey: number): ApiCodec {
  const codec = apiCodecs.get(apiKey);
  if (!codec) throw new ClientError(`no codec for API key ${apiKey}`);
  return codec;
}

/** The generated default request of an API, overlaid with `partial`. */
function requestBody(codec: ApiCodec, partial: object): Record<string, unknown> {
  const make = (messages as unknown as Record<string, unknown>)[`default${codec.name}Request`] as () => Record<string, unknown>;
  return { ...make(), ...partial };
}

export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  /** While a re-authentication runs, requests wait for it. */
  private reauthenticating: Promise<void> | undefined;
  private reauthTimer: NodeJS.Timeout | undefined;
  /** Negotiated version per API key. */
  readonly versions = new Map<number, number>();

  private constructor(
    readonly address: Address,
    private readonly socket: Socket,
    private readonly opts: Required<ConnectionOptions>,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new ClientError(`connection to ${this.label} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    socket.on('close', () => this.fail(new ClientError(`connection to ${this.label} closed by the broker`)));
  }

  get label(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  static async open(address: Address, options: ConnectionOptions = {}): Promise<Connection> {
    const opts: Required<ConnectionOptions> = { clientId: 'runnel-cli', connectTimeoutMs: 10_000, requestTimeoutMs: 30_000, ...options, security: options.security ?? { protocol: 'PLAINTEXT' } };
    const label = `${address.host}:${address.port}`;
    const tls = opts.security.tls;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls ? tlsConnect({ ...tlsForHost(tls, address.host), port: address.port }) : connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ClientError(`cannot connect to ${label}: ${tls ? 'TLS handshake ' : ''}timed out after ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ClientError(`cannot connect to ${label}${tls ? ' over TLS' : ''}: ${tls ? err.message : (err.code ?? err.message)}`));
      });
      s.once('close', () => {
        clearTimeout(timer);
        reject(new ClientError(`cannot connect to ${label}: closed by the broker${tls ? ' during the TLS handshake' : ''}`));
      });
      s.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        s.removeAllListeners('close');
        resolve(s);
      });
    });
    const conn = new Connection(address, socket, opts);
    try {
      await conn.negotiate();
      if (opts.security.sasl) await conn.authenticate();
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  /** SASL authentication, then a timer for the next one when the broker limits the session. */
  private async authenticate(): Promise<void> {
    const lifetime = await saslAuthenticate({ label: this.label, versions: this.versions, send: (k, v, b) => this.send(k, v, b) }, this.opts.security.sasl!);
    if (lifetime > 0 && !this.failure) {
      this.reauthTimer = setTimeout(() => this.reauthenticate(), reauthDelayMs(lifetime));
      this.reauthTimer.unref();
    }
  }

  /** A failed re-authentication ends the connection: the broker would close it at expiry anyway. */
  private reauthenticate(): void {
    if (this.failure || this.reauthenticating) return;
    this.reauthenticating = this.authenticate().then(
      () => {
        this.reauthenticating = undefined;
      },
      (err: Error) => {
        this.reauthenticating = undefined;
        this.fail(err instanceof ClientError ? err : new ClientError(`re-authentication to ${this.label} failed: ${err.message}`));
        this.socket.destroy();
      },
    );
  }

  /** ApiVersions v3 (v0 when the broker refuses it), then the highest common version per API. */
  private async negotiate(): Promise<void> {
    const req = { clientSoftwareName: 'runnel-cli', clientSoftwareVersion: '0' };
    let res = await this.send<messages.ApiVersionsResponse>(ApiKey.ApiVersions, 3, req);
    if (res.errorCode === 35) res = await this.send<messages.ApiVersionsResponse>(ApiKey.ApiVersions, 0, {});
    if (res.errorCode !== 0) throw new ClientError(`${this.label} refused ApiVersions (error code ${res.errorCode})`);
    for (const k of res.apiKeys) {
      const codec = apiCodecs.get(k.apiKey);
      if (!codec) continue;
      const [cmin, cmax] = CLIENT_RANGE[k.apiKey] ?? [codec.minVersion, codec.maxVersion];
      const hi = Math.min(k.maxVersion, cmax, codec.maxVersion);
      const lo = Math.max(k.minVersion, cmin, codec.minVersion);
      if (hi >= lo) this.versions.set(k.apiKey, hi);
    }
  }

  /** The negotiated version of an API; throws when the broker and this client share none. */
  version(apiKey: number): number {
    const v = this.versions.get(apiKey);
    if (v === undefined) throw new ClientError(`${this.label} does not support ${codecOf(apiKey).name} in a version this client speaks`);
    return v;
  }

  /** Sends a request in the negotiated version (or `version`) and resolves with the decoded response. */
  request<Res>(apiKey: number, body: object, version = this.version(apiKey)): Promise<Res> {
    const gate = this.reauthenticating;
    return gate ? gate.then(() => this.send<Res>(apiKey, version, body)) : this.send<Res>(apiKey, version, body);
  }

  /** Writes a request that gets no response (Produce with acks=0). */
  fireAndForget(apiKey: number, body: object, version = this.version(apiKey)): void {
    if (this.failure) throw this.failure;
    const frame = this.encode(apiKey, version, body, this.nextId++);
    const gate = this.reauthenticating;
    if (gate) void gate.then(() => !this.failure && this.socket.write(frame));
    else this.socket.write(frame);
  }

  private encode(apiKey: number, version: number, partial: object, correlationId: number): Buffer {
    const codec = codecOf(apiKey);
    const body = requestBody(codec, partial);
    const hv = requestHeaderVersion(codec, version);
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.opts.clientId };
    const size = sizeRequestHeader(header, hv) + codec.sizeRequest(body, version);
    const w = Writer.alloc(4 + size);
    w.int32(size);
    writeRequestHeader(w, header, hv);
    codec.writeRequest(w, body, version);
    return w.buf;
  }

  private send<Res>(apiKey: number, version: number, body: object): Promise<Res> {
    if (this.failure) return Promise.reject(this.failure);
    const codec = codecOf(apiKey);
    const correlationId = this.nextId++;
    const frame = this.encode(apiKey, version, body, correlationId);
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new ClientError(`${codec.name} to ${this.label}: no response within ${this.opts.requestTimeoutMs} ms`));
      }, this.opts.requestTimeoutMs);
      this.pending.set(correlationId, { codec, version, resolve: resolve as (b: unknown) => void, reject, timer });
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [head];
      const size = head.readInt32BE(0);
      if (size < 4) {
        this.fail(new ClientError(`${this.label} sent a response frame of ${size} bytes`));
        this.socket.destroy();
        return;
      }
      if (head.length < 4 + size) break;
      const frame = head.subarray(4, 4 + size);
      const rest = head.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (!p) return; // a late answer to a request that timed out
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      readResponseHeader(r, responseHeaderVersion(p.codec.key, p.version));
      p.resolve(p.codec.readResponse(r, p.version));
    } catch (err) {
      p.reject(new ClientError(`cannot decode ${p.codec.name} v${p.version} response from ${this.label}: ${(err as Error).message}`));
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    clearTimeout(this.reauthTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
    this.pending.clear();
  }

  /** Ends the connection once written data is flushed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      clearTimeout(this.reauthTimer);
      if (this.socket.destroyed) return resolve();
      this.failure ??= new ClientError(`connection to ${this.label} is closed`);
      const t = setTimeout(() => this.socket.destroy(), 2000);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.socket.end();
    });
  }
}
