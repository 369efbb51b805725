"""confluent-kafka (librdkafka): read_committed over transactions of three producers interleaved
on a 1-partition topic. They are written by compat/lib/interleaved-txns.ts with Runnel's wire
helper, run first as `node --import tsx compat/lib/interleaved-txns.ts <bootstrap> <topic>` (two
rounds in which A and B abort, in both abort orders, while C commits c1..c4 around them; the
helper creates the topic, which create_topic() has made already). A consumer with
isolation.level=read_committed (librdkafka's default) reads exactly c1..c4, once each, in order;
one with read_uncommitted reads all 14 values in log order."""
import os
import subprocess

from _common import BOOTSTRAP, TOPIC, consume_all, create_topic, fail, report

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COMMITTED = ["c1", "c2", "c3", "c4"]
# In log order: round 1 c1 b1 a1 b2 a2 c2 b3, round 2 a3 c3 b4 a4 b5 c4 a5.
ALL = ["c1", "b1", "a1", "b2", "a2", "c2", "b3", "a3", "c3", "b4", "a4", "b5", "c4", "a5"]

create_topic(TOPIC, 1)
try:
    w = subprocess.run(["node", "--import", "tsx", "compat/lib/interleaved-txns.ts", BOOTSTRAP, TOPIC],
                       cwd=REPO, capture_output=True, text=True, timeout=30)
except (OSError, subprocess.TimeoutExpired) as e:
    fail(f"writing the interleaved transactions failed: {e}")
if w.returncode != 0:
    fail(f"writing the interleaved transactions failed (exit code {w.returncode}):\n{w.stdout}{w.stderr}")

rc = [m.value().decode() for m in consume_all(TOPIC, 1, len(COMMITTED), **{"isolation.level": "read_committed"})]
ru = [m.value().decode() for m in consume_all(TOPIC, 1, len(ALL), **{"isolation.level": "read_uncommitted"})]
problems = []
if rc != COMMITTED:
    problems.append(f"read_committed: expected {COMMITTED}, got {rc}")
if ru != ALL:
    problems.append(f"read_uncommitted: expected {ALL}, got {ru}")
if problems:
    problems.append(f"written: {w.stdout.strip()}")
report(TOPIC, problems)
print(f"confluent-kafka: read_committed saw {','.join(COMMITTED)} only, "
      f"read_uncommitted all {len(ALL)} values of the interleaved transactions")
