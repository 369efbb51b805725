/**
 * One client connection: frames in, responses out in request order.
 *
 * A connection's requests are applied in the order they arrived, and answered in that order: a
 * client may pipeline, but the second Produce to a partition is never appended before the first,
 * and a request sees the effects of every earlier one on its connection (even acks=0 Produce,
 * which has no response). Most requests are handled one at a time, as Kafka does. A Produce says
 * when its batches have their offsets (ctx.applied); the next request is then decoded, validated
 * and applied while the Produce waits for its write, fsync or replicas, and its response waits its
 * turn. Without that overlap a client's next batch waits for the previous one's disk write, and
 * the produce path is bound by per-request latency rather than by CPU. SASL requests wait until
 * every earlier response is out, since they may close the connection.
 *
 * Frames read ahead wait in a short queue. Backpressure is pull-based: the socket is paused while
 * that queue is full, too many responses are outstanding, or the client is not reading its
 * responses, so a slow reader cannot make the broker buffer without bound.
 *
 * A client over a quota is muted as Kafka mutes its channel: its response goes out at once (with
 * throttle_time_ms), then nothing more is read or handled from it for the throttle time.
 *
 * On a SASL listener the connection's SaslSession (src/security/sasl/session.ts) looks at each
 * frame first: it may be served, fed to the mechanism as a raw token (after SaslHandshake v0), or
 * close the connection; a failed exchange is answered and closed after a delay on a timer.
 */
import type { Socket } from 'node:net';
import { FrameReader, FrameTooLarge } from './frame-reader.js';
import { dispatch, UnauthenticatedRequest, UnsupportedRequest } from './dispatch.js';
import { DecodeError } from '../protocol/primitives/errors.js';
import type { BrokerServices, ClientInfo } from '../handlers/types.js';
import type { Logger } from '../util/logger.js';
import type { SaslListener } from '../security/sasl/listener-sasl.js';
import type { SaslSession } from '../security/sasl/session.js';
import { usesSasl, type ListenerSpec } from '../security/listener-spec.js';
import { normalizeIp } from '../quotas/quota-entity.js';

export interface ConnectionOptions {
  maxRequestSize: number;
  /** Frames read ahead of the one being handled before the connection stops reading. */
  maxInFlight: number;
  /** Set on SASL_PLAINTEXT / SASL_SSL listeners: nothing but authentication is served until a SASL exchange succeeds. */
  sasl?: SaslListener;
}

/** Bytes of frames read ahead before the connection stops reading (one larger frame may exceed it). */
const READ_AHEAD_BYTES = 16 * 1024 * 1024;
/** Bytes of requests applied and not yet answered (a Produce's batches waiting for the disk) before no new one starts. */
const OUTSTANDING_BYTES = 32 * 1024 * 1024;

/** A request started and not yet answered: its response frame once it is ready. */
interface Outstanding {
  bytes: number;
  ready: boolean;
  out: Buffer[] | null;
  throttleMs: number;
}

const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;

/** Whether a request frame (its API key: the first two bytes) is SaslHandshake or SaslAuthenticate. */
function isSasl(frame: Buffer): boolean {
  const key = frame.length >= 2 ? frame.readInt16BE(0) : -1;
  return key === SASL_HANDSHAKE_KEY || key === SASL_AUTHENTICATE_KEY;
}

