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
import { checkChangeRequest, handleApi, HttpError, readJson, send, str, type ApiContext } from './api.js';
import { ConsoleAuth, LoginError } from './auth.js';
import './security-api.js';
import { LagTracker } from './lag.js';
import { LiveHub } from './live.js';
import { ClusterLink } from './remote.js';
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
  private readonly auth: ConsoleAuth;

  constructor(broker: BrokerServices, meter: TrafficMeter, opts: ConsoleOptions) {
    // In a cluster, what other brokers lead or coordinate is asked of them (remote.ts).
    const link = new ClusterLink(broker);
    const admin = new ConsoleAdmin(broker, {}, link);
    // The sampler reads every group's offsets whoever may see them: with an authorizer the console's own anonymous client would be refused everything.
    const lag = new LagTracker(broker, ConsoleAdmin.internal(broker, link), link, opts.lagSampleMs, opts.historyMs);
    this.ctx = { broker, admin, meter, lag, link, readOnly: opts.readOnly };
    this.live = new LiveHub(this.ctx);
    this.auth = new ConsoleAuth(broker, broker.log);
  }

  start(): void {
    this.ctx.meter.start();
    this.ctx.lag.start();
  }

  async close(): Promise<void> {
    this.live.close();
    this.auth.close();
    this.ctx.meter.stop();
    await this.ctx.lag.stop();
    await this.ctx.link.close();
  }

  /** Serves the request when it is the console's (true), else leaves it to the caller. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = parseUrl(req.url);
    if (!url) {
      res.writeHead(400).end();
      return true;
    }
    if (url.pathname === '/api/auth' || url.pathname.startsWith('/api/auth/')) {
      void this.authApi(req, res, url);
      return true;
    }
    if (url.pathname.startsWith('/api/')) {
      const ctx = this.requestContext(req);
      if (ctx) void handleApi(ctx, req, res, url);
      else send(res, 401, { error: 'log in first' });
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
    const ctx = this.requestContext(req);
    if (!ctx) socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else this.live.upgrade(req, socket, head, url, ctx);
    return true;
  }

  /**
   * The context a request runs in: without authentication the console's own (an anonymous client
   * named "console"); with it, the session's user, or undefined when there is no live session.
   */
  private requestContext(req: IncomingMessage): ApiContext | undefined {
    if (!this.auth.required) return this.ctx;
    const s = this.auth.session(req);
    if (!s) return undefined;
    const remoteAddress = req.socket.remoteAddress ?? '127.0.0.1';
    return { ...this.ctx, principal: s.session.user, remoteAddress, admin: this.ctx.admin.as(s.session.user, remoteAddress) };
  }

  /** GET /api/auth (who is logged in, whether a login is needed), POST /api/auth/login and /api/auth/logout. */
  private async authApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      const s = this.auth.session(req);
      const path = url.pathname;
      if (path === '/api/auth' && req.method === 'GET') {
        return send(res, 200, {
          required: this.auth.required,
          mechanisms: this.auth.mechanisms(),
          user: this.auth.required ? (s?.session.user ?? null) : null,
          expiresAt: s?.session.expiresAtMs ?? null,
          security: this.ctx.broker.authorizer.enabled,
          readOnly: this.ctx.readOnly,
        });
      }
      if (req.method !== 'POST' || (path !== '/api/auth/login' && path !== '/api/auth/logout')) throw new HttpError(404, 'no such API');
      checkChangeRequest(req);
      if (path === '/api/auth/logout') {
        if (s) this.auth.logout(s.id);
        this.auth.clearCookie(res);
        return send(res, 200, { ok: true });
      }
      if (!this.auth.required) throw new HttpError(404, 'the broker has no SASL listener: the console needs no login');
      const b = await readJson(req);
      const user = str(b.user, 'user');
      const password = str(b.password, 'password');
      const mechanism = b.mechanism === undefined ? (this.auth.mechanisms()[0] ?? 'PLAIN') : str(b.mechanism, 'mechanism');
      const { id, session } = await this.auth.login(user, password, mechanism, req.socket.remoteAddress ?? '127.0.0.1');
      if (s) this.auth.logout(s.id);
      this.auth.setCookie(res, id, session);
      send(res, 200, { user: session.user, expiresAt: session.expiresAtMs });
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else if (err instanceof LoginError) send(res, 401, { error: err.message });
      else {
        this.ctx.broker.log.warn({ err, url: url.pathname }, 'console: auth request failed');
        send(res, 500, { error: 'login failed' });
      }
    }
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
