/**
 * Fetch from follower (KIP-392): which replica a consumer should read from. Kafka's broker asks the
 * class named by replica.selector.class; the only one Kafka ships is RackAwareReplicaSelector, and
 * that is the one Runnel knows by name (any other name refuses to start, as Kafka does when it
 * cannot load the class). Without a selector (Kafka's default, null) every consumer reads from the
 * leader.
 *
 * RackAwareReplicaSelector: a client that names no rack reads from the leader; otherwise, of the
 * replicas in the client's rack, the leader if it is one of them, else the most caught-up one
 * (largest log end offset, then the shortest time since it was last caught up); the leader when
 * the rack has none. The candidates are chosen by the leader (ReplicaManager.findPreferredReadReplica):
 * in-sync followers that hold the fetch offset, and the leader itself.
 */

export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** The class names replica.selector.class accepts. */
export const REPLICA_SELECTORS = [RACK_AWARE_REPLICA_SELECTOR] as const;

export interface ReplicaView {
  id: number;
  rack: string | null;
  logEndOffset: number;
  /** 0 for the leader. */
  timeSinceLastCaughtUpMs: number;
}

export interface PartitionView {
  leader: ReplicaView;
  /** The candidates, the leader among them. */
  replicas: readonly ReplicaView[];
}

/** The replica a client in `clientRack` ('' for none) should read from; undefined for none. */
export type ReplicaSelector = (clientRack: string, view: PartitionView) => ReplicaView | undefined;

/** More caught up first: Kafka's ReplicaView.comparator, reversed; ties go to the lower broker id. */
function moreCaughtUp(a: ReplicaView, b: ReplicaView): number {
  return b.logEndOffset - a.logEndOffset || a.timeSinceLastCaughtUpMs - b.timeSinceLastCaughtUpMs || a.id - b.id;
}

export const rackAwareReplicaSelector: ReplicaSelector = (clientRack, view) => {
  if (!clientRack) return view.leader;
  const sameRack = view.replicas.filter((r) => r.rack === clientRack);
  if (sameRack.length === 0 || sameRack.some((r) => r.id === view.leader.id)) return view.leader;
  return [...sameRack].sort(moreCaughtUp)[0];
};

/** The selector replica.selector.class names; undefined for none (leader only). */
export function replicaSelectorFor(className: string | undefined): ReplicaSelector | undefined {
  if (className === undefined || className === '') return undefined;
  if (className === RACK_AWARE_REPLICA_SELECTOR) return rackAwareReplicaSelector;
  throw new Error(`replica.selector.class ${className} is not known (expected ${REPLICA_SELECTORS.join(' or ')})`);
}

/**
 * The preferred read replica a Fetch response names: the selected replica when it is not the
 * leader (Kafka never sends the leader's own id back), else -1.
 */
export function preferredReadReplica(selector: ReplicaSelector | undefined, clientRack: string, view: PartitionView): number {
  if (!selector) return -1;
  const chosen = selector(clientRack, view);
  return chosen && chosen.id !== view.leader.id ? chosen.id : -1;
}
