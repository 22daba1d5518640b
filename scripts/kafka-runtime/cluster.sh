# The three-node KRaft cluster of `scripts/kafka ... --brokers 3` and `--node N`. Sourced by
# scripts/kafka, which defines say, die, need_tools, fetch_jars, java_cmd, stop_with, end_watcher
# and the variables root, runtime and private.
#
# Each node is a combined controller and broker (process.roles=broker,controller); the three form
# a static quorum (controller.quorum.voters lists all three). Node N (1 to 3) has:
#   ports     broker H:(P + 2(N-1)), controller 127.0.0.1 on the port after it, where P is
#             SLUICE_KAFKA_PORT or 9192: by default 9192/9193, 9194/9195, 9196/9197 (the single
#             broker keeps 9092/9093), and H is SLUICE_KAFKA_HOST or 127.0.0.1: an address of this
#             host that clients reach, such as the host's end of a veth pair, for a client in a
#             network namespace of its own (the fault tests cut that link, tests/chaos/)
#   folder    CLUSTER/node-N: data/, kafka.log, kafka.pid (the JVM's pid, for kill -9 or
#             SIGSTOP), server.properties; CLUSTER is SLUICE_KAFKA_CACHE or .cache/kafka-cluster
# Internal topics have 3 replicas and min ISR 2 (cluster.properties). The cluster never runs
# through Docker: the fault tests signal each node's own process.

nodes=3
cluster="${SLUICE_KAFKA_CACHE:-$root/.cache/kafka-cluster}"
base_port="${SLUICE_KAFKA_PORT:-9192}"
host="${SLUICE_KAFKA_HOST:-127.0.0.1}"
# A controller port of its own would clash with a neighbour's: they follow from the base port.
[ -z "${SLUICE_KAFKA_CONTROLLER_PORT:-}" ] ||
  die "SLUICE_KAFKA_CONTROLLER_PORT is for the single broker; a cluster's node N uses SLUICE_KAFKA_PORT + 2(N-1) and the port after it"
private=true # never through Docker (use_docker)

node_dir() { echo "$cluster/node-$1"; }
node_port() { echo $((base_port + 2 * ($1 - 1))); }
controller_port_of() { echo $((base_port + 2 * ($1 - 1) + 1)); }
node_address() { echo "$host:$(node_port "$1")"; }

