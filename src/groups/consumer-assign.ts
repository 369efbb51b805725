/**
 * What a consumer group's members subscribe to and the target assignment for them: regexes
 * resolved against the topic catalogue (again at most once a second), the subscribed topics'
 * ids and partition counts, and the server-side assignor's result for a new group epoch.
 */
import type { Logger } from '../util/logger.js';
import type { TopicCatalog } from '../cluster/topics.js';
import { ASSIGNORS, type Assignment } from './assignors.js';
import { compileRegex, type ConsumerGroup, type TopicMeta } from './consumer-group.js';
import { sameAssignment } from './reconcile.js';

const REGEX_REFRESH_MS = 1000;

export class ConsumerTargets {
  constructor(
    private readonly topics: Pick<TopicCatalog, 'list' | 'get'>,
    private readonly assignors: string[],
    private readonly log: Logger,
  ) {}

  /** Resolves the members' regexes against the topic catalogue (again once a second, or now when `force`). */
  resolveRegexes(g: ConsumerGroup, now: number, force: boolean): void {
    const used = new Set<string>();
    for (const m of g.members.values()) if (m.subscribedTopicRegex) used.add(m.subscribedTopicRegex);
    g.pruneRegexes(used);
    const stale = [...used].filter((r) => force || now - (g.regexResolvedAt(r) ?? -Infinity) >= REGEX_REFRESH_MS);
    if (stale.length === 0) return;
    const compiled = stale.map((r) => {
      try {
        return { r, re: compileRegex(r) };
      } catch {
        return { r, re: undefined };
      }
    });
    const found = new Map(stale.map((r) => [r, new Set<string>()]));
    for (const t of this.topics.list()) {
      if (t.internal) continue;
      for (const { r, re } of compiled) if (re?.test(t.name)) found.get(r)!.add(t.name);
    }
    for (const [r, topics] of found) g.setRegexTopics(r, topics, now);
  }

  /** The subscribed topics that exist, with their ids and partition counts. */
  metadataFor(g: ConsumerGroup): Map<string, TopicMeta> {
    const out = new Map<string, TopicMeta>();
    for (const name of g.subscribedTopicNames()) {
      const t = this.topics.get(name);
      if (t) out.set(name, { id: t.id, partitions: t.partitions });
    }
    return out;
  }

  /** A new target assignment for the group epoch; the members whose target changed. */
  assign(g: ConsumerGroup): string[] {
    const name = g.preferredAssignor() ?? this.assignors[0];
    const assignor = ASSIGNORS.get(name) ?? ASSIGNORS.get(this.assignors[0])!;
    const partitions = new Map([...g.subscriptionMetadata.values()].map((t) => [t.id, t.partitions]));
    const members = [...g.members.values()].map((m) => ({ memberId: m.memberId, topics: g.memberTopicIds(m), current: g.targets.get(m.memberId) ?? new Map() }));
    const result = assignor({ members, partitions });
    const changed: string[] = [];
    for (const m of g.members.values()) {
      const next: Assignment = result.get(m.memberId) ?? new Map();
      const before = g.targets.get(m.memberId) ?? new Map();
      g.targets.set(m.memberId, next);
      if (!sameAssignment(before, next)) changed.push(m.memberId);
    }
    g.assignmentEpoch = g.groupEpoch;
    this.log.info({ group: g.groupId, assignmentEpoch: g.assignmentEpoch, assignor: name, members: g.members.size }, 'computed a new target assignment');
    return changed;
  }
}
