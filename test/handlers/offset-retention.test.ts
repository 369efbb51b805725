/**
 * offsets.retention.minutes: committed offsets of an empty group expire that long after the group
 * became empty, and the expiry is durable (a replay does not bring them back); groups with members
 * keep theirs.
 */
import { describe, it, expect } from 'vitest';
import { BrokerConfig } from '../../src/config/config.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import { GroupStore } from '../../src/groups/group-store.js';
import { silentLogger } from '../../src/util/logger.js';
import { tempDir, newLog } from '../storage/helpers.js';

describe('committed offset retention', () => {
  it('expires an empty group’s offsets after offsets.retention.minutes, durably', async () => {
    const log = await newLog(await tempDir(), { cleanupPolicy: ['compact'] });
    const config = new BrokerConfig({ 'offsets.retention.minutes': 1 });
    const groups = new GroupCoordinator(config, new GroupStore([log]), silentLogger);
    await groups.commit('idle', [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: 0, metadata: null }]);
    await groups.commit('busy', [{ topic: 't', partition: 0, offset: 9n, leaderEpoch: 0, metadata: null }]);
    // 'busy' has a member: its offsets stay however old they are.
    const joined = groups.join({ groupId: 'busy', memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/h', sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 1000, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from('m') }], reason: null, requireKnownMemberId: false, supportsSkipAssignment: false });
    await joined;
    await groups.expireOffsets(Date.now() + 30_000);
    expect(groups.offsets('idle').size).toBe(1); // not yet
    await groups.expireOffsets(Date.now() + 61_000);
    expect(groups.offsets('idle').size).toBe(0);
    expect(groups.offsets('busy').size).toBe(1);
    groups.close();
    const replayed = new GroupCoordinator(config, new GroupStore([log]), silentLogger);
    await replayed.load();
    expect(replayed.offsets('idle').size).toBe(0);
    expect(replayed.offsets('busy').get('t', 0)?.offset).toBe(9n);
    replayed.close();
  });
});
