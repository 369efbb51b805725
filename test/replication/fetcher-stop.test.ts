/**
 * A follower's fetcher stopped while its connection to the leader is still opening (a broker
 * SIGTERMed right after it started following) must not keep that connection: an open socket kept
 * the stopped broker's process alive. The leader is a real broker behind a proxy that holds its
 * answers back for a while.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker.js';
import { LeaderFetcher } from '../../src/replication/replica-fetcher.js';
import type { ReplicatedPartition } from '../../src/replication/replicated-partition.js';
import { silentLogger } from '../../src/util/logger.js';

let broker: Broker;
let proxy: Server;
let proxyPort: number;
const clientSockets: Socket[] = [];

beforeAll(async () => {
  broker = await startBroker({ port: 0, storage: 'memory' });
  proxy = createServer((client) => {
    clientSockets.push(client);
    const upstream = connect({ port: broker.port, host: '127.0.0.1' });
    client.on('data', (d) => upstream.write(d));
    // Answers arrive 800 ms late: the fetcher is stopped meanwhile.
    upstream.on('data', (d) => setTimeout(() => !client.destroyed && client.write(d), 800));
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyPort = (proxy.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of clientSockets) s.destroy();
  await new Promise((r) => proxy?.close(r));
  await broker?.close();
});

describe('LeaderFetcher.stop', () => {
  it('closes a connection that finished opening after stop()', async () => {
    const fetcher = new LeaderFetcher(1, { host: '127.0.0.1', port: proxyPort }, { nodeId: 2, maxWaitMs: 100, minBytes: 1, partitionMaxBytes: 1024, responseMaxBytes: 1024, backoffMs: 50, log: silentLogger });
    const fake = { topic: 'nope', partition: 0, underlyingLog: { leaderEpoch: 0 } } as unknown as ReplicatedPartition;
    fetcher.add(fake, 0);
    const deadline = Date.now() + 5000;
    while (clientSockets.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(clientSockets.length).toBe(1);
    const stopping = Date.now();
    await fetcher.stop();
    // It does not go on to talk to the leader first.
    expect(Date.now() - stopping).toBeLessThan(3000);
    const socket = clientSockets[0];
    const closed = await new Promise<boolean>((resolve) => {
      if (socket.destroyed || socket.readableEnded) return resolve(true);
      socket.once('close', () => resolve(true));
      socket.once('end', () => resolve(true));
      setTimeout(() => resolve(false), 3000);
    });
    expect(closed).toBe(true);
  }, 20_000);
});
