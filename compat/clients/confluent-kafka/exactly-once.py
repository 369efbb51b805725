"""confluent-kafka (librdkafka): exactly-once consume-transform-produce. 200 inputs in-0..in-199
(1 partition, produced plainly); a child process (_eos.py) reads them in a group and, per chunk
(consume(10)), produces `out-<input>` and commits the chunk's input offsets
(send_offsets_to_transaction: AddOffsetsToTxn, TxnOffsetCommit) in one transaction. After 5
chunks it begins another transaction, produces and flush()es its output and is killed with
SIGKILL. A second process with the same transactional id takes over: init_transactions() fences
the first producer and aborts its open transaction, and its consumer resumes from the offsets
committed in transactions (after the dead member's 6 s session).

Read with read_committed, the output holds every input's transform exactly once and in order;
read_uncommitted shows the aborted chunk's outputs a second time; the group's committed offset
is 200."""
import json
import os
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from _common import BOOTSTRAP, CLIENT_ID, TOPIC, check, consume_all, create_topic, fail, report

N = 200
OUTPUT, GROUP, TXN = f"{TOPIC}-out", f"{TOPIC}-eos", f"{TOPIC}-eos-txn"


class Transformer:
    def __init__(self, name, die_after):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_eos.py")
        self.name, self.events = name, []
        self.proc = subprocess.Popen([sys.executable, script, TOPIC, OUTPUT, GROUP, TXN, str(N), str(die_after)],
                                     stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                print(f"[{self.name}] {line.rstrip()}")

    def wait_for(self, what, key, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if "error" in e:
                    fail(f"{what}: the {self.name} transformer failed: {e['error']}")
                if key in e:
                    return e
            if self.proc.poll() is not None and not any(key in e for e in self.events):
                time.sleep(0.2)
                if not any(key in e for e in self.events):
                    fail(f"{what}: the {self.name} transformer exited with {self.proc.returncode}: {self.events[-5:]}")
            if time.monotonic() > deadline:
                fail(f"{what}: not within {timeout} s: {self.events[-5:]}")
            time.sleep(0.05)


create_topic(TOPIC, 1)
create_topic(OUTPUT, 1)
plain = Producer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "acks": "all"})
for n in range(N):
    plain.produce(TOPIC, value=f"in-{n}")
check(plain.flush(15) == 0, "the inputs were not all delivered")

first = Transformer("first", 5)
try:
    open_ = first.wait_for("the first transformer opens its 6th transaction", "open", 30)["open"]
    committed_before = [e["committed"] for e in first.events if "committed" in e]
finally:
    first.proc.kill()
    first.proc.wait()
print(f"confluent-kafka: killed the first transformer with a transaction open over inputs {open_[0]}..{open_[-1]}")
check(open_[0] == committed_before[-1], f"the open transaction should start at the last committed offset {committed_before[-1]}: {open_}")

second = Transformer("second", -1)
try:
    second.wait_for("the second transformer finishes", "done", 40)
    check(second.proc.wait(10) == 0, f"the second transformer should exit 0, got {second.proc.returncode}")
finally:
    second.proc.kill()
resumed = next(e["first"] for e in second.events if "first" in e)
check(resumed == open_[0], f"the second transformer should resume at input {open_[0]} (committed in the last transaction), resumed at {resumed}")

expected = [f"out-in-{n}" for n in range(N)]
rc = [m.value().decode() for m in consume_all(OUTPUT, 1, N, **{"isolation.level": "read_committed"})]
ru = [m.value().decode() for m in consume_all(OUTPUT, 1, N + len(open_), **{"isolation.level": "read_uncommitted"})]
problems = []
if rc != expected:
    problems.append(f"read_committed: expected out-in-0..out-in-{N - 1} once each in order, got {len(rc)}: {rc[open_[0] - 3:open_[-1] + 3]}")
k = open_[0]
ru_expected = expected[:k] + [f"out-in-{n}" for n in open_] + expected[k:]
if ru != ru_expected:
    problems.append(f"read_uncommitted: expected the aborted outputs of inputs {open_[0]}..{open_[-1]} a second time "
                    f"({len(ru_expected)} in all), got {len(ru)}")
c = Consumer({"bootstrap.servers": BOOTSTRAP, "client.id": CLIENT_ID, "group.id": GROUP})
offsets = c.committed([TopicPartition(TOPIC, 0)], 10)
c.close()
if offsets[0].offset != N:
    problems.append(f"group {GROUP}: committed offset {offsets[0].offset}, expected {N}")
report(OUTPUT, problems)
print(f"confluent-kafka: {N} inputs transformed exactly once across a SIGKILL mid-transaction (read_committed); "
      f"read_uncommitted shows the {len(open_)} aborted outputs; the group committed {N}")
