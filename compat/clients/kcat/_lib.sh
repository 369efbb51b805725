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
