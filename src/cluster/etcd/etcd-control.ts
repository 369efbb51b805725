/**
 * ClusterControl over etcd (docs/cluster-design.md): the broker's registration (session.ts), its
 * view of the control state kept by a watch on the whole prefix (control-state.ts), the partition
 * compare-and-swap (partition-cas.ts) and the topic changes (topic-ops.ts).
 */
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { Logger } from '../../util/logger.js';
import type { AlterResult, ClusterControl, PartitionStateChange } from '../control.js';
import type { BrokerFeatures } from '../features.js';
import type { BrokerImage, MetadataImage } from '../metadata-image.js';
import { randomClusterId } from '../uuid.js';
import { etcdClient, within } from './client.js';
import { ControlState, type StoredKey } from './control-state.js';
import { KeyLayout } from './keys.js';
import { requestControlledShutdown } from './controlled-shutdown.js';
import { casPartition, changeError, type PartitionDecision, type WriteGuard } from './partition-cas.js';
import { BrokerSession } from './session.js';
import { TopicOps } from './topic-ops.js';
import { tellListeners } from '../../util/listeners.js';

export interface EtcdControlOptions {
  endpoints: string | readonly string[];
  prefix: string;
  broker: BrokerImage;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  log: Logger;
  features?: BrokerFeatures;
  /**
   * Connect and watch without registering yet: register() does it later (a broker registers once
   * it listens, with the port it is bound to).
   */
  deferRegistration?: boolean;
}

const NO_FEATURES: BrokerFeatures = { supported: [], finalized: [], epoch: 0n };

function stored(kv: IKeyValue): StoredKey {
  return { value: kv.value.toString(), modRevision: Number(kv.mod_revision), createRevision: Number(kv.create_revision), lease: String(kv.lease) };
}

export class EtcdControl extends TopicOps implements ClusterControl {
  readonly keys: KeyLayout;
  readonly state: ControlState;
  readonly session: BrokerSession;
  readonly brokerId: number;
  readonly timeoutMs: number;
  private current: MetadataImage;
  private watcher: Watcher | undefined;
  private closed = false;
  private readonly listeners = new Set<(next: MetadataImage, prev: MetadataImage) => void>();
  private waiters: Array<{ revision: number; resolve: () => void }> = [];
  private readonly features: BrokerFeatures;

  static async open(opts: EtcdControlOptions): Promise<EtcdControl> {
    const client = etcdClient(opts.endpoints);
    const control = new EtcdControl(client, opts);
    try {
      await control.start();
    } catch (e) {
      await control.stopWatching();
      client.close();
      throw e;
    }
    return control;
  }

  private constructor(
    readonly client: Etcd3,
    private readonly opts: EtcdControlOptions,
  ) {
    super();
    this.keys = new KeyLayout(opts.prefix);
    this.brokerId = opts.broker.id;
    this.timeoutMs = opts.sessionTimeoutMs;
    this.features = opts.features ?? NO_FEATURES;
    this.state = new ControlState(this.keys, (key) => opts.log.warn({ key }, 'etcd: ignoring a control key whose value is not understood'));
    this.session = new BrokerSession(client, this.keys, opts.broker, opts.sessionTimeoutMs, opts.heartbeatMs, opts.log);
    this.current = this.state.image(this.features);
  }

  get log(): Logger {
    return this.opts.log;
  }

  private async start(): Promise<void> {
    await this.ensureClusterId();
    if (!this.opts.deferRegistration) await this.session.start();
    await this.load();
  }

  /** Registers this broker (after open with deferRegistration), with its endpoints as now bound. */
  async register(broker: BrokerImage): Promise<void> {
    this.session.setBroker(broker);
    await this.session.start();
  }

