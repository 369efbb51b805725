/**
 * Server-side partition assignors of the consumer group protocol (KIP-848): `uniform` (Kafka's
 * default) and `range`. Both are sticky: a member keeps what it was given in the previous target
 * assignment as far as balance allows, so a rebalance moves few partitions. Members are taken in
 * member id order, which makes the result deterministic (Kafka iterates a hash map).
 *
 * uniform: every member gets ⌊n/m⌋ or ⌈n/m⌉ of the partitions it can take. With identical
 * subscriptions it keeps up to its quota and fills up from the released and new partitions; with
 * different subscriptions, unassigned partitions go to the least loaded subscriber (the most
 * constrained topics first) and partitions then move from loaded to lighter subscribers until no
 * move helps.
 * range: per topic, contiguous ranges of ⌊n/m⌋ (the first n mod m members one more), keeping the
 * lowest previously owned partitions up to the quota, as Kafka's server-side RangeAssignor.
 */

/** Topic id → partition numbers. */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Ids of the existing topics the member subscribes to. */
  topics: ReadonlySet<string>;
  /** The member's previous target assignment (for stickiness). */
  current: Assignment;
}

export interface AssignorInput {
  members: AssignorMember[];
  /** Topic id → partition count, for every subscribed topic that exists. */
  partitions: ReadonlyMap<string, number>;
}

export type Assignor = (input: AssignorInput) => Map<string, Assignment>;

const key = (topic: string, p: number): string => `${topic}:${p}`;
const byId = (a: AssignorMember, b: AssignorMember): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

function add(a: Assignment, topic: string, p: number): void {
  let s = a.get(topic);
  if (!s) a.set(topic, (s = new Set()));
  s.add(p);
}

function remove(a: Assignment, topic: string, p: number): void {
  const s = a.get(topic);
  if (!s) return;
  s.delete(p);
  if (s.size === 0) a.delete(topic);
}

function count(a: Assignment): number {
  let n = 0;
  for (const s of a.values()) n += s.size;
  return n;
}

function sameTopics(members: AssignorMember[]): boolean {
  const first = members[0].topics;
  return members.every((m) => m.topics.size === first.size && [...m.topics].every((t) => first.has(t)));
}

