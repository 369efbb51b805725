/**
 * Asking the runner to restart the broker, for the scripts of a `restartable` scenario
 * (scenarios.ts): POST $RUNNEL_CONTROL_URL/restart (see compat/restart.ts). The broker comes back
 * on the same host and port with the same data directory; the call returns once it listens again.
 */
export interface RestartResult {
  bootstrap: string;
  restarts: number;
  stopMs: number;
  downMs: number;
  startMs: number;
}

export async function restartBroker(opts: { downMs?: number } = {}): Promise<RestartResult> {
  const base = process.env.RUNNEL_CONTROL_URL;
  if (!base) throw new Error('RUNNEL_CONTROL_URL is not set: run this scenario through compat/run.ts (it is restartable)');
  const res = await fetch(`${base}/restart${opts.downMs ? `?down_ms=${opts.downMs}` : ''}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) throw new Error(`broker restart failed: HTTP ${res.status}: ${body.trim()}`);
  return JSON.parse(body) as RestartResult;
}
