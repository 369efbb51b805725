/**
 * One client connection: frames in, responses out in request order.
 *
 * As in Kafka, a connection's requests are handled one at a time, in the order they arrived: a
 * client may pipeline, but the second Produce to a partition is never appended before the first,
 * and a request sees the effects of every earlier one on its connection (even acks=0 Produce,
 * which has no response). Frames read ahead wait in a short queue. Backpressure is pull-based:
 * the socket is paused while that queue is full or the client is not reading its responses, so a
 * slow reader cannot make the broker buffer without bound.
 *
 * A client over a quota is muted as Kafka mutes its channel: its response goes out at once (with
 * throttle_time_ms), then nothing more is read or handled from it for the throttle time.
 */
import type { Socket } from 'node:net';
import { FrameReader, FrameTooLarge } from './frame-reader.js';
import { dispatch, UnauthenticatedRequest, UnsupportedRequest } from './dispatch.js';
import { DecodeError } from '../protocol/primitives/errors.js';
import type { BrokerServices, ClientInfo } from '../handlers/types.js';
import type { Logger } from '../util/logger.js';
import { usesSasl, type ListenerSpec } from '../security/listener-spec.js';
import { normalizeIp } from '../quotas/quota-entity.js';

export interface ConnectionOptions {
  maxRequestSize: number;
  /** Frames read ahead of the one being handled before the connection stops reading. */
  maxInFlight: number;
}

/** Bytes of frames read ahead before the connection stops reading (one larger frame may exceed it). */
const READ_AHEAD_BYTES = 16 * 1024 * 1024;

export class Connection {
  readonly client: ClientInfo;
  private readonly frames: FrameReader;
  /** Frames read and not yet handled, in arrival order. */
  private readonly waiting: Buffer[] = [];
  private waitingBytes = 0;
  private busy = false;
  private paused = false;
  /** Set by a graceful shutdown: no new request is read. */
  private stopped = false;
  private closed = false;
  private readonly log: Logger;
  private idleWaiters: Array<() => void> = [];
  /** Set while the client is throttled (quotas): nothing is read or handled until it fires. */
  private throttle: NodeJS.Timeout | undefined;

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
      this.socket.writableNeedDrain
    );
  }

  private isIdle(): boolean {
    return this.closed || (!this.busy && this.waiting.length === 0);
  }

  /** Handles the next waiting frame unless one is being handled. */
  private pump(): void {
    if (this.busy || this.closed || this.throttle !== undefined || this.waiting.length === 0) {
      this.notifyIdle();
      return;
    }
    const frame = this.waiting.shift()!;
    this.waitingBytes -= frame.length;
    let dispatched;
    try {
      dispatched = dispatch(frame, this.client, this.broker, this.log);
    } catch (err) {
      if (err instanceof UnsupportedRequest || err instanceof UnauthenticatedRequest) return this.destroy(err.message);
      if (err instanceof DecodeError || err instanceof RangeError) return this.destroy('malformed request', err);
      return this.destroy('request failed', err);
    }
    this.busy = true;
    const { header } = dispatched;
    dispatched.response.then(
      (out) => {
        this.busy = false;
        if (this.closed) return this.notifyIdle();
        if (out) {
          this.socket.cork();
          for (const b of out) this.socket.write(b);
          this.socket.uncork();
        }
        if (dispatched.throttleMs > 0) this.mute(dispatched.throttleMs);
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
    this.log.debug('connection closed');
    this.notifyIdle();
    this.onClose(this);
  }
}