/** Partitions of a member's previous assignment that still exist and that it still subscribes to, lowest first. */
function validCurrent(m: AssignorMember, partitions: ReadonlyMap<string, number>): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [topic, ps] of m.current) {
    const n = partitions.get(topic);
    if (n === undefined || !m.topics.has(topic)) continue;
    for (const p of ps) if (p >= 0 && p < n) out.push([topic, p]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
}

export const uniformAssignor: Assignor = ({ members, partitions }) => {
  const result = new Map<string, Assignment>();
  const sorted = [...members].sort(byId);
  for (const m of sorted) result.set(m.memberId, new Map());
  if (sorted.length === 0) return result;
  const owner = new Map<string, string>();
  const all: Array<[string, number]> = [];
  const subscribed = new Set<string>();
  for (const m of sorted) for (const t of m.topics) if (partitions.has(t)) subscribed.add(t);
  for (const t of [...subscribed].sort()) for (let p = 0; p < partitions.get(t)!; p++) all.push([t, p]);

  if (sameTopics(sorted)) {
    const min = Math.floor(all.length / sorted.length);
    let extra = all.length % sorted.length;
    const kept = new Map<string, Array<[string, number]>>();
    for (const m of sorted) {
      const mine = validCurrent(m, partitions).filter(([t, p]) => !owner.has(key(t, p)));
      kept.set(m.memberId, mine);
      for (const [t, p] of mine.slice(0, min)) {
        owner.set(key(t, p), m.memberId);
        add(result.get(m.memberId)!, t, p);
      }
    }
    // Members that had more than the minimum keep one more while the ⌈n/m⌉ slots last.
    for (const m of sorted) {
      const mine = kept.get(m.memberId)!;
      if (extra > 0 && mine.length > min && !owner.has(key(...mine[min]))) {
        const [t, p] = mine[min];
        owner.set(key(t, p), m.memberId);
        add(result.get(m.memberId)!, t, p);
        extra--;
      }
    }
    const free = all.filter(([t, p]) => !owner.has(key(t, p)));
    let next = 0;
    for (const m of sorted) {
      const a = result.get(m.memberId)!;
      while (count(a) < min && next < free.length) add(a, ...free[next++]);
    }
    for (const m of sorted) {
      if (next >= free.length || extra === 0) break;
      const a = result.get(m.memberId)!;
      if (count(a) === min) {
        add(a, ...free[next++]);
        extra--;
      }
    }
    return result;
  }

  // Heterogeneous subscriptions.
  const load = new Map(sorted.map((m) => [m.memberId, 0]));
  const subscribers = new Map<string, AssignorMember[]>();
  for (const m of sorted) for (const t of m.topics) if (partitions.has(t)) subscribers.set(t, [...(subscribers.get(t) ?? []), m]);
  for (const m of sorted) {
    for (const [t, p] of validCurrent(m, partitions)) {
      if (owner.has(key(t, p))) continue;
      owner.set(key(t, p), m.memberId);
      add(result.get(m.memberId)!, t, p);
      load.set(m.memberId, load.get(m.memberId)! + 1);
    }
  }
  const lightest = (t: string, except?: string): AssignorMember | undefined => {
    let best: AssignorMember | undefined;
    for (const m of subscribers.get(t) ?? []) if (m.memberId !== except && (!best || load.get(m.memberId)! < load.get(best.memberId)!)) best = m;
    return best;
  };
  const constrained = [...subscribers.keys()].sort((a, b) => subscribers.get(a)!.length - subscribers.get(b)!.length || (a < b ? -1 : 1));
  for (const t of constrained) {
    for (let p = 0; p < partitions.get(t)!; p++) {
      if (owner.has(key(t, p))) continue;
      const m = lightest(t)!;
      owner.set(key(t, p), m.memberId);
      add(result.get(m.memberId)!, t, p);
      load.set(m.memberId, load.get(m.memberId)! + 1);
    }
  }
  // Balance: move a partition from a member to a lighter subscriber of its topic while that evens them out.
  for (let moves = 0, moved = true; moved && moves < all.length * 4; ) {
    moved = false;
    for (const [t, p] of all) {
      const from = owner.get(key(t, p))!;
      const to = lightest(t, from);
      if (!to || load.get(from)! - load.get(to.memberId)! <= 1) continue;
      remove(result.get(from)!, t, p);
      add(result.get(to.memberId)!, t, p);
      owner.set(key(t, p), to.memberId);
      load.set(from, load.get(from)! - 1);
      load.set(to.memberId, load.get(to.memberId)! + 1);
      moved = true;
      moves++;
    }
  }
  return result;
};

export const rangeAssignor: Assignor = ({ members, partitions }) => {
  const result = new Map<string, Assignment>();
  const sorted = [...members].sort(byId);
  for (const m of sorted) result.set(m.memberId, new Map());
  const topics = new Set<string>();
  for (const m of sorted) for (const t of m.topics) if (partitions.has(t)) topics.add(t);
  for (const topic of [...topics].sort()) {
    const n = partitions.get(topic)!;
    const subs = sorted.filter((m) => m.topics.has(topic));
    const min = Math.floor(n / subs.length);
    let extra = n % subs.length;
    const taken = new Set<number>();
    const unfilled: Array<{ m: AssignorMember; remaining: number }> = [];
    for (const m of subs) {
      const mine = [...(m.current.get(topic) ?? [])].filter((p) => p >= 0 && p < n && !taken.has(p)).sort((a, b) => a - b);
      const a = result.get(m.memberId)!;
      for (const p of mine.slice(0, min)) {
        taken.add(p);
        add(a, topic, p);
      }
      const remaining = min - mine.length;
      if (remaining < 0 && extra > 0) {
        extra--;
        taken.add(mine[min]);
        add(a, topic, mine[min]);
      } else unfilled.push({ m, remaining });
    }
    const free: number[] = [];
    for (let p = 0; p < n; p++) if (!taken.has(p)) free.push(p);
    let next = 0;
    for (const u of unfilled) {
      let remaining = u.remaining;
      if (extra > 0) {
        remaining++;
        extra--;
      }
      for (; remaining > 0 && next < free.length; remaining--) add(result.get(u.m.memberId)!, topic, free[next++]);
    }
  }
  return result;
};

/** Assignors by the names clients send in ServerAssignor (Kafka's class names are accepted in configuration). */
export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([
  ['uniform', uniformAssignor],
  ['range', rangeAssignor],
]);

const CLASS_NAMES: Record<string, string> = {
  'org.apache.kafka.coordinator.group.assignor.UniformAssignor': 'uniform',
  'org.apache.kafka.coordinator.group.assignor.RangeAssignor': 'range',
};

/** group.consumer.assignors as assignor names, known ones only; the first is the default. */
export function configuredAssignors(list: string[]): string[] {
  const names = list.map((s) => CLASS_NAMES[s.trim()] ?? s.trim()).filter((s) => ASSIGNORS.has(s));
  return names.length > 0 ? [...new Set(names)] : ['uniform', 'range'];
}
