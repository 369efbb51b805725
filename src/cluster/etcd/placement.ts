/**
 * Replica placement as Kafka's AdminUtils.assignReplicasToBrokers does it (the ZooKeeper-era
 * controller, whose model this cluster follows): brokers sorted by id; partition p's first
 * replica is broker (p + startIndex) mod n, the others follow at a shift that grows by one every n
 * partitions, so that leaders and followers spread evenly. With racks, the broker list alternates
 * racks first (rack1's first broker, rack2's first, ..., rack1's second, ...), and a follower is
 * skipped while its rack (or itself) already holds a replica of the partition and some rack (or
 * broker) holds none.
 *
 * When only some brokers have a rack, those without one count as one more rack, as Kafka 4's
 * StripedReplicaPlacer (KRaft) groups them under an empty rack name; ZooKeeper-era Kafka refused
 * ("Not all brokers have rack information"). A rack missing on one broker should not stop topic
 * creation, and the replicas still spread over the racks there are.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { TopicError } from '../topics.js';

export interface PlacementBroker {
  readonly id: number;
  readonly rack: string | null;
}

export interface PlacementOptions {
  /** Index into the (arranged) broker list of partition `startPartitionId`'s first replica; random when absent. */
  startIndex?: number;
  /** Index of the first new partition (adding partitions continues the existing pattern). */
  startPartitionId?: number;
  /** Random in [0, 1), for the start index and the shift when not fixed. */
  random?: () => number;
}

/** Replica lists for `partitions` partitions with `replicationFactor` replicas each. */
export function assignReplicas(brokers: readonly PlacementBroker[], partitions: number, replicationFactor: number, opts: PlacementOptions = {}): number[][] {
  if (partitions <= 0) throw new TopicError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) throw new TopicError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length)
    throw new TopicError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const rackAware = sorted.some((b) => b.rack !== null);
  return rackAware && sorted.length > 0 ? rackAwarePlacement(sorted, partitions, replicationFactor, opts) : rackUnawarePlacement(sorted.map((b) => b.id), partitions, replicationFactor, opts);
}

/**
 * New partitions of an existing topic: as many replicas as partition 0 has, continuing the
 * pattern from partition 0's first replica (Kafka's AdminZkClient.addPartitions).
 */
export function assignNewPartitions(brokers: readonly PlacementBroker[], existing: readonly (readonly number[])[], count: number, random?: () => number): number[][] {
  const first = existing[0];
  const rf = first?.length ?? 1;
  const ids = [...brokers].map((b) => b.id).sort((a, b) => a - b);
  const startIndex = first ? Math.max(0, ids.findIndex((id) => id >= first[0])) : undefined;
  return assignReplicas(brokers, count, rf, { startIndex, startPartitionId: existing.length, random });
}

function pick(random: (() => number) | undefined, n: number): number {
  return Math.floor((random ?? Math.random)() * n);
}

/** The follower at position `replica` (0 = first follower) of a partition whose first replica is at `first`. */
function replicaIndex(first: number, shift: number, replica: number, n: number): number {
  return (first + 1 + ((shift + replica) % (n - 1))) % n;
}

/** Each new partition's first replica (an index into the `n` brokers) and the followers' shift for it. */
function* firstReplicas(partitions: number, n: number, opts: PlacementOptions): Generator<{ first: number; shift: number }> {
  const startIndex = opts.startIndex ?? pick(opts.random, n);
  let shift = opts.startIndex ?? pick(opts.random, n);
  let p = Math.max(0, opts.startPartitionId ?? 0);
  for (let i = 0; i < partitions; i++, p++) {
    if (p > 0 && p % n === 0) shift++;
    yield { first: (p + startIndex) % n, shift };
  }
}

function rackUnawarePlacement(ids: number[], partitions: number, rf: number, opts: PlacementOptions): number[][] {
  const n = ids.length;
  const out: number[][] = [];
  for (const { first, shift } of firstReplicas(partitions, n, opts)) {
    const replicas = [ids[first]];
    for (let j = 0; j < rf - 1; j++) replicas.push(ids[replicaIndex(first, shift, j, n)]);
    out.push(replicas);
  }
  return out;
}

/** The group of brokers without a rack (sorts before any rack name). */
const NO_RACK = '\u0000no rack';
const rackKey = (b: PlacementBroker): string => b.rack ?? NO_RACK;

/** Brokers alternating racks (racks sorted by name, each rack's brokers by id; those without a rack as one rack). */
export function rackAlternated(brokers: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const list = byRack.get(rackKey(b)) ?? [];
    list.push(b.id);
    byRack.set(rackKey(b), list);
  }
  const racks = [...byRack.keys()].sort();
  for (const list of byRack.values()) list.sort((a, b) => a - b);
  const out: number[] = [];
  for (let round = 0; out.length < brokers.length; round++) for (const r of racks) if (round < byRack.get(r)!.length) out.push(byRack.get(r)![round]);
  return out;
}

function rackAwarePlacement(brokers: readonly PlacementBroker[], partitions: number, rf: number, opts: PlacementOptions): number[][] {
  const rackOf = new Map(brokers.map((b) => [b.id, rackKey(b)]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternated(brokers);
  const n = arranged.length;
  const out: number[][] = [];
  for (const { first, shift } of firstReplicas(partitions, n, opts)) {
    const leader = arranged[first];
    const replicas = [leader];
    const racks = new Set([rackOf.get(leader)!]);
    const used = new Set([leader]);
    let k = 0;
    for (let j = 0; j < rf - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k++, n)];
        const rack = rackOf.get(broker)!;
        if ((!racks.has(rack) || racks.size === numRacks) && (!used.has(broker) || used.size === n)) {
          replicas.push(broker);
          racks.add(rack);
          used.add(broker);
          break;
        }
      }
    }
    out.push(replicas);
  }
  return out;
}

/**
 * Kafka's checks of an explicit assignment (INVALID_REPLICA_ASSIGNMENT): no empty list, no broker
 * twice in a list, only known brokers, every list as long as the first (or as `replicationFactor`,
 * the existing partitions' count, when adding partitions).
 */
export function assignmentError(replicas: readonly (readonly number[])[], known: ReadonlySet<number>, replicationFactor?: number): TopicError | undefined {
  const bad = (message: string): TopicError => new TopicError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
  const rf = replicationFactor ?? replicas[0]?.length;
  for (const [p, list] of replicas.entries()) {
    if (list.length === 0) return bad(`The manual partition assignment includes an empty replica list (partition ${p}).`);
    const seen = new Set<number>();
    for (const id of list) {
      if (seen.has(id)) return bad(`The manual partition assignment includes the broker ${id} more than once (partition ${p}).`);
      seen.add(id);
      if (!known.has(id)) return bad(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    }
    if (list.length !== rf)
      return bad(`The manual partition assignment includes a partition with ${list.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`);
  }
  return undefined;
}
