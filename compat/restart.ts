/**
 * Broker restarts for the scenarios that need one (scenarios.ts, `restartable: true`).
 *
 * Each script of such a scenario gets a broker of its own (a restart would disturb the scripts
 * sharing a broker), in a data directory the runner owns, and the environment variable
 * RUNNEL_CONTROL_URL: `http://127.0.0.1:<port>/<token>`. A script asks for a restart with
 *
 *   POST $RUNNEL_CONTROL_URL/restart[?down_ms=N]
 *
 * The runner closes the broker gracefully (as `runnel stop` would: in-flight requests answered,
 * then every connection closed), waits `down_ms` (default 0, at most 30000) with nothing listening,
 * and starts it again on the same port with the same data directory and settings. The answer
 * comes once the broker listens again: 200 with JSON `{ "bootstrap", "restarts", "stopMs",
 * "downMs", "startMs" }`, or 500 with the reason as text. Restarts of one broker are serialised.
 * Clients keep their bootstrap address: the host and port do not change.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker, type StartBrokerOptions } from '../src/broker.js';

const MAX_DOWN_MS = 30_000;
/** How long a restart keeps trying to bind the old port (another process may hold it briefly). */
const REBIND_MS = 5_000;

export interface RestartResult {
  bootstrap: string;
  restarts: number;
  stopMs: number;
  downMs: number;
  startMs: number;
}

/** A broker in a data directory of its own that can be restarted on the same port. */
export class RestartableBroker {
  private busy: Promise<unknown> = Promise.resolve();
  private restarts = 0;
  private closed = false;

  private constructor(
    public broker: Broker,
    private readonly dataDir: string,
    private readonly opts: Omit<StartBrokerOptions, 'port' | 'dataDir'>,
  ) {}

  static async start(opts: Omit<StartBrokerOptions, 'port' | 'dataDir'>): Promise<RestartableBroker> {
    const dataDir = await mkdtemp(join(tmpdir(), 'runnel-compat-'));
    try {
      return new RestartableBroker(await startBroker({ ...opts, port: 0, dataDir }), dataDir, opts);
    } catch (err) {
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  restart(downMs = 0): Promise<RestartResult> {
    const run = this.busy.then(() => this.doRestart(downMs));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async doRestart(downMs: number): Promise<RestartResult> {
    if (this.closed) throw new Error('the broker is closed');
    const { port } = this.broker;
    let t = performance.now();
    await this.broker.close();
    const stopMs = performance.now() - t;
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    t = performance.now();
    for (;;) {
      try {
        this.broker = await startBroker({ ...this.opts, port, dataDir: this.dataDir });
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || performance.now() - t > REBIND_MS) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.restarts++;
    return { bootstrap: this.broker.bootstrap, restarts: this.restarts, stopMs: Math.round(stopMs), downMs, startMs: Math.round(performance.now() - t) };
  }

  /** Closes the broker (after a restart in progress) and removes its data directory. */
  async close(): Promise<void> {
    await this.busy;
    if (this.closed) return;
    this.closed = true;
    try {
      await this.broker.close();
    } finally {
      await rm(this.dataDir, { recursive: true, force: true });
    }
  }
}

/** The HTTP endpoint scripts ask for restarts through, one token per script. */
export interface Control {
  /** Registers a broker; returns the RUNNEL_CONTROL_URL for its script. */
  register(broker: RestartableBroker): { url: string; unregister(): void };
  close(): Promise<void>;
}

export async function startControl(): Promise<Control> {
  const brokers = new Map<string, RestartableBroker>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://control');
    const m = /^\/([\w-]+)\/restart$/.exec(url.pathname);
    const target = m ? brokers.get(m[1]) : undefined;
    if (!m || !target) return reply(404, `unknown control path ${url.pathname}\n`);
    if (req.method !== 'POST') return reply(405, 'use POST\n');
    const downMs = Number(url.searchParams.get('down_ms') ?? 0);
    if (!Number.isInteger(downMs) || downMs < 0 || downMs > MAX_DOWN_MS) return reply(400, `down_ms must be an integer in 0..${MAX_DOWN_MS}\n`);
    req.resume();
    target.restart(downMs).then(
      (r) => reply(200, JSON.stringify(r) + '\n', 'application/json'),
      (err: Error) => reply(500, `restart failed: ${err.message}\n`),
    );
  });
  // Restarts take as long as they take; the script's own timeout bounds them.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    register(broker) {
      const token = randomUUID();
      brokers.set(token, broker);
      return { url: `http://127.0.0.1:${port}/${token}`, unregister: () => brokers.delete(token) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
