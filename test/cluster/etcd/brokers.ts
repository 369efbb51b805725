/** Brokers' control stores against one test etcd, each test under its own prefix. */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { EtcdControl } from '../../../src/cluster/etcd/etcd-control.js';
import type { MetadataImage } from '../../../src/cluster/metadata-image.js';
import { silentLogger } from '../../../src/util/logger.js';

// Short enough for quick failovers, long enough that a loaded machine does not fence a live broker.
export const SESSION_MS = 2500;
export const HEARTBEAT_MS = 250;

/** A test file's etcd: started before its tests, stopped after them. */
export interface EtcdFixture {
  readonly server: TestEtcd;
  readonly endpoints: string;
  /** Closes `c` after the current test; returns it. */
  closeAfterTest<T extends { close(): Promise<void> }>(c: T): T;
}

/** Registers the hooks that run one etcd for the calling test file (call at its top level). */
export function useTestEtcd(): EtcdFixture {
  let server: TestEtcd | undefined;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    server = await startEtcd();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  const started = (): TestEtcd => {
    if (!server) throw new Error('etcd is not started (useTestEtcd hooks run before the tests only)');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get endpoints() {
      return started().endpoints;
    },
    closeAfterTest(c) {
      opened.push(c);
      return c;
    },
  };
}

export function newPrefix(): string {
  return `/t-${randomBytes(6).toString('hex')}`;
}

export function openBroker(endpoints: string, prefix: string, id: number, rack: string | null = null, sessionTimeoutMs = SESSION_MS): Promise<EtcdControl> {
  return EtcdControl.open({
    endpoints,
    prefix,
    broker: { id, endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id }], rack },
    sessionTimeoutMs,
    heartbeatMs: HEARTBEAT_MS,
    log: silentLogger,
  });
}

/** Waits until `check` holds for the control's image; fails with `what` and the last image's state after `ms`. */
export async function until(control: { image(): MetadataImage }, what: string, check: (image: MetadataImage) => boolean, ms = 15_000): Promise<MetadataImage> {
  const deadline = Date.now() + ms;
  for (;;) {
    const image = control.image();
    if (check(image)) return image;
    if (Date.now() > deadline) {
      const state = image.topics().map((t) => ({ topic: t.name, partitions: t.partitionStates }));
      throw new Error(`timed out waiting for ${what}; brokers ${image.brokers().map((b) => b.id)}, controller ${image.controllerId}, ${JSON.stringify(state)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function liveIds(image: MetadataImage): number[] {
  return image.brokers().map((b) => b.id).sort((a, b) => a - b);
}

import { Controller } from '../../../src/cluster/etcd/controller.js';

export interface Node {
  id: number;
  control: EtcdControl;
  controller: Controller;
  /** Clean stop: the controller stops, the lease is revoked. */
  close(): Promise<void>;
  /** A crash: nothing revoked; etcd expires the lease after the session timeout. */
  crash(): Promise<void>;
}

export async function openNode(endpoints: string, prefix: string, id: number, uncleanLeaderElection = false): Promise<Node> {
  const control = await openBroker(endpoints, prefix, id);
  const controller = new Controller(control, { uncleanLeaderElection });
  controller.start();
  let done = false;
  return {
    id,
    control,
    controller,
    async close() {
      if (done) return;
      done = true;
      await controller.stop();
      await control.close();
    },
    async crash() {
      if (done) return;
      done = true;
      await controller.stop();
      await control.crash();
    },
  };
}
