"""confluent-kafka (librdkafka): classic consumer groups on a 3-partition topic with the
cooperative-sticky assignor. Each member commits each message before counting it (see
_groups.py), so every message must be processed exactly once over the whole run.

 1. members A and B split the partitions and process 30 messages between them, each from a
    partition it owns. Cooperatively: A gives up only the partitions B gets (on_revoke with just
    those) and keeps the others throughout;
 2. B closes (LeaveGroup): A is given B's partitions incrementally (on_assign with just those,
    no on_revoke) and processes the next 30;
 3. member C, a child process, joins and takes partitions; after 30 more it is killed with
    SIGKILL (no LeaveGroup): once the broker expires its session (6 s) A gets its partitions and
    processes the 30 produced after the kill, and none of C's;
 4. A closes; 30 more; a new member D processes exactly those (the committed offsets);
 5. AdminClient.list_groups() (confluent-kafka 1.7.0's only group admin call: ListGroups, then
    DescribeGroups) shows the group Stable with protocol cooperative-sticky and D's assignment;
    D leaves; 1, 2 and 3 more messages: lag from Consumer.committed() and
    get_watermark_offsets() is 1, 2, 3, and list_groups() shows the group Empty. 1.7.0 has no
    delete_consumer_groups (2.x has), so the group is not deleted.
"""
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import HEARTBEAT_INTERVAL_MS, SESSION_TIMEOUT_MS, ChildMember, Member, consumer_config, decode_assignment, is_split, produce, producer, run_until

PARTITIONS = 3
GROUP = f"{TOPIC}-group"
members = []
prod = producer()


def log(s):
    print(f"confluent-kafka: {s}", flush=True)


def state():
    return [{"member": m.name, "owned": m.owned, "processed": len(m.processed)} for m in members]


def until(what, cond, timeout=20):
    return run_until(members, what, cond, state, timeout)


def of_phase(phase):
    return [p for m in members for p in m.processed if p["value"].startswith(f"{phase}-")]


def processed_once(phase, values, by):
    """Waits for every message of the phase, then checks each came once, to a member owning its partition."""
    until(f"{len(values)} {phase} messages processed", lambda: {p["value"] for p in of_phase(phase)} == set(values))
    deadline = time.monotonic() + 0.3  # a duplicate would come now
    until("settling", lambda: time.monotonic() > deadline)
    got = of_phase(phase)
    check(len(got) == len(values), f"{phase}: each message once, but {len(got)} processed for {len(values)}: {got}")
    owners = {m.name: m for m in by}
    for p in got:
        check(p["member"] in owners and p["partition"] in owners[p["member"]].owned,
              f"{phase}: {p['value']} processed by {p['member']}, which is not one of {list(owners)} owning partition {p['partition']}; {state()}")


def describe():
    groups = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID}).list_groups(timeout=10)
    return next((g for g in groups if g.id == GROUP), None), [g.id for g in groups]


