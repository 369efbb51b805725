/** A real client's admin API against Runnel: @platformatic/kafka's alterClientQuotas / describeClientQuotas. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Admin } from '@platformatic/kafka';
import { startBroker, type Broker } from '../../src/broker.js';

let broker: Broker;
let admin: Admin;

beforeAll(async () => {
  broker = await startBroker({ port: 0 });
  admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [broker.bootstrap] });
});

afterAll(async () => {
  await admin?.close();
  await broker?.close();
});

describe('@platformatic/kafka Admin', () => {
  it('alters and describes client quotas', async () => {
    const altered = await admin.alterClientQuotas({
      entries: [
        { entities: [{ entityType: 'client-id', entityName: 'pk-app' }], ops: [{ key: 'producer_byte_rate', value: 4096, remove: false }] },
        { entities: [{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 8192, remove: false }] },
      ],
    });
    expect(altered.map((e) => e.errorCode)).toEqual([0, 0]);
    const exact = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'pk-app' }], strict: true });
    expect(exact).toEqual([{ entity: [{ entityType: 'client-id', entityName: 'pk-app' }], values: [{ key: 'producer_byte_rate', value: 4096 }] }]);
    const defaults = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 1 }] });
    expect(defaults).toEqual([
      {
        entity: [
          { entityType: 'user', entityName: null },
          { entityType: 'client-id', entityName: null },
        ],
        values: [{ key: 'consumer_byte_rate', value: 8192 }],
      },
    ]);
    const removed = await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: 'client-id', entityName: 'pk-app' }], ops: [{ key: 'producer_byte_rate', remove: true }] }] });
    expect(removed[0].errorCode).toBe(0);
    expect(await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'pk-app' }] })).toEqual([]);
  });
});
