/**
 * Live data over WebSocket (ws): /api/live/overview (traffic each second), /api/live/groups/<id>
 * (each lag sample) and /api/live/tail/<topic> (new records). The tail never lets a busy topic
 * swamp the page: it sends at most `rate` records a second, jumps ahead (and says how many it
 * skipped) when the topic outruns that, and sends nothing while the socket's buffer is full or the
 * page has paused it. Partitions another broker leads are tailed from their leaders (remote.ts):
 * each tick asks every such leader for the offsets once (ListOffsets) and Fetches only what is new.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { mayOn, mayOnTopic, sameOrigin, topicDescriber, type ApiContext } from './api.js';
import { visibleSample } from './lag.js';
import { AclOp, ResourceType } from '../ports/authorizer.js';
import { readForward, type ConsoleRecord, type RecordSource } from './records.js';

const TICK_MS = 200;
const MAX_BUFFERED = 1024 * 1024;
export const DEFAULT_TAIL_RATE = 100;
export const MAX_TAIL_RATE = 10_000;

export class LiveHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: ApiContext) {}

  /**
   * Takes an HTTP upgrade for /api/live/...; refuses anything else with a 4xx. `as` is the request's
   * context (its user): a feed is refused with 403 unless that user may describe the group or read
   * the topic, as the matching Kafka requests would be.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, as: ApiContext = this.ctx): void {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    // WebSockets have no CORS: another site's page could otherwise read the feeds.
    if (!sameOrigin(req)) return refuse(403, 'Forbidden');
    const path = url.pathname;
    let start: ((ws: WebSocket) => void) | undefined;
    try {
      if (path === '/api/live/overview') start = (ws) => this.overview(ws);
      else if (path.startsWith('/api/live/groups/')) {
        const id = decodeURIComponent(path.slice('/api/live/groups/'.length));
        if (!mayOn(as, AclOp.DESCRIBE, ResourceType.GROUP, id)) return refuse(403, 'Forbidden');
        start = (ws) => this.group(ws, id, as);
      } else if (path.startsWith('/api/live/tail/')) {
        const topic = decodeURIComponent(path.slice('/api/live/tail/'.length));
        const t = this.ctx.broker.metadata.image().topic(topic);
        if (!t) return refuse(404, 'Not Found');
        if (!mayOnTopic(as, AclOp.READ, topic)) return refuse(403, 'Forbidden');
        const parts = parsePartitions(url.searchParams.get('partitions'), t.partitions);
        if (!parts) return refuse(400, 'Bad Request');
        const rate = clampRate(Number(url.searchParams.get('rate') ?? DEFAULT_TAIL_RATE));
        start = (ws) => this.tail(ws, topic, parts, rate);
      }
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (!start) return refuse(404, 'Not Found');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      start(ws);
    });
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }

  private every(ws: WebSocket, ms: number, fn: () => void | Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.resolve()
        .then(fn)
        .catch(() => ws.terminate())
        .finally(() => (busy = false));
    }, ms);
    this.timers.add(timer);
    ws.on('close', () => {
      clearInterval(timer);
      this.timers.delete(timer);
    });
  }

  private overview(ws: WebSocket): void {
    this.every(ws, 1000, () => {
      const last = this.ctx.meter.history.at(-1);
      if (last) send(ws, { type: 'traffic', sample: last });
    });
  }

  /** Each new lag sample of the group, with only the topics the feed's user may describe (as the API serves the history). */
  private group(ws: WebSocket, id: string, as: ApiContext): void {
    const off = this.ctx.lag.onSample((group, sample, lags) => {
      if (group !== id) return;
      const may = topicDescriber(as);
      if (!may) send(ws, { type: 'lag', sample, lags });
      else send(ws, { type: 'lag', sample: visibleSample(sample, may), lags: lags.filter((l) => may(l.topic)) });
    });
    ws.on('close', off);
  }

  private tail(ws: WebSocket, topic: string, partitions: number[], initialRate: number): void {
    let rate = initialRate;
    let paused = false;
    const pos = new Map<number, number>();
    // Where each partition is read now: here or on its leader, with its offsets as of this call.
    const sources = (): Promise<Map<number, RecordSource>> => this.ctx.link.sources(topic, partitions);
    const jumpToEnd = async (): Promise<number> => {
      let skipped = 0;
      const now = await sources();
      for (const p of partitions) {
        const h = now.get(p);
        if (!h) continue;
        const at = pos.get(p);
        if (at !== undefined) skipped += Math.max(0, h.highWatermark - at);
        pos.set(p, h.highWatermark);
      }
      return skipped;
    };
    let ready = false;
    ws.on('message', (data) => {
      let msg: { type?: unknown; rate?: unknown };
      try {
        msg = JSON.parse(String(data)) as typeof msg;
      } catch {
        return send(ws, { type: 'error', error: 'messages must be JSON' });
      }
      if (msg.type === 'pause') paused = true;
      else if (msg.type === 'resume') {
        // Resuming shows what arrives from now on: what came during the pause is in the browser.
        void jumpToEnd().then(
          (skipped) => {
            paused = false;
            if (skipped > 0) send(ws, { type: 'skipped', count: skipped });
          },
          () => ws.terminate(),
        );
      } else if (msg.type === 'rate' && typeof msg.rate === 'number') rate = clampRate(msg.rate);
      else send(ws, { type: 'error', error: 'unknown message' });
    });
    // The tail starts at the end as it is when it is ready.
    void jumpToEnd().then(
      () => {
        ready = true;
        send(ws, { type: 'ready', partitions });
      },
      () => ws.terminate(),
    );
    this.every(ws, TICK_MS, async () => {
      if (!ready || paused || ws.bufferedAmount > MAX_BUFFERED) return;
      let allowed = Math.max(1, Math.round((rate * TICK_MS) / 1000));
      let skipped = 0;
      const records: ConsoleRecord[] = [];
      const now = await sources();
      for (const p of partitions) {
        const h = now.get(p);
        if (!h) continue;
        let at = Math.max(pos.get(p) ?? h.highWatermark, h.logStartOffset);
        const behind = h.highWatermark - at;
        // More than a second's allowance behind: skip to the newest records rather than fall further back.
        const perSecond = Math.max(1, Math.ceil(rate / partitions.length));
        if (behind > perSecond) {
          skipped += behind - perSecond;
          at = h.highWatermark - perSecond;
        }
        if (allowed <= 0 || at >= h.highWatermark) {
          pos.set(p, at);
          continue;
        }
        // A leader that does not answer now is read again at the next tick, from the same position.
        const got = await readForward(h, at, allowed).catch(() => undefined);
        if (!got) continue;
        records.push(...got.records);
        allowed -= got.records.length;
        pos.set(p, got.next);
      }
      if (skipped > 0) send(ws, { type: 'skipped', count: skipped });
      if (records.length > 0) send(ws, { type: 'records', records });
    });
  }
}

function send(ws: WebSocket, msg: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

function clampRate(n: number): number {
  return Number.isFinite(n) ? Math.min(MAX_TAIL_RATE, Math.max(1, Math.floor(n))) : DEFAULT_TAIL_RATE;
}

function parsePartitions(spec: string | null, count: number): number[] | undefined {
  if (!spec || spec === 'all') return Array.from({ length: count }, (_, i) => i);
  const out: number[] = [];
  for (const s of spec.split(',')) {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n >= count) return undefined;
    out.push(n);
  }
  return [...new Set(out)];
}