log(f"topic by {create_topic(TOPIC, PARTITIONS)}")
try:
    # 1. Two members split the partitions, cooperatively.
    a = Member("A", GROUP, TOPIC)
    members.append(a)
    until("A alone should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    b = Member("B", GROUP, TOPIC)
    members.append(b)
    until("A and B should split the 3 partitions", lambda: is_split([a.owned, b.owned], PARTITIONS))
    log(f"1. A owns {a.owned}, B owns {b.owned}; A's revocations {a.revoked_events}")
    revoked = sorted(p for r in a.revoked_events for p in r)
    check(revoked == b.owned, f"cooperative: A should have given up only B's partitions {b.owned}, but revoked {a.revoked_events}")
    check(not a.lost_events, f"A lost partitions: {a.lost_events}")
    processed_once("p1", produce(prod, TOPIC, "p1"), [a, b])
    check(a.processed and b.processed, f"both members should have processed messages; {state()}")

    # 2. B leaves: A gets B's partitions added, without giving up its own.
    b_owned, revocations = b.owned, len(a.revoked_events)
    b.stop()
    until("after B left, A should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    check(len(a.revoked_events) == revocations, f"cooperative: A should not give anything up when B leaves, revoked {a.revoked_events[revocations:]}")
    check(a.assigned_events[-1] == b_owned, f"cooperative: A should have been assigned B's partitions {b_owned}, got {a.assigned_events}")
    processed_once("p2", produce(prod, TOPIC, "p2"), [a])
    log(f"2. B left; A was assigned {b_owned} on top of its own, revoked nothing, and processed the next 30")

    # 3. C joins in a child process, then dies without leaving.
    c = ChildMember("C", GROUP, TOPIC)
    members.append(c)
    until("A and C should split the 3 partitions", lambda: is_split([a.owned, c.owned], PARTITIONS), 30)
    c_owned = c.owned
    processed_once("p3", produce(prod, TOPIC, "p3"), [a, c])
    check(c.processed, f"C should have processed messages; {state()}")
    c.kill()
    killed_at = time.monotonic()
    p4 = produce(prod, TOPIC, "p4")
    until(f"A should get C's partitions {c_owned} once C's session expires", lambda: a.owned == [0, 1, 2], 20)
    handover = time.monotonic() - killed_at
    check(handover * 1000 >= SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS - 500,
          f"C's partitions moved {handover:.1f} s after the kill: before its {SESSION_TIMEOUT_MS} ms session could expire")
    processed_once("p4", p4, [a])
    log(f"3. C (owning {c_owned}) killed; A got its partitions after {handover:.1f} s and processed the 30 produced since")

    # 4. The committed offsets carry the group's progress to a new member.
    a.stop()
    p5 = produce(prod, TOPIC, "p5")
    d = Member("D", GROUP, TOPIC)
    members.append(d)
    until("D should own all 3 partitions", lambda: d.owned == [0, 1, 2])
    processed_once("p5", p5, [d])
    check(all(p["value"].startswith("p5-") for p in d.processed), f"D should process only what came after the committed offsets: {d.processed}")
    log("4. A left; a new member D processed exactly the 30 produced after the last commit")

    # 5. Describe and list (list_groups), lag.
    g, ids = describe()
    check(g is not None, f"list_groups() should list {GROUP}: {ids}")
    check(g.error is None and g.state == "Stable" and g.protocol_type == "consumer" and g.protocol == "cooperative-sticky",
          f"list_groups(): {GROUP} should be Stable, consumer, cooperative-sticky: {g.error} {g.state} {g.protocol_type} {g.protocol}")
    check(len(g.members) == 1 and g.members[0].client_id == CLIENT_ID, f"list_groups(): one member, D: {g.members}")
    check(decode_assignment(g.members[0].assignment) == {TOPIC: [0, 1, 2]}, f"D's assignment should be partitions 0, 1, 2: {g.members[0].assignment}")

    d.stop()
    produce(prod, TOPIC, "lag", (1, 2, 3))
    reader = Consumer(consumer_config(GROUP))  # not subscribed: no join, only OffsetFetch and ListOffsets
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        committed = [tp.offset for tp in sorted(reader.committed(tps, timeout=10), key=lambda tp: tp.partition)]
        ends = [reader.get_watermark_offsets(tp, timeout=10)[1] for tp in tps]
    finally:
        reader.close()
    lag = [e - c for e, c in zip(ends, committed)]
    check(committed == [50, 50, 50] and lag == [1, 2, 3], f"committed 50 on each partition (5 x 10 processed) and lag 1, 2, 3: committed {committed}, ends {ends}")
    g, _ = describe()
    check(g is not None and g.state == "Empty" and not g.members, f"list_groups() after D left: Empty, no members: {g and (g.state, g.members)}")
    log("5. list_groups (Stable, cooperative-sticky, D's assignment; then Empty), lag 1,2,3 from committed()/get_watermark_offsets(); "
        "no delete_consumer_groups in 1.7.0")

    values = [p["value"] for m in members for p in m.processed]
    check(len(values) == 150 and len(set(values)) == 150, f"150 messages should have been processed once each, got {len(values)} ({len(set(values))} distinct)")
finally:
    for m in members:
        if isinstance(m, ChildMember):
            m.kill()
        else:
            m.stop()
log("groups: cooperative split, leave, kill (session timeout), committed offsets, list/describe and lag all as expected")
