#!/bin/sh
# kcat: ListOffsets through -Q (query mode: -t topic:partition:timestamp, -2 earliest, -1 latest)
# and through the consumer's -o s@timestamp.
#
# kcat cannot set a message timestamp, so the 10 messages are produced one after the other and
# their CreateTime stamps are read back first; the by-timestamp queries then use those instead of
# t0+i*1000.
set -eu
. "$(dirname "$0")/_lib.sh"
topic=$RUNNEL_TOPIC

wait_topic "$topic" 1
# One kcat per message: librdkafka stamps a message when kcat reads its line, and kcat reads
# stdin in chunks, so lines fed slowly to one kcat can still share a millisecond.
i=0
while [ "$i" -lt 10 ]; do
  echo "m$i" | "$KCAT" -b "$B" -P -t "$topic" -p 0 -X acks=all || fail "producing message $i failed"
  sleep 0.005 # distinct milliseconds, whatever the machine's speed
  i=$((i + 1))
done
ts=$("$KCAT" -b "$B" -C -t "$topic" -o beginning -e -q $FAST_EOF -J | jq -s -c '[.[].ts]')
echo "$ts" | jq -e 'length == 10 and . == (sort | unique)' >/dev/null || fail "expected 10 strictly increasing timestamps, got $ts"
tsat() { echo "$ts" | jq ".[$1]"; }

# query TIMESTAMP: the offset ListOffsets gives for partition 0.
query() {
  r=$("$KCAT" -b "$B" -Q -t "$topic:0:$1" -J) || fail "-Q -t $topic:0:$1 failed"
  echo "$r" | jq -r --arg t "$topic" '.[$t]["0"].offset'
}
expect() {
  got=$(query "$1")
  [ "$got" = "$2" ] || fail "ListOffsets $3 (timestamp $1): expected offset $2, got $got"
}

expect -2 0 earliest
expect -1 10 latest
expect "$(tsat 0)" 0 "at message 0's timestamp"
expect "$(tsat 4)" 4 "at message 4's timestamp"
expect "$(( $(tsat 3) + 1 ))" 4 "between messages 3 and 4"
expect "$(( $(tsat 9) + 1 ))" -1 "after the last message"

# The consumer's start-at-timestamp uses the same lookup.
first=$("$KCAT" -b "$B" -C -t "$topic" $FAST_EOF -o "s@$(( $(tsat 3) + 1 ))" -e -q -f '%o %s\n' | head -n 1)
[ "$first" = "4 m4" ] || fail "-o s@<between 3 and 4> should start at offset 4 (m4), got: $first"

echo "kcat: earliest 0, latest 10, by timestamp finds offset 4 and none after the end"
