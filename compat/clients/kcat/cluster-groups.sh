#!/bin/sh
# kcat in the three-broker cluster: a balanced consumer (-G, librdkafka's group consumer with
# auto-commit) on an auto-created 6-partition replication-factor-3 topic reads the 300 messages
# produced so far and exits (-c 300), committing on close; after 60 more messages, a second
# kcat in the same group reads exactly those 60 (it starts from the committed offsets).
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC
group="$topic-group"
GROUP_OPTS="-X auto.offset.reset=earliest -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 -X fetch.wait.max.ms=100"

wait_topic "$topic" 6
wait_layout "$topic" 6

seq 0 299 | sed 's/^/one-/' | "$KCAT" -b "$B" -P -t "$topic" -X acks=all || fail "producing phase one failed"
first=$(timeout 30 "$KCAT" -b "$B" -G "$group" $GROUP_OPTS -c 300 -q -f '%s\n' "$topic") || fail "the group consumer failed (phase one)"
echo "$first" | sort | jq -R . | jq -s 'length as $n | [(if $n != 300 then "phase one: \($n) messages, expected 300" else empty end),
  (if (unique | length) != $n then "phase one: duplicates" else empty end)]' | report "$topic"

seq 0 59 | sed 's/^/two-/' | "$KCAT" -b "$B" -P -t "$topic" -X acks=all || fail "producing phase two failed"
second=$(timeout 30 "$KCAT" -b "$B" -G "$group" $GROUP_OPTS -c 60 -q -f '%s\n' "$topic") || fail "the group consumer failed (phase two)"
echo "$second" | jq -R . | jq -s '[(if length != 60 then "phase two: \(length) messages, expected 60" else empty end),
  (.[] | select(startswith("two-") | not) | "phase two: \(.) re-read although committed")]' | report "$topic"

echo "kcat: a group consumer read 300 messages of 6 replicated partitions; the next one resumed from the committed offsets with exactly the 60 new ones"
