/**
 * The controller (docs/cluster-design.md): one broker at a time holds P/controller, created if
 * absent under its lease in the same transaction that raises P/controller_epoch; the others
 * campaign when the key goes (its holder's lease ended). The active controller keeps every
 * partition's leader and ISR in line with the live brokers (election.ts): after a broker's death,
 * a broker's return, a controlled shutdown request, and when it becomes controller (the previous
 * one may have died half-way). Rather than one handler per event it reconciles every partition
 * after each new image; a partition already right costs nothing. Each write is a compare-and-swap
 * guarded by the controller key's create revision, so a deposed controller cannot write.
 * ElectLeaders requests (election-requests.ts) and the leader rebalance (leader-rebalance.ts) too.
 */
import type { MetadataImage, TopicImage } from '../metadata-image.js';
import { within } from './client.js';
import { electLeader, type ClusterView } from './election.js';
import { serveElectionRequests } from './election-requests.js';
import { LeaderRebalancer, type RebalanceSettings } from './leader-rebalance.js';
import type { EtcdControl } from './etcd-control.js';
import type { StoredController } from './keys.js';
import type { WriteGuard } from './partition-cas.js';
import { completeReassignments } from './reassignment.js';

export interface ControllerOptions {
  /** unclean.leader.election.enable of this broker (read at each decision: it may change at run time), the default when a topic has no override. */
  uncleanLeaderElection: boolean | (() => boolean);
  /** Told of each leader this controller elected (metrics). */
  onLeaderElected?(topic: string, partition: number, leader: number): void;
  /** auto.leader.rebalance.enable and leader.imbalance.* (leader-rebalance.ts); none: no rebalance. */
  rebalance?: RebalanceSettings;
}

export class Controller {
  private guard: WriteGuard | undefined;
  private epoch = -1;
  private running: Promise<void> | undefined;
  private dirty = false;
  private campaigning = false;
  private stopped = false;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly rebalancer: LeaderRebalancer | undefined;

  constructor(
    private readonly control: EtcdControl,
    private readonly opts: ControllerOptions,
  ) {
    if (opts.rebalance) this.rebalancer = new LeaderRebalancer(control, () => this.guard, opts.rebalance, opts.onLeaderElected);
  }

  /** Whether this broker is the active controller. */
  get active(): boolean {
    return this.guard !== undefined;
  }

  get controllerEpoch(): number {
    return this.active ? this.epoch : -1;
  }

  start(): void {
    this.unsubscribe.push(this.control.onImage(() => this.onChange()));
    this.unsubscribe.push(this.control.onRegistration(() => this.onChange()));
    this.rebalancer?.start();
    this.onChange();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe.splice(0)) u();
    this.guard = undefined;
    await this.rebalancer?.stop();
    await this.running;
  }

  private onChange(): void {
    if (this.stopped) return;
    const held = this.control.state.get(this.control.keys.controller);
    if (this.guard && (!held || String(held.createRevision) !== this.guard.value || !this.control.registered)) this.resign('controller key gone or taken over');
    if (!held && this.control.registered && !this.campaigning) void this.campaign();
    if (this.guard) this.reconcileSoon();
  }

  private resign(why: string): void {
    this.control.log.info({ brokerId: this.control.brokerId, epoch: this.epoch, why }, 'no longer the controller');
    this.guard = undefined;
  }

  /** Create-if-absent of P/controller under this broker's lease, with P/controller_epoch + 1. */
  private async campaign(): Promise<void> {
    this.campaigning = true;
    try {
      const { client, keys } = this.control;
      const lease = this.control.session.currentLeaseId;
      if (lease === '') return;
      const epochKey = await client.get(keys.controllerEpoch).options(within(this.control.timeoutMs)).exec();
      const kv = epochKey.kvs[0];
      const epoch = (kv ? Number(kv.value.toString()) || 0 : 0) + 1;
      const value: StoredController = { brokerId: this.control.brokerId, epoch };
      const res = await client
        .if(keys.controller, 'Create', '==', 0)
        .and(keys.controllerEpoch, 'Mod', '==', kv ? Number(kv.mod_revision) : 0)
        .then(client.put(keys.controller).value(JSON.stringify(value)).lease(lease), client.put(keys.controllerEpoch).value(String(epoch)))
        .options(within(this.control.timeoutMs))
        .commit();
      if (!res.succeeded || this.stopped) return;
      this.guard = { key: keys.controller, target: 'Create', value: String(res.header.revision) };
      this.epoch = epoch;
      this.control.log.info({ brokerId: this.control.brokerId, epoch }, 'became the controller');
      await this.control.caughtUp(Number(res.header.revision));
      this.reconcileSoon();
    } catch (e) {
      this.control.log.warn({ err: (e as Error).message }, 'controller campaign failed');
    } finally {
      this.campaigning = false;
    }
    // The key may have gone while campaigning (or the attempt failed): look again.
    if (!this.stopped && !this.control.state.get(this.control.keys.controller) && this.control.registered) setTimeout(() => this.onChange(), 200).unref();
  }

  private reconcileSoon(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = (async () => {
      while (this.dirty && this.guard && !this.stopped) {
        this.dirty = false;
        try {
          await this.reconcile(this.control.image());
        } catch (e) {
          this.control.log.warn({ err: (e as Error).message }, 'controller: partition state change failed; retrying');
          this.dirty = true;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })().finally(() => (this.running = undefined));
  }

  private unclean(t: TopicImage): boolean {
    const override = t.configs['unclean.leader.election.enable'];
    if (override !== undefined) return override === 'true';
    const broker = this.opts.uncleanLeaderElection;
    return typeof broker === 'function' ? broker() : broker;
  }

  private view(image: MetadataImage): ClusterView {
    const down = this.control.state.shuttingDown();
    return { alive: (id) => image.broker(id) !== undefined, shuttingDown: (id) => down.has(id) };
  }

  private async reconcile(image: MetadataImage): Promise<void> {
    const view = this.view(image);
    for (const t of image.topics()) {
      const unclean = this.unclean(t);
      for (const p of t.partitionStates) {
        if (!electLeader(p, p.replicas, view, unclean) || !this.guard) continue;
        let elected = false;
        const res = await this.control.casPartition(t.name, p.partition, this.guard, (cur, replicas) => {
          // Decided again on the stored state, with the view of the latest image.
          const latest = this.view(this.control.image());
          const next = electLeader(cur, replicas, latest, unclean);
          elected = next !== undefined && next.leader >= 0 && next.leader !== cur.leader;
          return next;
        });
        if (!res.ok && res.reason === 'fenced') return this.resign('a write was fenced');
        if (res.ok) this.control.log.info({ topic: t.name, partition: p.partition, leader: res.state.leader, isr: res.state.isr, leaderEpoch: res.state.leaderEpoch }, 'controller: partition state changed');
        if (res.ok && elected) this.opts.onLeaderElected?.(t.name, p.partition, res.state.leader);
      }
    }
    if (this.guard && (await completeReassignments(this.control, this.control.image(), this.guard, this.control.log)) === 'fenced') return this.resign('a write was fenced');
    // ElectLeaders from any broker, after the partitions are in line with the live brokers.
    if (this.guard && (await serveElectionRequests(this.control, this.guard, this.opts.onLeaderElected)) === 'fenced') this.resign('a write was fenced');
  }
}
