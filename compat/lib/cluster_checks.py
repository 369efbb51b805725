"""Shared by the Python clients' cluster scenarios (compat/clients/*/_cluster.py): the cluster the
runner hands them and what a replication-factor-3 topic's layout must look like. The same checks
as layoutProblems() in scenario.ts."""
import os


def cluster_brokers():
    """RUNNEL_BROKERS (id@host:port,...) as {id: (host, port)}."""
    out = {}
    for entry in os.environ["RUNNEL_BROKERS"].split(","):
        node, addr = entry.split("@")
        host, port = addr.rsplit(":", 1)
        out[int(node)] = (host, int(port))
    return out


def broker_problems(seen):
    """What is wrong with the brokers a client's metadata lists ({id: (host, port)})."""
    want = cluster_brokers()
    return [] if seen == want else [f"brokers {sorted(seen.items())}, expected {sorted(want.items())}"]


def layout_problems(layout, partitions, rf=3):
    """layout: [(partition, leader, replicas, isr)]. Not `partitions` of them, replicas not `rf`
    distinct brokers of the cluster, an ISR short of the replicas, a leader outside the ISR, or a
    broker leading none (leaders not spread)."""
    ids = sorted(cluster_brokers())
    problems = []
    if len(layout) != partitions:
        problems.append(f"expected {partitions} partitions, got {len(layout)}")
    for p, leader, replicas, isr in layout:
        if len(replicas) != rf or len(set(replicas)) != rf or not set(replicas) <= set(ids):
            problems.append(f"partition {p}: replicas {list(replicas)}, expected {rf} distinct of {ids}")
        if sorted(isr) != sorted(replicas):
            problems.append(f"partition {p}: ISR {list(isr)} is not the replicas {list(replicas)}")
        if leader not in isr:
            problems.append(f"partition {p}: leader {leader} not in the ISR {list(isr)}")
    idle = [i for i in ids if i not in {leader for _, leader, _, _ in layout}]
    if idle:
        problems.append(f"brokers {idle} lead none of the partitions (leaders {[leader for _, leader, _, _ in layout]})")
    return problems