  private async ensureClusterId(): Promise<string> {
    const key = this.keys.clusterId;
    const res = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(randomClusterId())).else(this.client.get(key)).options(within(this.timeoutMs)).commit();
    if (res.succeeded) this.log.info({ prefix: this.keys.root }, 'etcd: new cluster id written');
    return res.succeeded ? '' : (res.responses[0]?.response_range?.kvs[0]?.value.toString() ?? '');
  }

  get clusterId(): string {
    return this.current.clusterId;
  }

  /** Snapshot of the prefix, then a watch from the revision after it. */
  private async load(): Promise<void> {
    await this.stopWatching();
    const res = await this.client.getAll().prefix(this.keys.all).options(within(this.timeoutMs)).exec();
    const revision = Number(res.header.revision);
    this.state.reset(res.kvs.map((kv) => [kv.key.toString(), stored(kv)]), revision);
    this.publish();
    const watcher = await this.client.watch().prefix(this.keys.all).startRevision(String(revision + 1)).create();
    watcher.on('data', (r) => this.onWatch(r));
    watcher.on('error', (err) => {
      // Typically a compacted revision: start again from a fresh snapshot.
      this.log.warn({ err: err.message }, 'etcd watch failed; reloading the control state');
      if (!this.closed) void this.reload();
    });
    this.watcher = watcher;
  }

  private async reload(): Promise<void> {
    for (let delay = 200; !this.closed; delay = Math.min(delay * 2, 2000)) {
      try {
        return await this.load();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'etcd: reloading the control state failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Nothing more will arrive: let waiters go (their caller sees the image as it is). */
  private releaseWaiters(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private async stopWatching(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    await w?.cancel().catch(() => undefined);
  }

  private onWatch(res: IWatchResponse): void {
    if (res.events.length === 0) return;
    for (const ev of res.events) {
      const key = ev.kv.key.toString();
      if (ev.type === 'Put') this.state.put(key, stored(ev.kv));
      else this.state.delete(key, Number(ev.kv.mod_revision));
    }
    this.publish();
  }

  private publish(): void {
    const prev = this.current;
    this.current = this.state.image(this.features);
    const rev = this.state.revision;
    const ready = this.waiters.filter((w) => w.revision <= rev);
    this.waiters = this.waiters.filter((w) => w.revision > rev);
    tellListeners(this.listeners, [this.current, prev], this.log, 'metadata image');
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once this broker's image includes etcd revision `revision`: only the revision of a
   * write under this prefix (the watch sees nothing else, and etcd may be shared).
   */
  caughtUp(revision: number): Promise<void> {
    if (this.state.revision >= revision) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ revision, resolve }));
  }

  // ---------------------------------------------------------------- ClusterControl

  image(): MetadataImage {
    return this.current;
  }

  onImage(fn: (next: MetadataImage, prev: MetadataImage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get registered(): boolean {
    return this.session.registered;
  }

  onRegistration(fn: (registered: boolean) => void): () => void {
    return this.session.onRegistration(fn);
  }

  /** A leader's change: allowed only while this broker's registration (its lease) holds. */
  async alterPartition(topic: string, partition: number, partitionEpoch: number, change: PartitionStateChange): Promise<AlterResult> {
    const leaseId = this.session.currentLeaseId;
    if (!this.registered || leaseId === '') return { ok: false, reason: 'fenced' };
    const guard: WriteGuard = { key: this.keys.broker(this.brokerId), target: 'Lease', value: leaseId };
    return this.casPartition(topic, partition, guard, (cur, replicas) => {
      if (cur.partitionEpoch !== partitionEpoch) return 'stale';
      const bad = changeError(replicas, change);
      if (bad) throw new Error(`alterPartition ${topic}-${partition}: ${bad}`);
      return { leader: change.leader, isr: [...change.isr] };
    });
  }

  /** A compare-and-swap of a partition's state that waits until this broker's image has it. */
  async casPartition(topic: string, partition: number, guard: WriteGuard | undefined, decide: PartitionDecision): Promise<AlterResult> {
    const { result, revision } = await casPartition(this.client, this.state, topic, partition, guard, decide, this.timeoutMs);
    if (revision !== undefined) await this.caughtUp(revision);
    return result.ok ? { ok: true, state: result.state } : result;
  }

  /** This broker's registration with new endpoints (or rack); resolves once the image has it. */
  async updateRegistration(broker: BrokerImage): Promise<void> {
    const revision = await this.session.update(broker);
    if (revision !== undefined) await this.caughtUp(revision);
  }

  // ---------------------------------------------------------------- producer ids

  /** A block of `size` producer ids no other broker gets: [start, start + size). */
  async allocateProducerIdBlock(size: number): Promise<{ start: bigint; end: bigint }> {
    const key = this.keys.producerIds;
    for (;;) {
      const res = await this.client.get(key).options(within(this.timeoutMs)).exec();
      const kv = res.kvs[0];
      const start = kv ? BigInt(kv.value.toString()) : 0n;
      const end = start + BigInt(size);
      const cmp = kv ? this.client.if(key, 'Mod', '==', Number(kv.mod_revision)) : this.client.if(key, 'Create', '==', 0);
      const done = await cmp.then(this.client.put(key).value(end.toString())).options(within(this.timeoutMs)).commit();
      if (done.succeeded) return { start, end };
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Asks the controller to move this broker's leaderships away (controlled-shutdown.ts); true when they moved. */
  requestControlledShutdown(timeoutMs: number): Promise<boolean> {
    return requestControlledShutdown(this, timeoutMs);
  }

  /** Leaves the cluster: the registration goes at once (the lease is revoked). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
    await this.stopWatching();
    this.releaseWaiters();
    this.client.close();
  }

  /** As a crash: stops renewing and closes the connection without revoking; etcd expires the lease. */
  async crash(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.abandon();
    await this.stopWatching();
    this.releaseWaiters();
    this.client.close();
  }
}
