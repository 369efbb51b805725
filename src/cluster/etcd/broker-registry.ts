/**
 * The persistent side of broker registration in etcd (see src/cluster/broker-registry.ts):
 * P/known_brokers/<id> = {id, endpoints, rack}, without a lease, written by a broker each time it
 * registers (at start and after a lost session) and deleted only by UnregisterBroker. A key
 * the control state does not parse, so the image (live brokers) is unchanged by it.
 */
import type { Etcd3 } from 'etcd3';
import { within } from './client.js';
import { parseBroker, type KeyLayout } from './keys.js';
import type { BrokerImage, MetadataImage } from '../metadata-image.js';
import { aliveRefusal, notRegistered, unregisterRefusal, type BrokerRegistry, type UnregisterResult } from '../broker-registry.js';
import type { Logger } from '../../util/logger.js';

export interface EtcdRegistryControl {
  readonly client: Etcd3;
  readonly keys: KeyLayout;
  readonly timeoutMs: number;
  image(): MetadataImage;
  onRegistration(fn: (registered: boolean) => void): () => void;
}

export class EtcdBrokerRegistry implements BrokerRegistry {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly control: EtcdRegistryControl,
    private readonly log: Logger,
  ) {}

  private get prefix(): string {
    return `${this.control.keys.root}/known_brokers/`;
  }

  private key(id: number): string {
    return `${this.prefix}${id}`;
  }

  /**
   * Remembers `broker` now and again at every later registration of this broker. A failure is
   * logged, not thrown: the broker serves without the record (it is written at its next registration).
   */
  async start(broker: BrokerImage): Promise<void> {
    const remember = () => this.remember(broker).catch((err: Error) => this.log.warn({ err: err.message }, 'could not record this broker as known in etcd'));
    this.unsubscribe = this.control.onRegistration((registered) => {
      if (registered) void remember();
    });
    await remember();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async remember(broker: BrokerImage): Promise<void> {
    const value = { id: broker.id, endpoints: [...broker.endpoints], rack: broker.rack };
    await this.control.client.put(this.key(broker.id)).value(JSON.stringify(value)).options(within(this.control.timeoutMs)).exec();
  }

  async fenced(): Promise<BrokerImage[]> {
    const image = this.control.image();
    const res = await this.control.client.getAll().prefix(this.prefix).options(within(this.control.timeoutMs)).strings();
    const out: BrokerImage[] = [];
    for (const text of Object.values(res)) {
      const b = parseBroker(text);
      if (b && !image.broker(b.id)) out.push({ id: b.id, endpoints: b.endpoints, rack: b.rack });
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async unregister(brokerId: number): Promise<UnregisterResult> {
    const refused = unregisterRefusal(brokerId, this.control.image());
    if (refused) return refused;
    const { client, keys, timeoutMs } = this.control;
    // Only while the broker is still not alive (no live registration key) and is remembered.
    const res = await client
      .if(keys.broker(brokerId), 'Create', '==', 0)
      .and(this.key(brokerId), 'Create', '>', 0)
      .then(client.delete().key(this.key(brokerId)))
      .else(client.get(keys.broker(brokerId)))
      .options(within(timeoutMs))
      .commit();
    if (res.succeeded) {
      this.log.info({ brokerId }, 'broker unregistered');
      return { errorCode: 0, errorMessage: null };
    }
    const alive = (res.responses[0]?.response_range?.kvs.length ?? 0) > 0;
    return alive ? aliveRefusal(brokerId) : notRegistered(brokerId);
  }
}
