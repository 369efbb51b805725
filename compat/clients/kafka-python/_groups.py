"""Group members for the kafka-python group scenarios (files starting with _ are not scenarios):
a KafkaConsumer subscribed in a group, in a thread of this process (Member) or in a child process
that can be killed without leaving the group (ChildMember, which runs _member.py), both with the
same fields: `owned` (the partitions assigned now), `processed` (what it has processed).

Each member polls in a thread of its own: kafka-python joins the group inside poll(), which
blocks until the rebalance completes, and a rebalance completes only when every member has
rejoined, which the others do in their own poll(). A member commits each message synchronously
before it counts it as processed. Assignors: kafka-python's defaults (range, then round-robin;
it has no cooperative one). Short timeouts: session 6 s (the broker's
group.min.session.timeout.ms), heartbeats every 500 ms, max_poll_interval_ms (the rebalance
timeout) 10 s.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from _common import BOOTSTRAP, CLIENT_ID, check

SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 500


def consumer(group, **extra):
    return KafkaConsumer(**{
        "bootstrap_servers": BOOTSTRAP, "client_id": CLIENT_ID, "group_id": group,
        "session_timeout_ms": SESSION_TIMEOUT_MS, "heartbeat_interval_ms": HEARTBEAT_INTERVAL_MS,
        "max_poll_interval_ms": 10000, "enable_auto_commit": False, "auto_offset_reset": "earliest",
        "fetch_max_wait_ms": 100, **extra})


class Member:
    """A consumer polling in a thread of its own."""

    def __init__(self, name, group, topic, on_event=None, **config):
        """`config` overrides consumer()'s settings (e.g. the short timeouts)."""
        self.name, self.topic = name, topic
        self.owned, self.processed, self.error = [], [], None
        self.assigned_events = []  # each join's assignment (on_partitions_assigned), empty ones too
        self.on_event = on_event or (lambda e: None)
        self.running = True
        self.consumer = consumer(group, **config)
        self.consumer.subscribe([topic], listener=_Listener(self))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while self.running:
                batches = self.consumer.poll(timeout_ms=100)
                self._owned()
                for tp, records in batches.items():
                    for r in records:
                        self.consumer.commit({tp: OffsetAndMetadata(r.offset + 1, None)})
                        p = {"member": self.name, "partition": r.partition, "offset": r.offset, "value": r.value.decode()}
                        self.processed.append(p)
                        self.on_event({"processed": p})
            self.consumer.close()  # LeaveGroup
        except Exception as e:  # noqa: BLE001 - reported to the script
            self.error = f"member {self.name}: {type(e).__name__}: {e}"
            self.on_event({"error": self.error})

    def _owned(self):
        owned = sorted(tp.partition for tp in self.consumer.assignment())
        if owned != self.owned:
            self.owned = owned
            self.on_event({"assigned": owned})

    def poll(self, timeout=0):
        if timeout:
            time.sleep(timeout)

    def stop(self):
        """Leaves the group (LeaveGroup) and closes."""
        self.running = False
        self.thread.join(15)


class _Listener(ConsumerRebalanceListener):
    def __init__(self, member):
        self.member = member

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        self.member.assigned_events.append(sorted(tp.partition for tp in assigned))


class ChildMember:
    """A member in a child process (_member.py) reporting assignments and messages as JSON lines.
    kill() sends SIGKILL: no LeaveGroup, no commit, the sockets just close."""

    def __init__(self, name, group, topic):
        self.name = name
        self.owned, self.processed, self.error = [], [], None
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_member.py")
        self.proc = subprocess.Popen([sys.executable, script, name, group, topic], stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def poll(self, timeout=0):
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            try:
                e = json.loads(line)
            except ValueError:
                print(f"[{self.name}] {line.rstrip()}")
                continue
            if "assigned" in e:
                self.owned = e["assigned"]
            if "processed" in e:
                self.processed.append(e["processed"])
            if "error" in e:
                self.error = e["error"]
        if self.proc.poll() not in (None, 0, -signal.SIGKILL, -signal.SIGTERM) and self.error is None:
            self.error = f"member process {self.name} exited with {self.proc.returncode}"
        if timeout:
            time.sleep(timeout)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


def run_until(members, what, cond, state, timeout=20):
    """Waits until cond() holds; fails with `what` and state() after `timeout` s. Returns the
    seconds it took."""
    started = time.monotonic()
    while True:
        for m in members:
            m.poll()
            check(m.error is None, m.error or "")
        if cond():
            return time.monotonic() - started
        check(time.monotonic() - started < timeout, f"{what}: not within {timeout} s; {state()}")
        time.sleep(0.05)


def is_split(owned, partitions):
    """Whether the members' partitions split 0..partitions-1: each one at least, none shared."""
    return all(owned) and sorted(p for o in owned for p in o) == list(range(partitions))


def producer():
    return KafkaProducer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, acks="all", linger_ms=5)


def produce(p, topic, phase, counts=(10, 10, 10)):
    """Produces counts[i] messages to partition i, valued <phase>-<i>-<n>; returns the values."""
    futures, values = [], []
    for partition, n in enumerate(counts):
        for i in range(n):
            v = f"{phase}-{partition}-{i}"
            futures.append(p.send(topic, value=v.encode(), partition=partition))
            values.append(v)
    p.flush(15)
    for f in futures:
        f.get(timeout=15)
    return values


def end_offsets(topic, partitions):
    """The log end offsets, read by a consumer outside any group."""
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, client_id=CLIENT_ID, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        ends = c.end_offsets(tps)
        return [ends[tp] for tp in tps]
    finally:
        c.close()


def restart_broker(down_ms=0):
    """Asks the runner to restart the broker (same port, same data directory) and returns once it
    listens again: POST $RUNNEL_CONTROL_URL/restart (compat/restart.ts; restartable scenarios only)."""
    import urllib.error
    import urllib.request
    base = os.environ.get("RUNNEL_CONTROL_URL")
    check(base, "RUNNEL_CONTROL_URL is not set: run this scenario through compat/run.ts (it is restartable)")
    req = urllib.request.Request(f"{base}/restart" + (f"?down_ms={down_ms}" if down_ms else ""), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read())
    except urllib.error.HTTPError as e:
        check(False, f"broker restart failed: HTTP {e.code}: {e.read().decode().strip()}")
