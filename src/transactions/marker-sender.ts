/**
 * Where the transaction coordinator's COMMIT / ABORT markers go (Kafka's
 * TransactionMarkerChannelManager): a partition this broker leads gets the marker through its
 * handle; a partition led by another broker gets it by WriteTxnMarkers sent to that leader, as
 * Kafka's coordinator sends it. Either way the promise resolves once the marker is committed there
 * and rejects with the partition's error as a StorageError (the coordinator drops a marker refused
 * for a newer producer or coordinator epoch, and keeps the transaction prepared otherwise, to be
 * finished by its retry sweep).
 */
import { ErrorCode } from '../protocol/errors.js';
import type { WriteTxnMarkersResponse } from '../protocol/messages/index.js';
import { StorageError } from '../storage/log.js';
import type { PartitionHandle } from '../partitions/partition-handle.js';
import { interBrokerEndpoint, type MetadataImage } from '../cluster/metadata-image.js';
import { Connection } from '../client/connection.js';
import type { ClientSecurity } from '../client/security/client-security.js';
import type { Logger } from '../util/logger.js';

const WRITE_TXN_MARKERS = 27;

export interface TxnMarker {
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  /** The leader epoch of the coordinator's __transaction_state partition (fences an older coordinator). */
  coordinatorEpoch: number;
  transactionVersion: number;
}

export interface MarkerSender {
  /** Writes the marker on `topic`-`partition`; resolves once it is committed there. */
  write(topic: string, partition: number, m: TxnMarker): Promise<void>;
}

/** Markers to partitions led elsewhere: WriteTxnMarkers to the leader (see RemoteMarkerChannel). */
export interface RemoteMarkers {
  write(topic: string, partition: number, m: TxnMarker): Promise<void>;
}

/**
 * The handle when this broker leads the partition (`local` answers it), else `remote`; without a
 * remote channel (one node) a partition not led here has nothing to write to and is skipped, as
 * the coordinator always did for a partition that is gone.
 */
export function markerSender(local: (topic: string, partition: number) => PartitionHandle | undefined, remote?: RemoteMarkers): MarkerSender {
  return {
    async write(topic, partition, m) {
      const handle = local(topic, partition);
      if (handle) {
        await handle.appendMarker(m.producerId, m.producerEpoch, m.commit, m.coordinatorEpoch, m.transactionVersion).committed;
        return;
      }
      if (remote) await remote.write(topic, partition, m);
    },
  };
}

export interface RemoteMarkerOptions {
  nodeId: number;
  image(): MetadataImage;
  /** Listener brokers reach each other on; undefined: each broker's first endpoint. */
  interBrokerListener: string | undefined;
  requestTimeoutMs: number;
  /** TLS/SASL of the inter-broker listener (plaintext when left out). */
  security?: ClientSecurity;
  log: Logger;
}

/**
 * WriteTxnMarkers to partition leaders, one connection per broker (opened on first use, dropped
 * when it fails). One request per marker and partition: markers are rare next to produce traffic,
 * and the coordinator writes them one partition at a time.
 */
export class RemoteMarkerChannel implements RemoteMarkers {
  private readonly conns = new Map<number, { key: string; conn: Promise<Connection> }>();

  constructor(private readonly o: RemoteMarkerOptions) {}

  async write(topic: string, partition: number, m: TxnMarker): Promise<void> {
    const image = this.o.image();
    const state = image.topic(topic)?.partitionStates[partition];
    if (!state) throw new StorageError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} does not exist`);
    const broker = state.leader >= 0 ? image.broker(state.leader) : undefined;
    const ep = interBrokerEndpoint(broker, this.o.interBrokerListener);
    if (!broker || !ep || broker.id === this.o.nodeId) throw new StorageError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `no leader to send the marker for ${topic}-${partition} to`);
    const conn = await this.connection(broker.id, ep.host, ep.port);
    let res: WriteTxnMarkersResponse;
    try {
      res = await conn.request<WriteTxnMarkersResponse>(WRITE_TXN_MARKERS, {
        markers: [{ producerId: m.producerId, producerEpoch: m.producerEpoch, transactionResult: m.commit, topics: [{ name: topic, partitionIndexes: [partition] }], coordinatorEpoch: m.coordinatorEpoch, transactionVersion: m.transactionVersion }],
      });
    } catch (err) {
      this.drop(broker.id);
      throw new StorageError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `WriteTxnMarkers to broker ${broker.id} failed: ${(err as Error).message}`);
    }
    const code = res.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    if (code !== 0) throw new StorageError(code, `broker ${broker.id} refused the marker for ${topic}-${partition} (error ${code})`);
  }

  private connection(id: number, host: string, port: number): Promise<Connection> {
    const key = `${host}:${port}`;
    const known = this.conns.get(id);
    if (known && known.key === key) return known.conn;
    if (known) this.drop(id);
    const conn = Connection.open({ host, port }, { clientId: `runnel-txn-markers-${this.o.nodeId}`, requestTimeoutMs: this.o.requestTimeoutMs, security: this.o.security });
    conn.catch(() => this.conns.get(id)?.conn === conn && this.conns.delete(id));
    this.conns.set(id, { key, conn });
    return conn;
  }

  private drop(id: number): void {
    const known = this.conns.get(id);
    this.conns.delete(id);
    known?.conn.then((c) => c.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const id of [...this.conns.keys()]) this.drop(id);
  }
}