export class Connection {
  readonly client: ClientInfo;
  private readonly frames: FrameReader;
  /** Frames read and not yet handled, in arrival order. */
  private readonly waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** Requests started and not yet answered, in request order; their responses leave in this order. */
  private readonly outstanding: Outstanding[] = [];
  private outstandingBytes = 0;
  /** A request has started and not yet said its effects are applied: the next one waits. */
  private busy = false;
  private paused = false;
  /** Set by a graceful shutdown: no new request is read. */
  private stopped = false;
  private closed = false;
  private readonly log: Logger;
  private idleWaiters: Array<() => void> = [];
  /** Set while the client is throttled (quotas): nothing is read or handled until it fires. */
  private throttle: NodeJS.Timeout | undefined;
  /** The SASL state on a SASL listener (src/security/sasl/session.ts). */
  private readonly auth: SaslSession | undefined;
  /** Closes a connection whose SASL exchange does not finish in time, or waits out a failed one's delay. */
  private authTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    id: number,
    listener: ListenerSpec,
    private readonly broker: BrokerServices,
    private readonly opts: ConnectionOptions,
    log: Logger,
    private readonly onClose: (c: Connection) => void,
  ) {
    const host = normalizeIp(socket.remoteAddress);
    this.client = {
      connectionId: id,
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      host,
      listenerName: listener.name,
      securityProtocol: listener.securityProtocol,
      // SASL listeners authenticate first (dispatch.ts serves nothing else until then).
      authenticated: !usesSasl(listener.securityProtocol),
    };
    this.log = log.child({ conn: id, remote: this.client.remoteAddress });
    this.frames = new FrameReader(opts.maxRequestSize);
    this.auth = opts.sasl?.newSession(this.client, this.log);
    this.authProgress();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.readFrames());
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.handleClose());
    this.log.debug('connection opened');
  }

  /** Resolves when no request is being handled or waiting to be written. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop reading new requests (graceful shutdown); in-flight ones still get their answers. */
  stopReading(): void {
    this.stopped = true;
    this.paused = true;
    this.socket.pause();
  }

  end(): void {
    this.socket.end();
  }

  destroy(reason: string, err?: unknown): void {
    if (this.closed) return;
    this.log.warn({ reason, err: err instanceof Error ? err.message : err, client: this.describeClient() }, 'closing connection');
    this.closed = true;
    this.socket.destroy();
  }

  private describeClient(): string | undefined {
    const c = this.client;
    return c.clientSoftwareName ? `${c.clientSoftwareName}/${c.clientSoftwareVersion}` : undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.frames.push(chunk);
    this.readFrames();
  }

  /**
   * Moves complete frames from the byte stream into the waiting queue while there is room, starts
   * the next request, and pauses or resumes the socket to match. Called on data, on drain, and
   * after every response (frames may be buffered that arrived while the queue was full).
   */
  private readFrames(): void {
    while (!this.closed && !this.mustPause()) {
      let frame: Buffer | undefined;
      try {
        frame = this.frames.next();
      } catch (err) {
        // A TLS record header (0x16 0x03 ...) read as a size: a TLS client on a plaintext port.
        if (err instanceof FrameTooLarge && err.size >>> 16 === 0x1603) return this.destroy(`TLS handshake on ${this.client.securityProtocol} listener ${this.client.listenerName} (a client configured for SSL on the wrong port?)`);
        if (err instanceof FrameTooLarge) return this.destroy(err.message);
        throw err;
      }
      if (!frame) break;
      this.waiting.push(frame);
      this.waitingBytes += frame.length;
    }
    this.pump();
    if (this.closed) return;
    const pause = this.mustPause();
    if (pause && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!pause && this.paused && !this.stopped) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private mustPause(): boolean {
    return (
      this.stopped ||
      this.throttle !== undefined ||
      this.waiting.length >= this.opts.maxInFlight ||
      this.waitingBytes >= READ_AHEAD_BYTES ||
      this.outstanding.length >= this.opts.maxInFlight ||
      this.socket.writableNeedDrain
    );
  }

  private isIdle(): boolean {
    return this.closed || (!this.busy && this.waiting.length === 0 && this.outstanding.length === 0);
  }

  /** Starts the next waiting frame unless an earlier request is not yet applied (or too much is outstanding). */
  private pump(): void {
    // A client not reading its responses gets no new one started (frames already read wait): the broker holds about one response for it.
    if (this.busy || this.closed || this.throttle !== undefined || this.waiting.length === 0 || this.socket.writableNeedDrain || this.outstanding.length >= this.opts.maxInFlight || this.outstandingBytes >= OUTSTANDING_BYTES) {
      this.notifyIdle();
      return;
    }
    // SASL requests (and anything while unauthenticated) may end the connection: every earlier response goes out first.
    if (this.auth && this.outstanding.length > 0 && (!this.client.authenticated || isSasl(this.waiting[0]))) return;
    const frame = this.waiting.shift()!;
    this.waitingBytes -= frame.length;
    if (this.auth) {
      const gate = this.auth.gate(frame);
      this.authProgress();
      if (gate.action === 'close') return gate.delayMs > 0 ? this.failAuthentication(gate.reason, gate.delayMs, null) : this.destroy(gate.reason);
      if (gate.action === 'token') return this.rawSaslToken(this.auth, frame);
    }
    const entry: Outstanding = { bytes: frame.length, ready: false, out: null, throttleMs: 0 };
    let dispatched;
    try {
      dispatched = dispatch(frame, this.client, this.broker, this.log, () => this.applied(entry));
    } catch (err) {
      if (err instanceof UnsupportedRequest || err instanceof UnauthenticatedRequest) return this.destroy(err.message);
      if (err instanceof DecodeError || err instanceof RangeError) return this.destroy('malformed request', err);
      return this.destroy('request failed', err);
    }
    this.busy = true;
    this.outstanding.push(entry);
    this.outstandingBytes += entry.bytes;
    const { header } = dispatched;
    dispatched.response.then(
      (out) => {
        if (this.closed) return this.notifyIdle();
        const failed = this.auth?.takeClose();
        if (failed) return this.failAuthentication(failed.reason, failed.delayMs, failed.respond ? out : null);
        this.authProgress();
        entry.ready = true;
        entry.out = out;
        entry.throttleMs = dispatched.throttleMs;
        // Answered before it said it was applied: it was the latest request, the next may start.
        if (this.outstanding[this.outstanding.length - 1] === entry) this.busy = false;
        this.writeResponses();
        this.readFrames();
      },
      (err: unknown) => {
        this.busy = false;
        if (err instanceof DecodeError || err instanceof RangeError) {
          this.destroy(`malformed ${header.requestApiKey} v${header.requestApiVersion} request`, err);
        } else {
          this.log.error({ err, apiKey: header.requestApiKey, apiVersion: header.requestApiVersion, correlationId: header.correlationId, clientId: header.clientId }, 'handler failed');
          this.destroy('handler failed', err);
        }
        this.notifyIdle();
      },
    );
  }

  /** The handler of `entry` has applied its effects: the next request may start (after this turn, not inside the handler). */
  private applied(entry: Outstanding): void {
    if (entry.ready || this.outstanding[this.outstanding.length - 1] !== entry) return;
    queueMicrotask(() => {
      if (!this.busy || this.outstanding[this.outstanding.length - 1] !== entry) return;
      this.busy = false;
      this.readFrames();
    });
  }

  /** Writes the responses that are ready at the head of the queue, in request order. */
  private writeResponses(): void {
    let throttleMs = 0;
    let corked = false;
    while (this.outstanding.length > 0 && this.outstanding[0].ready) {
      const done = this.outstanding.shift()!;
      this.outstandingBytes -= done.bytes;
      if (done.out) {
        if (!corked) this.socket.cork();
        corked = true;
        for (const b of done.out) this.socket.write(b);
      }
      throttleMs = Math.max(throttleMs, done.throttleMs);
    }
    if (corked) this.socket.uncork();
    if (throttleMs > 0 && this.throttle === undefined) this.mute(throttleMs);
  }

  /** A raw SASL token (after a v0 SaslHandshake): answered with a raw size-prefixed token. */
  private rawSaslToken(auth: SaslSession, token: Buffer): void {
    this.busy = true;
    auth.rawToken(token).then(
      (response) => {
        this.busy = false;
        if (this.closed) return this.notifyIdle();
        const failed = auth.takeClose();
        if (failed || response === null) return this.failAuthentication(failed?.reason ?? 'authentication failed', failed?.delayMs ?? 0, null);
        const size = Buffer.allocUnsafe(4);
        size.writeInt32BE(response.length, 0);
        this.socket.cork();
        this.socket.write(size);
        this.socket.write(response);
        this.socket.uncork();
        this.authProgress();
        this.readFrames();
      },
      (err: unknown) => {
        this.busy = false;
        this.destroy('SASL mechanism failed', err);
        this.notifyIdle();
      },
    );
  }

  /**
   * After each SASL step: while an exchange is under way, frames are limited to
   * sasl.server.max.receive.size and the exchange must finish within runnel.sasl.handshake.timeout.ms.
   */
  private authProgress(): void {
    const sasl = this.opts.sasl;
    if (!this.auth || !sasl || this.closed) return;
    if (this.auth.authenticating) {
      this.frames.setMaxFrameSize(Math.min(this.opts.maxRequestSize, sasl.maxReceiveSize), 'sasl.server.max.receive.size');
      if (this.authTimer === undefined) {
        const ms = sasl.handshakeTimeoutMs;
        this.authTimer = setTimeout(() => {
          this.authTimer = undefined;
          if (this.auth?.authenticating) this.destroy(`SASL authentication not completed within ${ms} ms (runnel.sasl.handshake.timeout.ms)`);
        }, ms);
      }
    } else {
      this.frames.setMaxFrameSize(this.opts.maxRequestSize, 'socket.request.max.bytes');
      clearTimeout(this.authTimer);
      this.authTimer = undefined;
    }
  }

  /**
   * A failed authentication, as Kafka's Selector handles one: nothing more is read, and after
   * connection.failed.authentication.delay.ms the answer (when there is one) is sent and the
   * connection closed. Only a timer waits, so a flood of failures holds up no one else.
   */
  private failAuthentication(reason: string, delayMs: number, out: Buffer[] | null): void {
    this.log.info({ reason, client: this.describeClient() }, 'failed authentication');
    this.stopReading();
    this.waiting.length = 0;
    this.waitingBytes = 0;
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => {
      this.authTimer = undefined;
      if (this.closed) return;
      if (out) {
        this.socket.cork();
        for (const b of out) this.socket.write(b);
        this.socket.uncork();
      }
      this.closed = true;
      this.socket.end();
      // A client that does not close its side must not keep the socket.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }, delayMs);
    this.notifyIdle();
  }

  private mute(ms: number): void {
    this.throttle = setTimeout(() => {
      this.throttle = undefined;
      this.readFrames();
    }, ms);
  }

  private notifyIdle(): void {
    if (this.isIdle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private handleClose(): void {
    this.closed = true;
    clearTimeout(this.throttle);
    clearTimeout(this.authTimer);
    this.log.debug('connection closed');
    this.notifyIdle();
    this.onClose(this);
  }
}
