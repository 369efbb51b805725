/**
 * Console login when the broker authenticates (it has a SASL_PLAINTEXT or SASL_SSL listener): the
 * page sends a user name and password, checked by the listener's own SASL mechanism (the factory
 * the registry builds for it, fed the client's first message as a Kafka client would send it), so
 * the console accepts exactly the credentials a Kafka client could use; the JAAS configuration is
 * never read here. A success opens a server-side session named by a random HttpOnly,
 * SameSite=Strict cookie; the console's requests then run as that user (principal User:<name>).
 *
 * Mechanisms offered: those taking a password that the listener enables and the mechanism
 * registry builds: PLAIN (one message) and SCRAM-SHA-256/512 (a full exchange driven by
 * src/client/security/sasl-mechanisms.ts, the server's signature checked too).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrokerServices } from '../handlers/types.js';
import { SaslListener } from '../security/sasl/listener-sasl.js';
import { SASL_MECHANISMS, type SaslMechanismBuilder } from '../security/sasl/registry.js';
import { SaslAuthenticationError, type SaslServerMechanism, type SaslStep } from '../security/sasl/mechanism.js';
import { usesSasl } from '../security/listener-spec.js';
import type { Logger } from '../util/logger.js';
import { SaslClientError, scramMechanism } from '../client/security/sasl-mechanisms.js';

export const SESSION_COOKIE = 'runnel_console_session';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Mechanisms the console can drive with a user name and password. */
const PASSWORD_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  user: string;
  expiresAtMs: number;
}

/** Credentials refused (401), with a message safe to show and log. */
export class LoginError extends Error {}

export class ConsoleAuth {
  private readonly listeners: SaslListener[] = [];
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly broker: BrokerServices,
    private readonly log: Logger,
    registry: ReadonlyMap<string, SaslMechanismBuilder> = SASL_MECHANISMS,
  ) {
    for (const spec of broker.config.listeners()) {
      if (usesSasl(spec.securityProtocol)) this.listeners.push(new SaslListener(spec.name, broker.config, broker, log, registry));
    }
  }

  /** Whether the console asks for a login: the broker has a SASL listener. */
  get required(): boolean {
    return this.listeners.length > 0;
  }

  /** The password mechanisms some SASL listener enables, in the order listed there. */
  mechanisms(): string[] {
    const out = new Set<string>();
    for (const l of this.listeners) for (const m of l.enabled()) if (PASSWORD_MECHANISMS.includes(m) && l.factory(m)) out.add(m);
    return [...out];
  }

  /** Checks the credentials with the mechanism's server side; a new session id on success. */
  async login(user: string, password: string, mechanism: string, remoteAddress: string): Promise<{ id: string; session: ConsoleSession }> {
    const listener = this.listeners.find((l) => l.enabled().includes(mechanism) && PASSWORD_MECHANISMS.includes(mechanism));
    const factory = listener?.factory(mechanism);
    try {
      if (!listener || !factory) throw new LoginError(`mechanism ${mechanism} is not enabled for the console (one of ${this.mechanisms().join(', ')})`);
      const server = factory.create({ listenerName: listener.listenerName, remoteAddress });
      const step = await exchange(server, mechanism, user, password);
      if (!step.principal) throw new LoginError('Authentication failed');
      const expiresAtMs = Math.min(Date.now() + SESSION_TTL_MS, step.credentialExpiresAtMs ?? Infinity);
      this.sweep();
      const id = randomBytes(32).toString('base64url');
      const session = { user: step.principal, expiresAtMs };
      this.sessions.set(id, session);
      this.log.info({ remoteAddress, mechanism, principal: `User:${step.principal}` }, 'console: login');
      return { id, session };
    } catch (err) {
      if (!(err instanceof LoginError) && !(err instanceof SaslAuthenticationError) && !(err instanceof SaslClientError)) throw err;
      // As for a Kafka connection: the failure is logged (never the credentials) and answered late.
      this.log.info({ remoteAddress, mechanism, reason: err.message }, 'console: failed authentication');
      const delay = this.broker.config.int('connection.failed.authentication.delay.ms');
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      throw new LoginError(err.message);
    }
  }

  /** The request's live session, if its cookie names one. */
  session(req: IncomingMessage): { id: string; session: ConsoleSession } | undefined {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAtMs <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return { id, session };
  }

  logout(id: string): void {
    this.sessions.delete(id);
  }

  setCookie(res: ServerResponse, id: string, session: ConsoleSession): void {
    const maxAge = Math.max(0, Math.floor((session.expiresAtMs - Date.now()) / 1000));
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`);
  }

  clearCookie(res: ServerResponse): void {
    res.setHeader('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }

  close(): void {
    for (const l of this.listeners) l.close();
    this.sessions.clear();
  }

  /** Drops expired sessions, and the oldest when too many are open (a bound on memory). */
  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
  }
}

/** Runs the client side of `mechanism` against the server mechanism; the final step names the principal. */
async function exchange(server: SaslServerMechanism, mechanism: string, user: string, password: string): Promise<SaslStep> {
  if (mechanism === 'PLAIN') {
    // PLAIN's one client message: authzid (empty) NUL authcid NUL passwd.
    return server.evaluate(Buffer.from(`\u0000${user}\u0000${password}`, 'utf8'));
  }
  // The same RFC 5802 client as the tools' (it checks the server signature too).
  const client = scramMechanism(mechanism, user, password);
  const first = await server.evaluate(client.initial());
  const last = await server.evaluate(client.respond(first.response)!);
  client.respond(last.response);
  return last;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
