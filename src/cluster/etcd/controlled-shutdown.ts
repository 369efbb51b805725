/**
 * Controlled shutdown (Kafka's ControlledShutdown request, KIP-less ZooKeeper era): the broker asks
 * the controller to move its leaderships away by writing P/shutdown/<id> under its own lease (so a
 * request dies with the broker), and waits until no partition it leads has another live ISR member
 * to hand over to. The controller (election.ts) also takes it out of every ISR it is not the last
 * member of.
 */
import type { MetadataImage } from '../metadata-image.js';
import { within } from './client.js';
import type { EtcdControl } from './etcd-control.js';

/** Partitions this broker still leads although another live ISR member could take over. */
export function movableLeaderships(image: MetadataImage, brokerId: number, shuttingDown: ReadonlySet<number> = new Set()): string[] {
  const out: string[] = [];
  const taker = (id: number) => id !== brokerId && image.broker(id) !== undefined && !shuttingDown.has(id);
  for (const t of image.topics()) for (const p of t.partitionStates) if (p.leader === brokerId && p.isr.some(taker)) out.push(`${t.name}-${p.partition}`);
  return out;
}

/** True when every movable leadership moved within `timeoutMs`; false otherwise (the broker stops anyway). */
export async function requestControlledShutdown(control: EtcdControl, timeoutMs: number): Promise<boolean> {
  const lease = control.session.currentLease;
  if (!lease) return false;
  const deadline = Date.now() + timeoutMs;
  await lease.put(control.keys.shutdown(control.brokerId)).value(String(Date.now())).options(within(timeoutMs));
  return new Promise<boolean>((resolve) => {
    const left = (image: MetadataImage) => movableLeaderships(image, control.brokerId, control.state.shuttingDown()).length;
    const check = (image: MetadataImage) => {
      if (left(image) > 0 && Date.now() < deadline) return;
      stop();
      clearTimeout(timer);
      resolve(left(image) === 0);
    };
    const stop = control.onImage((next) => check(next));
    const timer = setTimeout(() => check(control.image()), Math.max(0, deadline - Date.now()));
    check(control.image());
  });
}
