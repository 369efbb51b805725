/** Runs `runnel …` as a child process (bin/runnel.js: the bundle when it is fresh, as users run it), with optional stdin. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runnel(args: string[], stdin = '', timeoutMs = 20_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/runnel.js', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runnel ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * One in-process broker for a file of tool tests, started before its tests and closed after them;
 * `bs` is the `--bootstrap-server` pair the tools are given.
 */
export function toolBroker(): { readonly broker: Broker; readonly bs: string[] } {
  let broker: Broker | undefined;
  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
  });
  afterAll(async () => {
    await broker?.close();
  });
  return {
    get broker(): Broker {
      if (!broker) throw new Error('the tool broker is not started yet');
      return broker;
    },
    get bs(): string[] {
      return ['--bootstrap-server', `127.0.0.1:${this.broker.port}`];
    },
  };
}
