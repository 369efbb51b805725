/**
 * Leader elections asked for by ElectLeaders (API 43) in a cluster: made by the active controller
 * (src/cluster/etcd/election-requests.ts), whichever broker received the request.
 */

export interface ElectionRequest {
  /** 0 preferred, 1 unclean. */
  type: 0 | 1;
  /** null: every partition (Kafka answers only those where an election was needed). */
  partitions: Array<{ topic: string; partition: number }> | null;
  timeoutMs: number;
}

export interface PartitionElectionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ElectionResults {
  /** For all partitions: every topic (those with no partition elected are answered with an empty list). */
  topics?: string[];
  results: PartitionElectionResult[];
}

export interface LeaderElections {
  /** The controller's answer, or 'timeout' when none came within the request's timeout. */
  elect(req: ElectionRequest): Promise<ElectionResults | 'timeout'>;
}
