/**
 * auto.leader.rebalance.enable on the active controller (Kafka's controller: every
 * leader.imbalance.check.interval.seconds, for each broker whose share of the partitions it is the
 * preferred replica of but does not lead exceeds leader.imbalance.per.broker.percentage, a
 * preferred election for each of those whose preferred replica could lead). The settings are read
 * at each check, so a dynamic change applies from the next one. Each move is a compare-and-swap
 * guarded by the controller key, decided again on the stored state.
 */
import { clusterView } from './election-requests.js';
import type { EtcdControl } from './etcd-control.js';
import type { WriteGuard } from './partition-cas.js';
import { electionOutcome, PREFERRED, rebalanceCandidates } from './preferred-election.js';

export interface RebalanceSettings {
  enabled(): boolean;
  intervalMs(): number;
  percentage(): number;
}

export class LeaderRebalancer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> | undefined;

  constructor(
    private readonly control: EtcdControl,
    /** The controller's guard while it is the active controller. */
    private readonly guard: () => WriteGuard | undefined,
    private readonly settings: RebalanceSettings,
    private readonly onElected?: (topic: string, partition: number, leader: number) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.check()
        .then(() => undefined)
        .catch((e) => this.control.log.warn({ err: (e as Error).message }, 'controller: leader rebalance failed; trying again at the next check'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, Math.max(100, this.settings.intervalMs()));
    this.timer.unref();
  }

  /** One check: the number of leaderships moved. */
  async check(): Promise<number> {
    const guard = this.guard();
    if (!guard || !this.settings.enabled()) return 0;
    const image = this.control.image();
    let moved = 0;
    for (const { topic, partition } of rebalanceCandidates(image, clusterView(this.control, image), this.settings.percentage())) {
      if (this.stopped || this.guard() !== guard) break;
      let elected = false;
      const res = await this.control.casPartition(topic, partition, guard, (cur, replicas) => {
        const o = electionOutcome(PREFERRED, cur, replicas, clusterView(this.control, this.control.image()));
        elected = o.error === 0;
        return o.next;
      });
      if (!res.ok && res.reason === 'fenced') break;
      if (res.ok && elected) {
        moved++;
        this.control.log.info({ topic, partition, leader: res.state.leader, leaderEpoch: res.state.leaderEpoch }, 'controller: leadership moved back to the preferred replica (auto rebalance)');
        this.onElected?.(topic, partition, res.state.leader);
      }
    }
    return moved;
  }
}
