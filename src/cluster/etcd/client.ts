/**
 * The etcd3 client as the control store uses it. etcd3's defaults suit long-lived services, not a
 * broker that must notice within its session timeout that etcd is back: a host's circuit breaker
 * stays open 5 s and gRPC backs off reconnecting up to 2 minutes. Here every retry is the control
 * store's own (the heartbeat, the re-registration, the compare-and-swap loops), so the client fails
 * fast and reconnects quickly. (The watch backoff is typed as a backoff but used as a factory: etcd3
 * calls next() on it.)
 */
import { Etcd3 } from 'etcd3';
import { ConstantBackoff, noop, type IBackoff } from 'cockatiel';

export function etcdClient(endpoints: string | readonly string[]): Etcd3 {
  const hosts = (typeof endpoints === 'string' ? endpoints.split(',') : [...endpoints]).map((h) => h.trim()).filter((h) => h !== '');
  if (hosts.length === 0) throw new Error('runnel.etcd.endpoints names no endpoint');
  return new Etcd3({
    hosts: hosts.map((h) => (h.includes('://') ? h : `http://${h}`)),
    dialTimeout: 2000,
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
    faultHandling: { host: () => noop, global: noop, watchBackoff: new ConstantBackoff(200) as unknown as IBackoff<unknown> },
  });
}

/** A deadline for one call: etcd down must not leave a call hanging past the session timeout. */
export function within(ms: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}
