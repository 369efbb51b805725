# Shared by the kcat scenario scripts (sourced; files starting with _ are not scenarios).
# kcat cannot create topics: the scripts rely on auto-creation through Metadata, which
# librdkafka retries through the LEADER_NOT_AVAILABLE of the first answer.
: "${RUNNEL_BOOTSTRAP:?run through compat/run.ts}" "${RUNNEL_TOPIC:?}"
KCAT=${KCAT:-kcat}
B=$RUNNEL_BOOTSTRAP

fail() {
  echo "kcat: $*" >&2
  exit 1
}

now_ms() { date +%s%3N; }

# librdkafka reports the end of a partition (-e) after an empty fetch, which long-polls this long
# (fetch.wait.max.ms, default 500 ms).
FAST_EOF="-X fetch.wait.max.ms=100"

# wait_topic TOPIC PARTITIONS: ask for the topic's metadata (auto-creating it) until it has
# PARTITIONS partitions, each with a leader.
wait_topic() {
  tries=0
  until md=$("$KCAT" -b "$B" -m 10 -L -t "$1" -J 2>&1) &&
    echo "$md" | jq -e --arg t "$1" --argjson n "$2" \
      '.topics[] | select(.topic == $t) | .error == null and (.partitions | length) == $n and all(.partitions[]; .leader >= 0)' >/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 20 ] || fail "$1 should have $2 partition(s) after auto-creation: $md"
    sleep 0.2
  done
}

# report LABEL: reads a JSON array of problems (strings) on stdin; fails with the first 20.
report() {
  problems=$(cat)
  n=$(echo "$problems" | jq 'length')
  [ "$n" = 0 ] || fail "$1: $n problem(s):
$(echo "$problems" | jq -r '.[:20][]')"
}

# Cluster scenarios (RUNNEL_BROKERS=id@host:port,...): wait_layout TOPIC PARTITIONS waits until the
# topic's metadata, as librdkafka sees it bootstrapping from RUNNEL_BOOTSTRAP alone, lists every
# broker of the cluster at its address and has PARTITIONS partitions of 3 distinct replicas with a
# full ISR, and every broker leads at least one partition; it fails with what is wrong after 20 s.
layout_problems() {
  echo "$1" | jq --arg t "$2" --argjson n "$3" --arg brokers "$RUNNEL_BROKERS" '
    ($brokers | split(",") | map(split("@") | {id: (.[0] | tonumber), name: .[1]}) | sort_by(.id)) as $want |
    (.topics[] | select(.topic == $t)) as $topic |
    [
      (.brokers | map({id, name}) | sort_by(.id) | select(. != $want) | "brokers \(.), expected \($want)"),
      ($topic.error // empty | "topic error \(.)"),
      ($topic.partitions | length | select(. != $n) | "\(.) partitions, expected \($n)"),
      ($topic.partitions[] | select(([.replicas[].id] | unique | length) != 3 or (.replicas | length) != 3) |
        "partition \(.partition): replicas \([.replicas[].id]), expected 3 distinct"),
      ($topic.partitions[] | select(([.isrs[].id] | sort) != ([.replicas[].id] | sort)) |
        "partition \(.partition): ISR \([.isrs[].id]) is not the replicas \([.replicas[].id])"),
      ([$topic.partitions[].leader] as $l | $want | map(.id) - $l | select(length > 0) |
        "brokers \(.) lead none of the partitions (leaders \([$topic.partitions[].leader]))")
    ]'
}

wait_layout() {
  tries=0
  while :; do
    md=$("$KCAT" -b "$B" -m 10 -L -t "$1" -J 2>&1) && problems=$(layout_problems "$md" "$1" "$2" 2>&1) &&
      [ "$(echo "$problems" | jq length)" = 0 ] && return 0
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "${problems:-$md}" | report "$1 layout"; fail "$1 layout: $md"; }
    sleep 0.2
  done
}
