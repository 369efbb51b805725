"""kafka-python: classic consumer groups on a 3-partition topic (kafka-python's range and
round-robin assignors; it has no cooperative one). Each member polls in a thread of its own and
commits each message before counting it (see _groups.py), so every message must be processed
exactly once over the whole run.

 1. members A and B split the partitions and process 30 messages between them, each from a
    partition it owns;
 2. B closes (LeaveGroup): A takes all three and processes the next 30;
 3. member C, a child process, joins and takes partitions; after 30 more it is killed with
    SIGKILL (no LeaveGroup): once the broker expires its session (6 s) A takes its partitions and
    processes the 30 produced after the kill, and none of C's;
 4. A closes; 30 more; a new member D processes exactly those (the committed offsets);
 5. KafkaAdminClient: describe_consumer_groups (Stable, range, D with all three partitions),
    list_consumer_groups, delete_consumer_groups refused with NON_EMPTY_GROUP while D is in; D
    leaves; 1, 2 and 3 more messages: lag from list_consumer_group_offsets and end_offsets is
    1, 2, 3; the group is Empty; delete_consumer_groups deletes it, list_consumer_groups no
    longer lists it and list_consumer_group_offsets finds nothing.
"""
import time

from kafka import KafkaAdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import HEARTBEAT_INTERVAL_MS, SESSION_TIMEOUT_MS, ChildMember, Member, end_offsets, is_split, produce, producer, run_until

PARTITIONS = 3
GROUP = f"{TOPIC}-group"
members = []


def log(s):
    print(f"kafka-python: {s}", flush=True)


def state():
    return [{"member": m.name, "owned": m.owned, "processed": len(m.processed)} for m in members]


def until(what, cond, timeout=20):
    return run_until(members, what, cond, state, timeout)


def of_phase(phase):
    return [p for m in members for p in list(m.processed) if p["value"].startswith(f"{phase}-")]


def processed_once(phase, values, by):
    """Waits for every message of the phase, then checks each came once, to a member owning its partition."""
    until(f"{len(values)} {phase} messages processed", lambda: {p["value"] for p in of_phase(phase)} == set(values))
    time.sleep(0.3)  # a duplicate would come now
    got = of_phase(phase)
    check(len(got) == len(values), f"{phase}: each message once, but {len(got)} processed for {len(values)}: {got}")
    owners = {m.name: m for m in by}
    for p in got:
        check(p["member"] in owners and p["partition"] in owners[p["member"]].owned,
              f"{phase}: {p['value']} processed by {p['member']}, which is not one of {list(owners)} owning partition {p['partition']}; {state()}")


def committed(admin):
    offsets = admin.list_consumer_group_offsets(GROUP)
    return [offsets[tp].offset if tp in offsets else -1 for tp in sorted(offsets, key=lambda tp: tp.partition)] if offsets else []


log(f"topic by {create_topic(TOPIC, PARTITIONS)}")
prod = producer()
admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)
try:
    # 1. Two members split the partitions.
    a = Member("A", GROUP, TOPIC)
    members.append(a)
    until("A alone should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    b = Member("B", GROUP, TOPIC)
    members.append(b)
    until("A and B should split the 3 partitions", lambda: is_split([a.owned, b.owned], PARTITIONS))
    log(f"1. A owns {a.owned}, B owns {b.owned}")
    processed_once("p1", produce(prod, TOPIC, "p1"), [a, b])
    check(a.processed and b.processed, f"both members should have processed messages; {state()}")

    # 2. B leaves: A takes everything and carries on.
    b.stop()
    until("after B left, A should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    processed_once("p2", produce(prod, TOPIC, "p2"), [a])
    log("2. B left; A owns 0,1,2 and processed the next 30")

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
    until(f"A should take C's partitions {c_owned} once C's session expires", lambda: a.owned == [0, 1, 2], 20)
    handover = time.monotonic() - killed_at
    check(handover * 1000 >= SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS - 500,
          f"C's partitions moved {handover:.1f} s after the kill: before its {SESSION_TIMEOUT_MS} ms session could expire")
    processed_once("p4", p4, [a])
    log(f"3. C (owning {c_owned}) killed; A took its partitions after {handover:.1f} s and processed the 30 produced since")

    # 4. The committed offsets carry the group's progress to a new member.
    a.stop()
    p5 = produce(prod, TOPIC, "p5")
    d = Member("D", GROUP, TOPIC)
    members.append(d)
    until("D should own all 3 partitions", lambda: d.owned == [0, 1, 2])
    processed_once("p5", p5, [d])
    check(all(p["value"].startswith("p5-") for p in d.processed), f"D should process only what came after the committed offsets: {d.processed}")
    log("4. A left; a new member D processed exactly the 30 produced after the last commit")

    # 5. Describe, list, delete; lag.
    [g] = admin.describe_consumer_groups([GROUP])
    check(g.error_code == 0 and g.group == GROUP and g.state == "Stable" and g.protocol_type == "consumer" and g.protocol == "range",
          f"describe_consumer_groups: Stable, consumer, range: {g}")
    check(len(g.members) == 1 and g.members[0].client_id == CLIENT_ID, f"describe_consumer_groups: one member, D: {g.members}")
    assignment = dict(g.members[0].member_assignment.assignment)
    check(sorted(assignment.get(TOPIC, [])) == [0, 1, 2], f"D's assignment should be partitions 0, 1, 2: {g.members[0].member_assignment}")
    check((GROUP, "consumer") in admin.list_consumer_groups(), f"list_consumer_groups should list ({GROUP}, consumer)")
    [(gid, err)] = admin.delete_consumer_groups([GROUP])
    check(gid == GROUP and err.__name__ == "NonEmptyGroupError", f"delete_consumer_groups with a member in the group should fail with NON_EMPTY_GROUP, got {err}")

    d.stop()
    produce(prod, TOPIC, "lag", (1, 2, 3))
    offsets = committed(admin)
    ends = end_offsets(TOPIC, PARTITIONS)
    lag = [e - c for e, c in zip(ends, offsets)]
    check(offsets == [50, 50, 50] and lag == [1, 2, 3], f"committed 50 on each partition (5 x 10 processed) and lag 1, 2, 3: committed {offsets}, ends {ends}")
    [g] = admin.describe_consumer_groups([GROUP])
    check(g.state == "Empty" and not g.members, f"describe_consumer_groups after D left: Empty, no members: {g}")
    [(gid, err)] = admin.delete_consumer_groups([GROUP])
    check(gid == GROUP and err.__name__ == "NoError", f"delete_consumer_groups should delete the empty group, got {err}")
    check(GROUP not in [x[0] for x in admin.list_consumer_groups()], "list_consumer_groups should not list the group after delete_consumer_groups")
    check(admin.list_consumer_group_offsets(GROUP) == {}, f"list_consumer_group_offsets after delete: {admin.list_consumer_group_offsets(GROUP)}")
    log("5. describe_consumer_groups, list_consumer_groups, delete_consumer_groups (NON_EMPTY_GROUP, then deleted), "
        "lag 1,2,3 from list_consumer_group_offsets/end_offsets")

    values = [p["value"] for m in members for p in m.processed]
    check(len(values) == 150 and len(set(values)) == 150, f"150 messages should have been processed once each, got {len(values)} ({len(set(values))} distinct)")
finally:
    for m in members:
        if isinstance(m, ChildMember):
            m.kill()
        else:
            m.stop()
    prod.close()
    admin.close()
log("groups: split, leave, kill (session timeout), committed offsets, describe/list/delete and lag all as expected")
