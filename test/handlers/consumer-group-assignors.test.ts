/**
 * The server-side assignors of the consumer group protocol, as pure functions: every partition of
 * a subscribed topic goes to exactly one subscriber, members are balanced, and a member keeps its
 * previous partitions where balance allows (stickiness); range hands out contiguous ranges.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { rangeAssignor, uniformAssignor, type Assignment, type Assignor, type AssignorMember } from '../../src/groups/assignors.js';
import { compileRegex } from '../../src/groups/consumer-group.js';

const flat = (a: Assignment | undefined): string[] => [...(a ?? new Map())].flatMap(([t, ps]) => [...ps].map((p) => `${t}:${p}`)).sort();
const count = (a: Assignment | undefined) => flat(a).length;

const scenario = fc.record({
  topics: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
  members: fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 7 }),
  homogeneous: fc.boolean(),
});

function build(s: { topics: number[]; members: boolean[][]; homogeneous: boolean }) {
  const partitions = new Map(s.topics.map((n, i) => [`t${i}`, n]));
  const members: AssignorMember[] = s.members.map((subs, i) => ({
    memberId: `m${i}`,
    topics: new Set(s.topics.map((_, t) => `t${t}`).filter((_, t) => s.homogeneous || subs[t])),
    current: new Map(),
  }));
  return { partitions, members };
}

function checkValid(assignor: Assignor, s: { topics: number[]; members: boolean[][]; homogeneous: boolean }) {
  const { partitions, members } = build(s);
  const result = assignor({ members, partitions });
  const owner = new Map<string, string>();
  for (const m of members) {
    for (const tp of flat(result.get(m.memberId))) {
      expect(owner.has(tp)).toBe(false);
      owner.set(tp, m.memberId);
      expect(m.topics.has(tp.split(':')[0])).toBe(true);
    }
  }
  for (const [t, n] of partitions) {
    const subscribed = members.some((m) => m.topics.has(t));
    for (let p = 0; p < n; p++) expect(owner.has(`${t}:${p}`)).toBe(subscribed);
  }
  return { result, members, partitions };
}

describe('uniform', () => {
  it('assigns every subscribed partition once, balanced within one for identical subscriptions', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { result, members } = checkValid(uniformAssignor, s);
        if (s.homogeneous) {
          const counts = members.map((m) => count(result.get(m.memberId)));
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('is sticky: a new member takes only its share, the others keep the rest', () => {
    const partitions = new Map([['t', 6]]);
    const all = new Set(['t']);
    const first = uniformAssignor({ members: [{ memberId: 'a', topics: all, current: new Map() }, { memberId: 'b', topics: all, current: new Map() }], partitions });
    const next = uniformAssignor({
      members: [
        { memberId: 'a', topics: all, current: first.get('a')! },
        { memberId: 'b', topics: all, current: first.get('b')! },
        { memberId: 'c', topics: all, current: new Map() },
      ],
      partitions,
    });
    expect([count(next.get('a')), count(next.get('b')), count(next.get('c'))]).toEqual([2, 2, 2]);
    expect(flat(next.get('a')).every((tp) => flat(first.get('a')).includes(tp))).toBe(true);
    expect(flat(next.get('b')).every((tp) => flat(first.get('b')).includes(tp))).toBe(true);
  });

  it('balances different subscriptions: the member of the shared topic only is not left idle', () => {
    const partitions = new Map([['p', 4], ['q', 4]]);
    const r = uniformAssignor({ members: [{ memberId: 'a', topics: new Set(['p', 'q']), current: new Map() }, { memberId: 'b', topics: new Set(['q']), current: new Map() }], partitions });
    expect(count(r.get('a'))).toBe(4);
    expect(count(r.get('b'))).toBe(4);
    expect(flat(r.get('b')).every((tp) => tp.startsWith('q:'))).toBe(true);
  });
});

describe('with previous assignments', () => {
  it('both stay valid and balanced from any previous assignment, even overlapping or stale ones', () => {
    const withCurrent = fc.tuple(scenario, fc.array(fc.tuple(fc.nat(8), fc.nat(4), fc.integer({ min: -2, max: 14 })), { maxLength: 40 }));
    for (const assignor of [uniformAssignor, rangeAssignor]) {
      fc.assert(
        fc.property(withCurrent, ([s, picks]) => {
          const { partitions, members } = build(s);
          for (const [m, t, p] of picks) {
            const member = members[m % members.length];
            const set = member.current.get(`t${t}`) ?? new Set<number>();
            set.add(p);
            member.current.set(`t${t}`, set);
          }
          const result = assignor({ members, partitions });
          const seen = new Set<string>();
          for (const m of members) for (const tp of flat(result.get(m.memberId))) {
            expect(seen.has(tp)).toBe(false);
            seen.add(tp);
            const [t, p] = tp.split(':');
            expect(m.topics.has(t) && Number(p) >= 0 && Number(p) < partitions.get(t)!).toBe(true);
          }
          const expected = [...partitions].filter(([t]) => members.some((m) => m.topics.has(t))).reduce((n, [, c]) => n + c, 0);
          expect(seen.size).toBe(expected);
          if (s.homogeneous) {
            const counts = members.map((m) => count(result.get(m.memberId)));
            if (assignor === uniformAssignor) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
          }
        }),
      );
    }
  });
});

describe('range', () => {
  it('assigns every subscribed partition once, in contiguous ranges per topic', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { result, members, partitions } = checkValid(rangeAssignor, s);
        for (const [t, n] of partitions) {
          const subs = members.filter((m) => m.topics.has(t));
          for (const m of subs) {
            const mine = [...(result.get(m.memberId)?.get(t) ?? [])].sort((x, y) => x - y);
            expect(mine.length === 0 || mine[mine.length - 1] - mine[0] === mine.length - 1).toBe(true);
            expect(mine.length).toBeGreaterThanOrEqual(Math.floor(n / subs.length));
            expect(mine.length).toBeLessThanOrEqual(Math.ceil(n / subs.length));
          }
        }
      }),
    );
  });

  it('gives the first n mod m members one more, in member id order', () => {
    const r = rangeAssignor({ members: ['b', 'a', 'c'].map((memberId) => ({ memberId, topics: new Set(['t']), current: new Map() })), partitions: new Map([['t', 7]]) });
    expect(flat(r.get('a'))).toEqual(['t:0', 't:1', 't:2']);
    expect(flat(r.get('b'))).toEqual(['t:3', 't:4']);
    expect(flat(r.get('c'))).toEqual(['t:5', 't:6']);
  });
});

describe('subscription regexes', () => {
  it('match whole names, translate RE2 inline flags and \\Q…\\E, and refuse what RE2 cannot do', () => {
    expect(compileRegex('orders.*').test('orders-eu')).toBe(true);
    expect(compileRegex('orders').test('my-orders')).toBe(false);
    expect(compileRegex('(?i)ORDERS').test('orders')).toBe(true);
    expect(compileRegex('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileRegex('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileRegex('(?P<name>t)\\d').test('t1')).toBe(true);
    expect(() => compileRegex('(a')).toThrow(SyntaxError);
    expect(() => compileRegex('(?=a)a')).toThrow(SyntaxError);
    expect(() => compileRegex('(a)\\1')).toThrow(SyntaxError);
    // Patterns that would backtrack exponentially in JavaScript (RE2 is linear) are refused.
    for (const bad of ['(a+)+$', '(a|aa)*b', '((ab)*c)+', '(a?){20}', '(x[a-z]+)*']) expect(() => compileRegex(bad), bad).toThrow(SyntaxError);
    for (const ok of ['(orders|payments)', '(orders-[a-z]+)?', 'topic-[0-9]+', '(?:eu|us)-orders.*', '[(+*)]+x']) expect(compileRegex(ok), ok).toBeInstanceOf(RegExp);
  });
});
