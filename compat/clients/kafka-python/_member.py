"""A kafka-python group member in a process of its own, for the group scenarios (see
_groups.py, ChildMember): `_member.py <name> <group> <topic>`, RUNNEL_BOOTSTRAP in the
environment. Reports each change of assignment and each processed (committed) message as a JSON
line on stdout. SIGTERM leaves the group and exits; SIGKILL is the point: the member disappears
without a LeaveGroup."""
import json
import signal
import sys
import threading

from _groups import Member

name, group, topic = sys.argv[1:4]
stopped = threading.Event()
signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
lock = threading.Lock()


def emit(e):
    with lock:
        print(json.dumps(e), flush=True)


member = Member(name, group, topic, on_event=emit)
while not stopped.wait(0.1):
    if member.error:
        sys.exit(1)
member.stop()
