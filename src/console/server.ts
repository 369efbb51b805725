/**
 * The web console: the page (built by src/console/build.ts into console/dist/), the JSON API and
 * the live WebSocket feeds, on the broker's HTTP server (the one serving /metrics and /health) or
 * on its own port (runnel.console.port). startBroker() opens it; close() stops its timers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import type { BrokerServices } from '../handlers/types.js';
import { ConsoleAdmin } from './admin.js';
import { handleApi, type ApiContext } from './api.js';
import { LagTracker } from './lag.js';
import { LiveHub } from './live.js';
import type { TrafficMeter } from './meter.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

export { TrafficMeter } from './meter.js';

// From the package root, not this file: bin/runnel.js may run the bundle in dist/.
export const CONSOLE_DIST = join(PACKAGE_ROOT, 'console', 'dist') + '/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface ConsoleOptions {
  readOnly: boolean;
  lagSampleMs: number;
  historyMs: number;
}

export class WebConsole {
  private readonly ctx: ApiContext;
  private readonly live: LiveHub;
  private readonly files = new Map<string, Buffer>();

  constructor(broker: BrokerServices, meter: TrafficMeter, opts: ConsoleOptions) {
    const admin = new ConsoleAdmin(broker);
    this.ctx = { broker, admin, meter, lag: new LagTracker(broker, admin, opts.lagSampleMs, opts.historyMs), readOnly: opts.readOnly };
    this.live = new LiveHub(this.ctx);
  }

  start(): void {
    this.ctx.meter.start();
    this.ctx.lag.start();
  }

  async close(): Promise<void> {
    this.live.close();
    this.ctx.meter.stop();
    await this.ctx.lag.stop();
  }

  /** Serves the request when it is the console's (true), else leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = parseUrl(req.url);
    if (!url) {
      res.writeHead(400).end();
      return true;
    }
    if (url.pathname.startsWith('/api/')) {
      void handleApi(this.ctx, req, res, url);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return true;
    }
    if (url.pathname === '/' || url.pathname === '/index.html' || url.pathname.startsWith('/assets/')) {
      void this.serveFile(url.pathname === '/' ? '/index.html' : url.pathname, res);
      return true;
    }
    return false;
  }

  /** Takes WebSocket upgrades for /api/live/...; false for others. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = parseUrl(req.url);
    if (!url || !url.pathname.startsWith('/api/live/')) return false;
    this.live.upgrade(req, socket, head, url);
    return true;
  }

  /** Adds the console to an HTTP server (the metrics server's): its upgrades, and requests via `handle` from that server's listener. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.upgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    });
  }

  /** The console on its own port. */
  listen(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (!this.handle(req, res)) res.writeHead(404).end();
    });
    this.attach(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: host || undefined, port }, () => {
        const addr = server.address();
        resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
      });
    });
  }

  private async serveFile(path: string, res: ServerResponse): Promise<void> {
    const file = normalize(join(CONSOLE_DIST, path));
    if (!file.startsWith(CONSOLE_DIST.endsWith(sep) ? CONSOLE_DIST : CONSOLE_DIST + sep)) return void res.writeHead(404).end();
    let body = this.files.get(file);
    if (!body) {
      try {
        body = await readFile(file);
      } catch {
        if (path === '/index.html') {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return void res.end('The console is not built: run `npm run build:console` (npm install does it).\n');
        }
        return void res.writeHead(404).end();
      }
      this.files.set(file, body);
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': path === '/index.html' ? 'no-cache' : 'max-age=3600' });
    res.end(body);
  }
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://console');
  } catch {
    return undefined;
  }
}
