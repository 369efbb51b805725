"""confluent-kafka (librdkafka): a consumer group (cooperative-sticky) survives broker restarts
(the runner restarts the broker on the same port with the same data directory:
RUNNEL_CONTROL_URL, compat/restart.ts).

 1. member A processes 30 messages, committing each;
 2. the broker restarts (down 1 s): the committed offsets and the group are still there
    (Consumer.committed(), AdminClient.list_groups()), and A, which kept running, processes the
    30 produced after the restart and none of the first 30 again, without losing its partitions;
 3. A leaves, 30 more are produced, the broker restarts again: a new member B processes exactly
    those 30 (it starts at the committed offsets, read back from __consumer_offsets);
 4. B leaves; 1, 2 and 3 more messages: after a third restart the lag from committed() and
    get_watermark_offsets() is 1, 2, 3 and list_groups() shows the group Empty.
"""
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, create_topic
from _groups import Member, consumer_config, produce, producer, restart_broker, run_until

PARTITIONS = 3
GROUP = f"{TOPIC}-group"
members = []


def log(s):
    print(f"confluent-kafka: {s}", flush=True)


def state():
    return [{"member": m.name, "owned": m.owned, "processed": [p["value"] for p in m.processed]} for m in members]


def until(what, cond, timeout=20):
    return run_until(members, what, cond, state, timeout)


def processed_exactly(m, start, values, what):
    """Waits until m has processed every value, then checks it processed nothing else since `start`."""
    mine = lambda: [p["value"] for p in m.processed[start:]]  # noqa: E731
    until(f"{m.name} should process {what}", lambda: set(values) <= set(mine()), 30)
    deadline = time.monotonic() + 0.3
    until("settling", lambda: time.monotonic() > deadline)
    extra = [v for v in mine() if v not in values]
    check(not extra and len(mine()) == len(values), f"{m.name} should process {what} once each and nothing else: extra {extra}, {len(mine())} processed")


def offsets():
    """Committed offsets and log end offsets, by a consumer of the group that does not join it."""
    reader = Consumer(consumer_config(GROUP))
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        committed = [tp.offset for tp in sorted(reader.committed(tps, timeout=15), key=lambda tp: tp.partition)]
        ends = [reader.get_watermark_offsets(tp, timeout=15)[1] for tp in tps]
        return committed, ends
    finally:
        reader.close()


def group():
    groups = AdminClient({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID}).list_groups(GROUP, timeout=15)
    return groups[0] if groups else None


def restart(why):
    r = restart_broker(down_ms=1000)
    log(f"broker restarted ({why}): stopped in {r['stopMs']} ms, down {r['downMs']} ms, up in {r['startMs']} ms")


log(f"topic by {create_topic(TOPIC, PARTITIONS)}")
prod = producer()
try:
    # 1. A processes and commits. A rides out each restart in its session: the broker is away about
    # 2 s (a graceful stop can wait 1 s for a client to close its side, then 1 s down), and
    # librdkafka reconnects with exponential backoff (reconnect.backoff.ms 100 up to 10 s, with
    # jitter), so its first heartbeat after a restart came 4.8 s after the last one in one run and
    # after more than 6 s in another (session timed out, partitions revoked, UNKNOWN_MEMBER_ID on
    # commit): with Kafka too. So A gets a session long enough for that (Kafka's default is 45 s).
    a = Member("A", GROUP, TOPIC, **{"session.timeout.ms": 30000, "max.poll.interval.ms": 30000})
    members.append(a)
    until("A should own all 3 partitions", lambda: a.owned == [0, 1, 2])
    processed_exactly(a, 0, produce(prod, TOPIC, "p1"), "the first 30 messages")
    check(offsets()[0] == [10, 10, 10], f"committed offsets before the restart should be 10 each: {offsets()}")

    # 2. Restart under a running member.
    revocations = len(a.revoked_events) + len(a.lost_events)
    restart("with A in the group")
    committed, _ = offsets()
    check(committed == [10, 10, 10], f"committed offsets after the restart should still be 10 each: {committed}")
    g = group()
    check(g is not None and g.protocol == "cooperative-sticky", f"list_groups() after the restart should find the group: {g and (g.state, g.protocol, g.members)}")
    before = len(a.processed)
    processed_exactly(a, before, produce(prod, TOPIC, "p2"), "the 30 produced after the restart (none of the first 30 again)")
    check(a.owned == [0, 1, 2], f"A should still own all 3 partitions: {a.owned}")
    g2 = group()
    check(g2 is not None and g2.state == "Stable" and len(g2.members) == 1, f"list_groups(): Stable, A its only member: {g2 and (g2.state, g2.members)}")
    log(f"after the restart A carried on: the 30 new messages, none of the first 30 again (group {g.state} right after the restart; "
        f"A's revocations/losses across it: {a.revoked_events[revocations:] + a.lost_events}")

    # 3. A leaves; a new member after another restart starts at the committed offsets.
    a.stop()
    p3 = produce(prod, TOPIC, "p3")
    restart("with the group empty")
    committed, _ = offsets()
    check(committed == [20, 20, 20], f"committed offsets after the second restart should be 20 each: {committed}")
    b = Member("B", GROUP, TOPIC)
    members.append(b)
    until("B should own all 3 partitions", lambda: b.owned == [0, 1, 2])
    processed_exactly(b, 0, p3, "exactly the 30 produced after A left")
    log("a new member B, after the second restart, processed exactly what was not committed")

    # 4. Lag, across one more restart.
    b.stop()
    produce(prod, TOPIC, "lag", (1, 2, 3))
    restart("lag check")
    committed, ends = offsets()
    lag = [e - c for e, c in zip(ends, committed)]
    check(committed == [30, 30, 30] and lag == [1, 2, 3], f"after the third restart: committed 30 each and lag 1, 2, 3: committed {committed}, ends {ends}")
    g = group()
    check(g is not None and g.state == "Empty" and not g.members, f"list_groups() after the third restart: Empty: {g and (g.state, g.members)}")
    log("committed 30,30,30 and lag 1,2,3 after the third restart; the group is Empty and listed")
finally:
    for m in members:
        m.stop()
log("group-restart: committed offsets and the group survive restarts; the same member and a new one resume where they should")
