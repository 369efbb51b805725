"""confluent-kafka (librdkafka): members of a classic group started at the same moment (issue 11:
with JoinGroup v4+ all of them first get MEMBER_ID_REQUIRED and rejoin, and the rebalance used to
wait for a member it had already counted, until the session timeouts ran out). On a 6-partition
topic (one per group size, so that no member reads what an earlier group was sent while it
joins), in three groups one after the other, 2, 3 and 10 consumers with librdkafka's defaults
(session 45 s, heartbeat 3 s, max.poll.interval.ms 300 s, assignors range,roundrobin), created and
connected in this process, subscribe together, and the script polls them in turn:

 - the group settles within SETTLE_BOUND_S, far below the session timeout: every member has had
   its assignment (on_assign), their partitions are disjoint and cover the 6 partitions (the
   members beyond 6 get none), and list_groups() shows the group Stable with exactly those members
   (told apart by client.id) and assignments;
 - 5 messages produced to each partition are each processed exactly once, by the member owning
   the partition (each member commits each message before counting it, see _groups.py).

The settle time per group size is printed. Not the cooperative-sticky assignor of the groups
scenario: librdkafka 2.0.2 aborts in rd_kafka_sticky_assignor_state_destroy (assertion
`assignor_state') when a cooperative-sticky consumer that never got a partition closes
(librdkafka issue 4312, fixed in 2.3.0), which the members beyond 6 are.
"""
import time

from confluent_kafka.admin import AdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import Member, decode_assignment, produce, producer, run_until

PARTITIONS = 6
PER_PARTITION = 5
# Far below the 45 s session timeout: a member that was not part of a rebalance learns of it with
# its next heartbeat (3 s); a round or two of that, and a margin for a loaded machine.
SETTLE_BOUND_S = {2: 10, 3: 10, 10: 15}
# librdkafka's default timeouts, named (the fetch wait stays _groups.py's 100 ms).
DEFAULTS = {"session.timeout.ms": 45000, "heartbeat.interval.ms": 3000, "max.poll.interval.ms": 300000,
            "partition.assignment.strategy": "range,roundrobin"}

admin = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID})
prod = producer()


def log(s):
    print(f"confluent-kafka: {s}", flush=True)


def clients_agree(members):
    """Each member has had an assignment; their partitions are disjoint and cover the topic; min(n, 6) have some."""
    if not all(m.assigned_events for m in members):
        return False
    owned = sorted(p for m in members for p in m.owned)
    return owned == list(range(PARTITIONS)) and sum(1 for m in members if m.owned) == min(len(members), PARTITIONS)


def broker_view(group, topic):
    """The group as list_groups() (ListGroups, DescribeGroups) shows it: state, {client id: partitions}."""
    g = next((g for g in admin.list_groups(group=group, timeout=10) if g.id == group), None)
    if g is None or g.error is not None:
        return None, {}
    return g.state, {x.client_id: decode_assignment(x.assignment).get(topic, []) for x in g.members}


def round_of(n):
    topic, group = f"{TOPIC}-{n}", f"{TOPIC}-together-{n}"
    create_topic(topic, PARTITIONS)
    members = []

    seen = [None]

    def state():
        members_seen = [{"member": m.name, "assigned": m.assigned_events, "owned": m.owned, "processed": len(m.processed)} for m in members]
        return f"members {members_seen}; list_groups: {seen[0]}"

    def settled():
        if not clients_agree(members):
            return False
        st, by_client = broker_view(group, topic)
        seen[0] = (st, by_client)
        return (st == "Stable" and len(by_client) == n and clients_agree(members)
                and all(by_client.get(f"{CLIENT_ID}-{m.name}") == m.owned for m in members))

    try:
        for i in range(n):
            name = f"M{i + 1}"
            members.append(Member(name, group, topic, subscribe=False, **{"client.id": f"{CLIENT_ID}-{name}"}, **DEFAULTS))
        # Connected first (a Metadata request each; librdkafka looks its group coordinator up as
        # soon as the consumer exists), then subscribed together: one Consumer() after the other
        # would spread the members' JoinGroups over the time each takes to create and connect.
        for m in members:
            m.consumer.list_topics(topic, timeout=10)
        t0 = time.monotonic()
        for m in members:
            m.subscribe()
        bound = SETTLE_BOUND_S[n]
        run_until(members, f"{n} members started together should settle within {bound} s (session timeout 45 s)",
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
        deadline = time.monotonic() + 0.5  # a duplicate would come now
        run_until(members, "settling", lambda: time.monotonic() > deadline, state)
        check(len(got()) == len(values), f"{n} members: each message once, but {len(got())} processed for {len(values)}: {got()}")
        owners = {m.name: m for m in members}
        for p in got():
            check(p["partition"] in owners[p["member"]].owned,
                  f"{n} members: {p['value']} processed by {p['member']}, which does not own partition {p['partition']}; {state()}")
        # (An on_assign may still come after the settle, with nothing added: the one of the last
        # incremental rebalance, for a member that had not polled it yet.)
        check([m.owned for m in members] == owned_at_settle, f"{n} members: the assignments should not change after the group settled: {state()}")
        return settle_ms
    finally:
        for m in members:
            m.stop()


settle_times = [f"{n} members {round_of(n)} ms" for n in (2, 3, 10)]
log(f"settle times: {', '.join(settle_times)}")
log("group-start-together: 2, 3 and 10 members started at once settled quickly, split the 6 partitions and processed each message once")
