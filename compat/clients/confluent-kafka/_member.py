"""A confluent-kafka group member in a process of its own, for the group scenarios (see
_groups.py, ChildMember): `_member.py <name> <group> <topic>`, RUNNEL_BOOTSTRAP in the
environment. Reports each change of assignment and each processed (committed) message as a JSON
line on stdout. SIGTERM leaves the group and exits; SIGKILL is the point: the member disappears
without a LeaveGroup."""
import json
import signal
import sys

from _groups import Member

name, group, topic = sys.argv[1:4]
running = True


def stop(signum, frame):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
member = Member(name, group, topic, on_event=lambda e: print(json.dumps(e), flush=True))
while running:
    member.poll(0.05)
member.stop()
