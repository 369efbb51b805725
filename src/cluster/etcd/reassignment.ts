/**
 * Partition reassignment over etcd (the state changes are src/cluster/reassignment.ts):
 * - `EtcdReassignments` starts and cancels reassignments for AlterPartitionReassignments, on
 *   whichever broker receives the request, as a compare-and-swap of the partition's state guarded
 *   by that broker's own registration (as a leader's ISR change is; Kafka forwards the request to
 *   its controller instead);
 * - `completeReassignments` is the controller's part: after each image it completes every
 *   reassignment whose adding replicas have all joined the ISR (the replica set becomes the
 *   target, removed replicas leave the ISR, the leader moves off a removed replica), guarded by
 *   the controller key like its elections.
 * The replica manager follows the image: added replicas become followers and catch up, removed
 * ones stop and delete their log.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../../util/logger.js';
import type { MetadataImage } from '../metadata-image.js';
import { completeReassignment, reassigning, revertReassignment, startReassignment, type ReassignmentError } from '../reassignment.js';
import type { PartitionReassignmentsPort } from '../../ports/reassignments.js';
import type { EtcdControl } from './etcd-control.js';
import type { WriteGuard } from './partition-cas.js';

export class EtcdReassignments implements PartitionReassignmentsPort {
  constructor(
    private readonly control: EtcdControl,
    /** unclean.leader.election.enable for the topic (its override, else the broker's). */
    private readonly uncleanAllowed: (topic: string) => boolean,
  ) {}

  async alter(topic: string, partition: number, target: readonly number[] | null): Promise<ReassignmentError | undefined> {
    const lease = this.control.session.currentLeaseId;
    if (!this.control.registered || lease === '') return { errorCode: ErrorCode.NOT_CONTROLLER, message: `broker ${this.control.brokerId} is not registered with the cluster now` };
    const guard: WriteGuard = { key: this.control.keys.broker(this.control.brokerId), target: 'Lease', value: lease };
    const alive = (id: number): boolean => this.control.image().broker(id) !== undefined;
    let refused: ReassignmentError | undefined;
    const res = await this.control.casPartition(topic, partition, guard, (cur, replicas) => {
      refused = undefined;
      const state = { ...cur, replicas };
      if (target !== null) return startReassignment(state, target, alive);
      const next = revertReassignment(state, alive, this.uncleanAllowed(topic), `${topic}:${partition}`);
      if ('errorCode' in next) {
        refused = next;
        return undefined;
      }
      return next;
    });
    if (refused) return refused;
    if (res.ok) {
      this.control.log.info({ topic, partition, target, replicas: res.state.replicas, adding: res.state.addingReplicas ?? [], removing: res.state.removingReplicas ?? [] }, target ? 'partition reassignment started' : 'partition reassignment cancelled');
      return undefined;
    }
    if (res.reason === 'unknown') return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find partition ${topic}:${partition}.` };
    return { errorCode: ErrorCode.NOT_CONTROLLER, message: `broker ${this.control.brokerId} lost its registration while changing ${topic}:${partition}` };
  }
}

/** The controller's step: every reassignment that can complete does. 'fenced' when this controller was deposed. */
export async function completeReassignments(control: EtcdControl, image: MetadataImage, guard: WriteGuard, log: Logger): Promise<'fenced' | undefined> {
  const alive = (id: number): boolean => control.image().broker(id) !== undefined;
  for (const t of image.topics()) {
    for (const p of t.partitionStates) {
      if (!reassigning(p) || !completeReassignment(p, alive)) continue;
      // Decided again on the stored state.
      const res = await control.casPartition(t.name, p.partition, guard, (cur, replicas) => completeReassignment({ ...cur, replicas }, alive));
      if (!res.ok && res.reason === 'fenced') return 'fenced';
      if (res.ok) log.info({ topic: t.name, partition: p.partition, replicas: res.state.replicas, isr: res.state.isr, leader: res.state.leader }, 'controller: partition reassignment completed');
    }
  }
  return undefined;
}
