"""kafka-python in the three-broker cluster: a consumer group (range assignor, commits each
message, polls in a thread; _groups.py) on a 6-partition replication-factor-3 topic. Two members split the
partitions, then process 300 messages, each once, by the member owning its partition; both leave;
60 more messages; a new member of the group starts from the committed offsets and processes
exactly those 60 (compat/lib/group_handover.py)."""
from _cluster import PARTITIONS, create_replicated_topic
from _common import TOPIC, report
import _groups
from group_handover import group_handover  # compat/lib, on the path once _cluster is imported

create_replicated_topic(TOPIC)
group_handover("kafka-python", _groups, TOPIC, PARTITIONS, report)
