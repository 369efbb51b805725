"""kafka-python: a consumer group survives broker restarts (the runner restarts the broker on the
same port with the same data directory: RUNNEL_CONTROL_URL, compat/restart.ts).

 1. member A processes 30 messages, committing each;
 2. the broker restarts (down 1 s): the committed offsets and the group are still there
    (list_consumer_group_offsets, describe_consumer_groups), and A, which kept running, processes
    the 30 produced after the restart and none of the first 30 again;
 3. A leaves, 30 more are produced, the broker restarts again: a new member B processes exactly
    those 30 (it starts at the committed offsets, read back from __consumer_offsets);
 4. B leaves; 1, 2 and 3 more messages: after a third restart the lag from
    list_consumer_group_offsets and end_offsets is 1, 2, 3 and the group is Empty.
"""
import time

from kafka import KafkaAdminClient
from kafka.errors import KafkaConnectionError, NodeNotReadyError

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import Member, end_offsets, produce, producer, restart_broker, run_until

PARTITIONS = 3
GROUP = f"{TOPIC}-group"
members = []


def log(s):
    print(f"kafka-python: {s}", flush=True)


def state():
    return [{"member": m.name, "owned": m.owned, "processed": [p["value"] for p in m.processed]} for m in members]


def until(what, cond, timeout=20):
    return run_until(members, what, cond, state, timeout)


def processed_exactly(m, start, values, what):
    """Waits until m has processed every value, then checks it processed nothing else since `start`."""
    mine = lambda: [p["value"] for p in list(m.processed)[start:]]  # noqa: E731
    until(f"{m.name} should process {what}", lambda: set(values) <= set(mine()), 30)
    time.sleep(0.3)
    extra = [v for v in mine() if v not in values]
    check(not extra and len(mine()) == len(values), f"{m.name} should process {what} once each and nothing else: extra {extra}, {len(mine())} processed")


def retrying(call):
    """KafkaAdminClient does not retry: its first request on a connection the broker closed when
    it restarted fails with KafkaConnectionError ("socket disconnected"), and one sent while it
    reconnects with NodeNotReadyError. An application retries, as this does."""
    for attempt in range(20):
        try:
            return call()
        except (KafkaConnectionError, NodeNotReadyError) as e:
            if attempt == 19:
                raise
            log(f"admin call failed ({type(e).__name__}: {e}); retrying")
            time.sleep(0.25)


def committed():
    offsets = retrying(lambda: admin.list_consumer_group_offsets(GROUP))
    return [offsets[tp].offset for tp in sorted(offsets, key=lambda tp: tp.partition)]


def describe():
    [g] = retrying(lambda: admin.describe_consumer_groups([GROUP]))
    return g


def restart(why):
    r = restart_broker(down_ms=1000)
    log(f"broker restarted ({why}): stopped in {r['stopMs']} ms, down {r['downMs']} ms, up in {r['startMs']} ms")


log(f"topic by {create_topic(TOPIC, PARTITIONS)}")
prod = producer()
admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID)
try:
    # 1. A processes and commits.
    a = Member("A", GROUP, TOPIC)
    members.append(a)
    until("A should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    processed_exactly(a, 0, produce(prod, TOPIC, "p1"), "the first 30 messages")
    check(committed() == [10, 10, 10], f"committed offsets before the restart should be 10 each: {committed()}")

    # 2. Restart under a running member.
    restart("with A in the group")
    check(committed() == [10, 10, 10], f"committed offsets after the restart should still be 10 each: {committed()}")
    g = describe()
    check(g.error_code == 0 and g.protocol_type == "consumer", f"describe_consumer_groups after the restart should find the group: {g}")
    before = len(a.processed)
    processed_exactly(a, before, produce(prod, TOPIC, "p2"), "the 30 produced after the restart (none of the first 30 again)")
    g2 = describe()
    check(g2.state == "Stable" and len(g2.members) == 1, f"describe_consumer_groups: Stable, A its only member: {g2}")
    log(f"after the restart A carried on: the 30 new messages, none of the first 30 again (group {g.state} right after the restart)")

    # 3. A leaves; a new member after another restart starts at the committed offsets.
    a.stop()
    p3 = produce(prod, TOPIC, "p3")
    restart("with the group empty")
    check(committed() == [20, 20, 20], f"committed offsets after the second restart should be 20 each: {committed()}")
    b = Member("B", GROUP, TOPIC)
    members.append(b)
    until("B should own all 3 partitions", lambda: b.owned == [0, 1, 2])
    processed_exactly(b, 0, p3, "exactly the 30 produced after A left")
    log("a new member B, after the second restart, processed exactly what was not committed")

    # 4. Lag, across one more restart.
    b.stop()
    produce(prod, TOPIC, "lag", (1, 2, 3))
    restart("lag check")
    offsets, ends = committed(), end_offsets(TOPIC, PARTITIONS)
    lag = [e - c for e, c in zip(ends, offsets)]
    check(offsets == [30, 30, 30] and lag == [1, 2, 3], f"after the third restart: committed 30 each and lag 1, 2, 3: committed {offsets}, ends {ends}")
    g = describe()
    check(g.state == "Empty" and not g.members, f"describe_consumer_groups after the third restart: Empty: {g}")
    check((GROUP, "consumer") in retrying(admin.list_consumer_groups), "list_consumer_groups after the third restart should list the group")
    log("committed 30,30,30 and lag 1,2,3 after the third restart; the group is Empty and listed")
finally:
    for m in members:
        m.stop()
    prod.close()
    admin.close()
log("group-restart: committed offsets and the group survive restarts; the same member and a new one resume where they should")
