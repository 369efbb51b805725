/** A TCP port on 127.0.0.1 that nothing listens on right now (for brokers started as child processes). */
import { connect, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a TCP connection on 127.0.0.1:port now. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/**
 * Waits until a broker started as a child process listens on `port`; fails at once if it exits
 * first (`exited` resolves), and after `timeoutMs` otherwise, with its stderr in the message.
 * `pollMs` is the pause between tries (1 to act in the first moments of listening).
 */
export async function waitListening(port: number, proc: { exited: Promise<unknown>; stderr: () => string }, timeoutMs = 20_000, pollMs = 50): Promise<void> {
  let gone = false;
  void proc.exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`runnel exited before listening: ${proc.stderr()}`);
    if (await accepting(port)) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`nothing listening on ${port} after ${timeoutMs} ms; stderr: ${proc.stderr()}`);
}