# The node's JVM, when its pid file names a live process that runs this node's settings (a pid
# left by a kill -9 may belong to another process by now).
node_pid() {
  local dir pid
  dir=$(node_dir "$1")
  [ -f "$dir/kafka.pid" ] || return 1
  pid=$(cat "$dir/kafka.pid")
  grep -qF "$dir/server.properties" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

# Whether something accepts connections on H:PORT (a refusal is immediate).
port_taken() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' port-taken "$host" "$1" 2>/dev/null; }

# The broker ids that node N's metadata lists (empty when it does not answer within 2 s).
listed_brokers() {
  { kcat -b "$(node_address "$1")" -L -m 2 2>/dev/null || true; } | sed -n 's/^  broker \([0-9]*\) at .*/\1/p' | sort -n | paste -sd ' '
}

# Ready: node N answers a metadata request, and it lists itself as a live broker (a restarted node
# is listed only once it caught up with the cluster's metadata).
node_ready() { [[ " $(listed_brokers "$1") " == *" $1 "* ]]; }

node_properties() {
  local n=$1 dir voters="" i
  dir=$(node_dir "$n")
  for i in $(seq "$nodes"); do voters+="${voters:+,}$i@127.0.0.1:$(controller_port_of "$i")"; done
  # Later lines win in a Java properties file: the cluster's and the node's values override the template's.
  cat "$runtime/server.properties" "$runtime/cluster.properties"
  echo "node.id=$n"
  echo "log.dirs=$dir/data"
  echo "listeners=PLAINTEXT://$(node_address "$n"),CONTROLLER://127.0.0.1:$(controller_port_of "$n")"
  echo "advertised.listeners=PLAINTEXT://$(node_address "$n")"
  echo "controller.quorum.voters=$voters"
}

# A Kafka cluster id: 16 random bytes, base64url without padding (as StorageTool random-uuid
# prints, without starting a JVM); not starting with '-', which a command line would take for an option.
new_cluster_id() {
  local id="-"
  while [[ "$id" == -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='); done
  echo "$id"
}

# Writes node N's settings (every start: the ports may have changed) and formats its storage once,
# with the cluster's id.
node_format() {
  local n=$1 dir
  dir=$(node_dir "$n")
  mkdir -p "$dir"
  node_properties "$n" >"$dir/server.properties"
  [ -f "$dir/data/meta.properties" ] && return 0
  [ -f "$cluster/cluster.id" ] || new_cluster_id >"$cluster/cluster.id"
  "${java_cmd[@]}" kafka.tools.StorageTool format -t "$(cat "$cluster/cluster.id")" -c "$dir/server.properties" \
    >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "could not format node $n's storage in $dir/data"; }
}

node_launch() {
  local n=$1 dir
  dir=$(node_dir "$n")
  say "starting node $n of $nodes on $(node_address "$n") (log: $dir/kafka.log)"
  # As for the single broker: its own session, no inherited descriptor (see start in scripts/kafka).
  setsid "${java_cmd[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.log" 2>&1 </dev/null \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  echo $! >"$dir/kafka.pid"
  [ -z "${SLUICE_KAFKA_STOP_WITH:-}" ] || stop_with "$SLUICE_KAFKA_STOP_WITH" "$!" "$dir"
}

# Waits until every node of "$@" is ready; a node whose process exits meanwhile ends the wait.
wait_until_ready() {
  local deadline=$((SECONDS + 120)) n waiting
  while :; do
    waiting=()
    for n in "$@"; do node_ready "$n" || waiting+=("$n"); done
    [ ${#waiting[@]} -eq 0 ] && return 0
    for n in "${waiting[@]}"; do
      if ! node_pid "$n" >/dev/null; then
        tail -n 30 "$(node_dir "$n")/kafka.log" >&2 || true
        die "node $n exited during start-up; its log is $(node_dir "$n")/kafka.log"
      fi
    done
    [ $SECONDS -lt $deadline ] || die "node(s) ${waiting[*]} not ready after 120s; see scripts/kafka logs --brokers $nodes"
    sleep 0.5
  done
}

cluster_start() {
  need_tools
  fetch_jars
  mkdir -p "$cluster"
  local n pid
  for n in "$@"; do
    if pid=$(node_pid "$n"); then
      # Running but not answering: starting, or paused (SIGSTOP). A second JVM on the same folder
      # would only fail on its lock: wait for this one instead.
      if node_ready "$n"; then say "node $n already runs on $(node_address "$n")"; else say "node $n runs (pid $pid) but does not answer yet; waiting for it"; fi
      continue
    fi
    port_taken "$(node_port "$n")" &&
      die "127.0.0.1:$(node_port "$n") is taken by another process (the cluster of docker compose --profile cluster?); SLUICE_KAFKA_PORT moves the cluster"
    node_format "$n"
    node_launch "$n"
  done
  wait_until_ready "$@"
  local addresses=()
  for n in "$@"; do addresses+=("$(node_address "$n")"); done
  say "ready: node(s) $* on ${addresses[*]}"
}

cluster_stop() {
  # All at once, as a cluster is stopped: one by one, the last nodes would wait for a quorum that
  # is gone before shutting down. Each gets SIGTERM (a clean shutdown), then SIGKILL after 60 s.
  local n pids=() pid
  for n in "$@"; do
    end_watcher "$(node_dir "$n")"
    if pid=$(node_pid "$n"); then
      pids+=("$pid")
      kill "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true # a paused node acts on the SIGTERM only once it runs again
    fi
  done
  local deadline=$((SECONDS + 60))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then say "no clean stop after 60s; killing pid $pid"; kill -9 "$pid" 2>/dev/null || true; fi
      sleep 0.2
    done
  done
  for n in "$@"; do rm -f "$(node_dir "$n")/kafka.pid"; done
  say "stopped node(s) $*"
}

cluster_status() {
  local n status=0 pid
  for n in "$@"; do
    if node_ready "$n"; then
      say "node $n: running on $(node_address "$n") (pid $(node_pid "$n" || echo '?'); brokers listed: $(listed_brokers "$n"))"
    elif pid=$(node_pid "$n"); then
      say "node $n: not ready on $(node_address "$n"), but its process runs (pid $pid: starting, catching up, or paused)"
      status=1
    else
      say "node $n: down (not answering on $(node_address "$n"), no process)"
      status=1
    fi
  done
  return $status
}

cluster_logs() {
  local files=() n
  for n in "$@"; do files+=("$(node_dir "$n")/kafka.log"); done
  exec tail -n 100 -F "${files[@]}"
}

# cluster_main COMMAND NODE: NODE empty for every node.
cluster_main() {
  local selected
  if [ -n "$2" ]; then
    [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$nodes" ] || die "--node takes 1 to $nodes, not '$2'"
    selected=("$2")
  else
    mapfile -t selected < <(seq "$nodes")
  fi
  case "$1" in
    start) cluster_start "${selected[@]}" ;;
    stop) cluster_stop "${selected[@]}" ;;
    status) cluster_status "${selected[@]}" ;;
    logs) cluster_logs "${selected[@]}" ;;
  esac
}
