"""Group members for the confluent-kafka group scenarios (files starting with _ are not scenarios):
a Consumer subscribed in a group, in this process (Member, polled by the script) or in a child
process that can be killed without leaving the group (ChildMember, which runs _member.py), both
with the same fields: `owned` (the partitions assigned now), `processed` (what it has processed).

A member commits each message synchronously before it counts it as processed, so a member that
takes its partitions over must start right after it. The assignor is cooperative-sticky
(incremental rebalancing, KIP-429): the broker only relays the protocol, the members do the rest.
Short timeouts: session 6 s (the broker's group.min.session.timeout.ms), heartbeats every
500 ms, max.poll.interval.ms (the rebalance timeout) 10 s.
"""
import json
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, Producer

from _common import BOOTSTRAP, CLIENT_ID, check

SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 500


def consumer_config(group, **extra):
    return {
        "bootstrap.servers": BOOTSTRAP,
        "client.id": CLIENT_ID,
        "group.id": group,
        "partition.assignment.strategy": "cooperative-sticky",
        "session.timeout.ms": SESSION_TIMEOUT_MS,
        "heartbeat.interval.ms": HEARTBEAT_INTERVAL_MS,
        "max.poll.interval.ms": 10000,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
        **extra,
    }


class Member:
    """A consumer in this process; the script calls poll() on it (see run_until)."""

    def __init__(self, name, group, topic, on_event=None, subscribe=True, **config):
        """`config` overrides consumer_config's settings (e.g. the short timeouts). With
        subscribe=False the consumer does not join until subscribe() is called."""
        self.name, self.topic = name, topic
        self.owned, self.processed, self.error = [], [], None
        self.assigned_events, self.revoked_events, self.lost_events = [], [], []
        self.on_event = on_event or (lambda e: None)
        self.consumer = Consumer(consumer_config(group, **config))
        if subscribe:
            self.subscribe()

    def subscribe(self):
        self.consumer.subscribe([self.topic], on_assign=self._assigned, on_revoke=self._revoked, on_lost=self._lost)

    # With cooperative-sticky these get the partitions added or taken away, not the whole
    # assignment, and confluent-kafka calls incremental_assign/unassign itself afterwards.
    def _assigned(self, consumer, partitions):
        self.assigned_events.append(sorted(p.partition for p in partitions))

    def _revoked(self, consumer, partitions):
        self.revoked_events.append(sorted(p.partition for p in partitions))

    def _lost(self, consumer, partitions):
        self.lost_events.append(sorted(p.partition for p in partitions))

    def poll(self, timeout=0.05):
        if self.consumer is None:  # stopped
            return
        m = self.consumer.poll(timeout)
        owned = sorted(p.partition for p in self.consumer.assignment())
        if owned != self.owned:
            self.owned = owned
            self.on_event({"assigned": owned})
        if m is None:
            return
        if m.error():
            self.error = f"member {self.name}: {m.error()}"
            self.on_event({"error": self.error})
            return
        self.consumer.commit(message=m, asynchronous=False)
        p = {"member": self.name, "partition": m.partition(), "offset": m.offset(), "value": m.value().decode()}
        self.processed.append(p)
        self.on_event({"processed": p})

    def stop(self):
        """Leaves the group (LeaveGroup) and closes."""
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None


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
    """Polls every member until cond() holds; fails with `what` and state() after `timeout` s.
    Returns the seconds it took."""
    started = time.monotonic()
    while True:
        for m in members:
            m.poll(0.02)
            check(m.error is None, m.error or "")
        if cond():
            return time.monotonic() - started
        check(time.monotonic() - started < timeout, f"{what}: not within {timeout} s; {state()}")


def is_split(owned, partitions):
    """Whether the members' partitions split 0..partitions-1: each one at least, none shared."""
    return all(owned) and sorted(p for o in owned for p in o) == list(range(partitions))


def decode_assignment(raw):
    """ConsumerProtocolAssignment (as list_groups() returns a member's): version, [topic, [partition]], user data."""
    if not raw:
        return {}
    pos = 2
    (n,) = struct.unpack_from(">i", raw, pos)
    pos += 4
    out = {}
    for _ in range(n):
        (tlen,) = struct.unpack_from(">h", raw, pos)
        topic = raw[pos + 2:pos + 2 + tlen].decode()
        pos += 2 + tlen
        (pn,) = struct.unpack_from(">i", raw, pos)
        out[topic] = sorted(struct.unpack_from(f">{pn}i", raw, pos + 4))
        pos += 4 + 4 * pn
    return out


def producer():
    return Producer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "acks": "all", "enable.idempotence": False, "linger.ms": 5})


def produce(p, topic, phase, counts=(10, 10, 10)):
    """Produces counts[i] messages to partition i, valued <phase>-<i>-<n>; returns the values."""
    values, errors = [], []
    for partition, n in enumerate(counts):
        for i in range(n):
            v = f"{phase}-{partition}-{i}"
            p.produce(topic, value=v, partition=partition, on_delivery=lambda err, msg: err and errors.append(str(err)))
            values.append(v)
    left = p.flush(15)
    check(left == 0 and not errors, f"producing {phase}: {left} undelivered, errors {errors[:5]}")
    return values


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
