"""kafka-python: members of a classic group started at the same moment (the broker side of issue
11; kafka-python 2.0.2 joins with JoinGroup v2, before MEMBER_ID_REQUIRED, so it shows the plain
race of simultaneous joins). On a 6-partition topic (one per group size, so that no member reads
what an earlier group was sent while it joins), in three groups one after the other, 2, 3 and 10
consumers with kafka-python's default timeouts (session 10 s, heartbeat 3 s, max_poll_interval_ms
300 s) and assignors (range, roundrobin), each polling in a thread of its own, are started
together:

 - the group settles within SETTLE_BOUND_S, below the session timeout: every member has had its
   assignment (on_partitions_assigned), their partitions are disjoint and cover the 6 partitions
   (the members beyond 6 get none), and describe_consumer_groups shows the group Stable with
   exactly those members (told apart by client_id) and assignments;
 - 5 messages produced to each partition are each processed exactly once, by the member owning
   the partition (each member commits each message before counting it, see _groups.py).

The settle time per group size is printed.
"""
import time

from kafka import KafkaAdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import Member, produce, producer, run_until

PARTITIONS = 6
PER_PARTITION = 5
# Below the 10 s session timeout: a member that was not part of a rebalance learns of it with its
# next heartbeat, 3 s at most; a loaded machine needs some margin on top.
SETTLE_BOUND_S = {2: 8, 3: 8, 10: 8}
# kafka-python's default timeouts, named (the fetch wait stays _groups.py's 100 ms).
DEFAULTS = {"session_timeout_ms": 10000, "heartbeat_interval_ms": 3000, "max_poll_interval_ms": 300000}

admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)
prod = producer()


def log(s):
    print(f"kafka-python: {s}", flush=True)


def clients_agree(members):
    """Each member has had an assignment; their partitions are disjoint and cover the topic; min(n, 6) have some."""
    if not all(m.assigned_events for m in members):
        return False
    owned = sorted(p for m in members for p in m.owned)
    return owned == list(range(PARTITIONS)) and sum(1 for m in members if m.owned) == min(len(members), PARTITIONS)


def broker_view(group, topic):
    """The group as describe_consumer_groups shows it: state, {client id: partitions}."""
    [g] = admin.describe_consumer_groups([group])
    if g.error_code != 0:
        return None, {}
    return g.state, {x.client_id: sorted(dict(x.member_assignment.assignment).get(topic, []) if x.member_assignment else []) for x in g.members}


def round_of(n):
    topic, group = f"{TOPIC}-{n}", f"{TOPIC}-together-{n}"
    create_topic(topic, PARTITIONS)
    members = []
    seen = [None]

    def state():
        members_seen = [{"member": m.name, "assigned": m.assigned_events, "owned": m.owned, "processed": len(m.processed)} for m in members]
        return f"members {members_seen}; describe_consumer_groups: {seen[0]}"

    def settled():
        if not clients_agree(members):
            return False
        st, by_client = broker_view(group, topic)
        seen[0] = (st, by_client)
        return (st == "Stable" and len(by_client) == n and clients_agree(members)
                and all(by_client.get(f"{CLIENT_ID}-{m.name}") == m.owned for m in members))

    try:
        t0 = time.monotonic()
        for i in range(n):
            name = f"M{i + 1}"
            members.append(Member(name, group, topic, client_id=f"{CLIENT_ID}-{name}", **DEFAULTS))
        bound = SETTLE_BOUND_S[n]
        run_until(members, f"{n} members started together should settle within {bound} s (session timeout 10 s)",
                  settled, state, timeout=bound)
        settle_ms = round((time.monotonic() - t0) * 1000)
        owned_at_settle = [m.owned for m in members]
        log(f"{n} members started together settled in {settle_ms} ms: " + ", ".join(f"{m.name} {m.owned}" for m in members))

        # Every message once, to the member owning its partition.
        phase = f"n{n}"
        values = produce(prod, topic, phase, (PER_PARTITION,) * PARTITIONS)

        def got():
            return [p for m in members for p in m.processed if p["value"].startswith(f"{phase}-")]

        run_until(members, f"{len(values)} messages processed by the {n} members", lambda: {p["value"] for p in got()} == set(values), state, 20)
        time.sleep(0.5)  # a duplicate would come now
        check(len(got()) == len(values), f"{n} members: each message once, but {len(got())} processed for {len(values)}: {got()}")
        owners = {m.name: m for m in members}
        for p in got():
            check(p["partition"] in owners[p["member"]].owned,
                  f"{n} members: {p['value']} processed by {p['member']}, which does not own partition {p['partition']}; {state()}")
        check([m.owned for m in members] == owned_at_settle, f"{n} members: the assignments should not change after the group settled: {state()}")
        return settle_ms
    finally:
        for m in members:
            m.running = False
        for m in members:
            m.stop()


try:
    settle_times = [f"{n} members {round_of(n)} ms" for n in (2, 3, 10)]
finally:
    admin.close()
    prod.close()
log(f"settle times: {', '.join(settle_times)}")
log("group-start-together: 2, 3 and 10 members started at once settled quickly, split the 6 partitions and processed each message once")
