#!/usr/bin/env bash
# scripts/run starts the broker only for a file with a kafka component (scripts/uses-kafka): the
# README's `scripts/run pipelines/demo.yaml` needs no broker, the click tracker does. Checked on
# the shipped files and on the ways YAML can name a type.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$root/scripts/uses-kafka"
failed=0
expect() {  # expect yes|no FILE LABEL
  if "$check" "$2"; then got=yes; else got=no; fi
  if [ "$got" != "$1" ]; then echo "FAIL: $3: expected $1, got $got" >&2; failed=1; fi
}
for f in click-tracker kafka-demo; do expect yes "$root/pipelines/$f.yaml" "pipelines/$f.yaml"; done
for f in demo click-tracker-inproc inproc-chain; do expect no "$root/pipelines/$f.yaml" "pipelines/$f.yaml"; done
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
while IFS='|' read -r want yaml; do
  printf '%s\n' "$yaml" >"$tmp"
  expect "$want" "$tmp" "'$yaml'"
done <<'CASES'
yes|    source: { type: kafka, topics: [clicks] }
yes|      - { type: 'kafka' }
yes|    source: {type: "kafka"}
yes|    type: ${SOURCE_TYPE:-kafka}
no|      - type: kafka_like
no|      type: stdout  # not kafka: type: kafka
no|# type: kafka
no|    payload: 'type: kafka is only text here, quoted'
CASES
exit $failed
