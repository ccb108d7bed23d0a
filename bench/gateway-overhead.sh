#!/usr/bin/env bash
# Gateway overhead benchmark: wrk against a fixed-response upstream directly and through Burstgate (and, optionally,
# the Portkey gateway as a reference), at 1 and 16 connections, on loopback only.
#
#   bash bench/gateway-overhead.sh
#
# Everything in the gateway is on: bearer-key auth and the tenant rate limiter, body parsing and validation, the
# complexity classifier and PII scan, policy routing (model "auto"), the load-balanced cloud pool with its health
# checks, circuit breaker, bulkhead and retry, usage tapping and pricing, the cost record (Micrometer meters and the
# in-memory recent records). Only the exact-match cache is off, so that every request really goes upstream.
#
# The upstream is nginx (Debian package) answering POST /v1/chat/completions with a fixed chat.completion JSON that
# carries usage, and GET /health with 200. The script installs wrk and nginx with apt-get when they are missing,
# builds gateway/target/burstgate.jar when it is missing, starts upstream and gateway (and Portkey), warms them up,
# runs the measurements interleaved (round by round: direct, gateway, portkey at each connection count), prints a
# table, writes it to bench/results/, and stops everything it started, also on failure or Ctrl-C.
#
# Settings (environment):
#   DURATION=15s        length of each measured wrk run
#   WARMUP=15s          minimum gateway (and Portkey) warm-up at 16 connections before measuring; it goes on until
#   WARMUP_REQUESTS=60000  that many requests were served, at most WARMUP_MAX (then 5 s at 1 connection)
#   WARMUP_MAX=120s
#   ROUNDS=3            measured rounds; the summary shows the median of the rounds
#   CONNS="1 16"        connection counts
#   LEDGER=postgres     postgres: the measured gateway runs without its cost ledger, and a second Burstgate
#                       ("gateway+ledger") writes every record to PostgreSQL (a Docker container), measured in the
#                       same interleaved rounds, so the ledger's cost is a side-by-side ratio; off: one gateway, no
#                       ledger; h2: one gateway with the embedded H2 ledger (the zero-setup default)
#   LEDGER_PG_IMAGE=postgres:17-alpine  the PostgreSQL image (CI machines: burstgate-ci/postgres:17)
#   CPUS=shared         shared: everything shares every core; split: Burstgate (and Portkey) run on the first core
#                       only, and wrk, the upstream and PostgreSQL on the others (taskset, docker --cpuset-cpus), so
#                       that the gateways' throughput is measured without the load generator or the database taking
#                       its CPU — as with a database on its own host
#   PORTKEY=auto        auto: measure the Portkey gateway too if it installs from npm (cached); off: skip it
#   PORTKEY_VERSION=1.15.2
#   GATEWAY_HEAP=512m   fixed gateway heap (-Xms = -Xmx)
#   GATEWAY_GC=-XX:+UseG1GC  the gateway's collector (e.g. -XX:+UseZGC)
#   JAVA_OPTS_EXTRA=    more JVM flags for the gateway
#   JFR=                a file name: records a JFR profile of the gateway over the measured runs (and of the ledger
#                       gateway into the same name with -ledger before .jfr)
#   UPSTREAM_PORT=18081 GATEWAY_PORT=18080 LEDGER_GATEWAY_PORT=18082 LEDGER_PG_PORT=15432 PORTKEY_PORT=18787
#   JAR=gateway/target/burstgate.jar
#   BASELINE_JAR=       another build's burstgate.jar (e.g. of the commit before a change): measured as target
#                       "baseline" in the same interleaved rounds, with the same settings, so a change's cost is a
#                       side-by-side ratio. Build one with: git worktree add /tmp/before <commit> &&
#                       (cd /tmp/before && ./mvnw -q -DskipTests package) then BASELINE_JAR=/tmp/before/gateway/target/burstgate.jar
#   BASELINE_PORT=18084
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=$ROOT/bench
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-15s}
WARMUP_MAX=${WARMUP_MAX:-120s}
WARMUP_REQUESTS=${WARMUP_REQUESTS:-60000}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-"1 16"}
PORTKEY=${PORTKEY:-auto}
LEDGER=${LEDGER:-postgres}
CPUS=${CPUS:-shared}
LEDGER_PG_IMAGE=${LEDGER_PG_IMAGE:-postgres:17-alpine}
LEDGER_GATEWAY_PORT=${LEDGER_GATEWAY_PORT:-18082}
BASELINE_JAR=${BASELINE_JAR:-}
BASELINE_PORT=${BASELINE_PORT:-18084}
LEDGER_PG_PORT=${LEDGER_PG_PORT:-15432}
PORTKEY_VERSION=${PORTKEY_VERSION:-1.15.2}
PORTKEY_DIR=${PORTKEY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/burstgate-bench/portkey-$PORTKEY_VERSION}
GATEWAY_HEAP=${GATEWAY_HEAP:-512m}
JAVA_OPTS_EXTRA=${JAVA_OPTS_EXTRA:-}
GATEWAY_GC=${GATEWAY_GC:--XX:+UseG1GC}
JFR=${JFR:-}
UPSTREAM_PORT=${UPSTREAM_PORT:-18081}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
PORTKEY_PORT=${PORTKEY_PORT:-18787}
JAR=${JAR:-$ROOT/gateway/target/burstgate.jar}
HOST=127.0.0.1
KEY=sk-burstgate-bench
LUA=$BENCH_DIR/chat-completions.lua

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---- processes we start, stopped on exit ------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/burstgate-bench.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -n "${PG_CONTAINER:-}" ] && docker rm -f "$PG_CONTAINER" >/dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    log "failed (exit $rc); logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools --------------------------------------------------------------------------------------------------------
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then die "missing $*: install it (apt-get install $*) or run as root"; fi
  log "installing $* from Debian"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$WORK/apt.log" 2>&1; then
    apt-get update -qq >>"$WORK/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$WORK/apt.log" 2>&1 || die "apt-get install $* failed (see $WORK/apt.log)"
  fi
}
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx-light
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || apt_install curl

JAVA_HOME=${JAVA_HOME:-}
JAVA_HOME=$(JAVA_HOME=$JAVA_HOME bash "$ROOT/.ci/java-home.sh")
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java

if [ ! -f "$JAR" ]; then
  log "building $JAR"
  (cd "$ROOT" && ./mvnw -q -o -DskipTests package) || (cd "$ROOT" && ./mvnw -q -DskipTests package) \
    || die "build failed"
fi

case $LEDGER in postgres | off | h2) ;; *) die "LEDGER must be postgres, off or h2 (was '$LEDGER')" ;; esac
# Prefixes that place processes on cores (CPUS=split), empty when every process shares every core.
GATEWAY_CPUS=() OTHER_CPUS=() PG_CPUS=() CPUS_NOTE="every process shares every core"
case $CPUS in
  shared) ;;
  split)
    command -v taskset >/dev/null || apt_install util-linux
    [ "$(nproc)" -ge 2 ] || die "CPUS=split needs at least 2 cores"
    last=$(($(nproc) - 1))
    GATEWAY_CPUS=(taskset -c 0) OTHER_CPUS=(taskset -c "1-$last") PG_CPUS=(--cpuset-cpus "1-$last")
    CPUS_NOTE="Burstgate (and Portkey) on core 0 only; wrk, nginx and PostgreSQL on cores 1-$last"
    ;;
  *) die "CPUS must be shared or split (was '$CPUS')" ;;
esac
for port in "$UPSTREAM_PORT" "$GATEWAY_PORT" "$PORTKEY_PORT" "$LEDGER_GATEWAY_PORT" "$LEDGER_PG_PORT" "$BASELINE_PORT"; do
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then die "port $port on $HOST is in use"; fi
done

wait_http() { # url, seconds, [curl args...]
  local url=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# ---- the fixed-response upstream: nginx ---------------------------------------------------------------------------
ANSWER='{"id":"chatcmpl-bench","object":"chat.completion","created":1767225600,"model":"bench-upstream","choices":[{"index":0,"message":{"role":"assistant","content":"TCP is connection-oriented and reliable, delivering bytes in order with retransmission; UDP sends independent datagrams with no delivery or ordering guarantee, trading reliability for lower latency."},"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":38,"total_tokens":69}}'
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_buffer_size 64k;
  server {
    listen $HOST:$UPSTREAM_PORT;
    location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
    location = /v1/chat/completions { default_type application/json; return 200 '$ANSWER'; }
    location = /v1/models { default_type application/json; return 200 '{"object":"list","data":[{"id":"bench-upstream","object":"model"}]}'; }
    location / { return 404; }
  }
}
EOF
log "starting nginx upstream on $HOST:$UPSTREAM_PORT"
"${OTHER_CPUS[@]}" "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off;' >"$WORK/nginx/out.log" 2>&1 &
PIDS+=($!)
wait_http "http://$HOST:$UPSTREAM_PORT/health" 20 || die "nginx did not start (see $WORK/nginx)"

# ---- Burstgate ----------------------------------------------------------------------------------------------------
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
JVM_FLAGS=(-Xms"$GATEWAY_HEAP" -Xmx"$GATEWAY_HEAP" "$GATEWAY_GC" -XX:+AlwaysPreTouch)
[ -n "$JFR" ] && JVM_FLAGS+=(-XX:FlightRecorderOptions=stackdepth=256)
# shellcheck disable=SC2206
[ -n "$JAVA_OPTS_EXTRA" ] && JVM_FLAGS+=($JAVA_OPTS_EXTRA)
# Starts a Burstgate on a port with extra environment (NAME=value ...); sets STARTED_PID. GATEWAY_JAR picks the jar.
start_gateway() { # name port env...
  local name=$1 port=$2; shift 2
  log "starting Burstgate ($name) on $HOST:$port (${JVM_FLAGS[*]})"
  mkdir -p "$WORK/$name"
  # Run a copy: a rebuild of gateway/target while the benchmark runs must not pull classes from under the JVM.
  cp "${GATEWAY_JAR:-$JAR}" "$WORK/$name/burstgate.jar"
  (
    cd "$WORK/$name"
    # Prometheus is on the management port: the API port plus 1000.
    export SERVER_ADDRESS=$HOST SERVER_PORT=$port MANAGEMENT_SERVER_PORT=$((port + 1000)) MANAGEMENT_SERVER_ADDRESS=$HOST \
      BURSTGATE_DATA_DIR=$WORK/$name/data \
      BURSTGATE_DEMO=false \
      BURSTGATE_TIERS_LOCAL_ENABLED=false \
      BURSTGATE_TIERS_CLOUD_ENDPOINTS=http://$HOST:$UPSTREAM_PORT \
      BURSTGATE_TENANTS_0_NAME=bench \
      BURSTGATE_TENANTS_0_KEY_SHA256=$KEY_SHA \
      BURSTGATE_TENANTS_0_REQUESTS_PER_SECOND=1000000 \
      BURSTGATE_CACHE_ENABLED=false
    for kv in "$@"; do export "${kv?}"; done
    exec "${GATEWAY_CPUS[@]}" "$JAVA" "${JVM_FLAGS[@]}" -jar "$WORK/$name/burstgate.jar"
  ) >"$WORK/$name/gateway.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=($STARTED_PID)
}

LEDGER_NOTE="ledger off"
case $LEDGER in
  off | postgres) start_gateway gateway "$GATEWAY_PORT" BURSTGATE_LEDGER_ENABLED=false ;;
  h2) start_gateway gateway "$GATEWAY_PORT"; LEDGER_NOTE="ledger on (embedded H2 file)" ;;
esac
GATEWAY_PID=$STARTED_PID
BASELINE_PID=""
if [ -n "$BASELINE_JAR" ]; then
  [ -f "$BASELINE_JAR" ] || die "BASELINE_JAR $BASELINE_JAR does not exist"
  case $LEDGER in
    off | postgres) GATEWAY_JAR=$BASELINE_JAR start_gateway baseline "$BASELINE_PORT" BURSTGATE_LEDGER_ENABLED=false ;;
    h2) GATEWAY_JAR=$BASELINE_JAR start_gateway baseline "$BASELINE_PORT" ;;
  esac
  BASELINE_PID=$STARTED_PID
fi
LEDGER_GATEWAY_PID=""
if [ "$LEDGER" = postgres ]; then
  command -v docker >/dev/null || die "LEDGER=postgres needs Docker (or run with LEDGER=off or LEDGER=h2)"
  PG_CONTAINER=burstgate-bench-pg-$$
  log "starting PostgreSQL ($LEDGER_PG_IMAGE) on $HOST:$LEDGER_PG_PORT"
  docker run -d --rm --name "$PG_CONTAINER" "${PG_CPUS[@]}" -p "$HOST:$LEDGER_PG_PORT:5432" -e POSTGRES_DB=burstgate \
    -e POSTGRES_USER=burstgate -e POSTGRES_PASSWORD=burstgate "$LEDGER_PG_IMAGE" >/dev/null \
    || die "could not start $LEDGER_PG_IMAGE"
  for _ in $(seq 1 150); do
    docker exec "$PG_CONTAINER" pg_isready -h 127.0.0.1 -U burstgate -d burstgate >/dev/null 2>&1 && break
    sleep 0.2
  done
  docker exec "$PG_CONTAINER" pg_isready -h 127.0.0.1 -U burstgate -d burstgate >/dev/null 2>&1 \
    || die "PostgreSQL did not start"
  start_gateway gateway-ledger "$LEDGER_GATEWAY_PORT" \
    SPRING_DATASOURCE_URL="jdbc:postgresql://$HOST:$LEDGER_PG_PORT/burstgate" \
    SPRING_DATASOURCE_USERNAME=burstgate SPRING_DATASOURCE_PASSWORD=burstgate
  LEDGER_GATEWAY_PID=$STARTED_PID
  LEDGER_NOTE="\`gateway\` without its ledger; \`gateway+ledger\` writes every record to PostgreSQL ($LEDGER_PG_IMAGE, same machine)"
fi
CHAT_BODY='{"model":"auto","messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Summarise the difference between TCP and UDP in two sentences."}]}'
gw_chat() { # port, curl args...
  local port=$1; shift
  curl -sS --max-time 5 -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$CHAT_BODY" "$@" "http://$HOST:$port/v1/chat/completions"
}
wait_gateway() { # name port pid
  local name=$1 port=$2 pid=$3
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || die "$name exited (see $WORK/$name/gateway.log)"
    if gw_chat "$port" -D "$WORK/$name/probe.headers" -o "$WORK/$name/probe.json" 2>/dev/null \
        && grep -qi '^X-Burstgate-Tier: cloud' "$WORK/$name/probe.headers"; then
      break
    fi
    sleep 0.2
  done
  grep -qi '^X-Burstgate-Tier: cloud' "$WORK/$name/probe.headers" 2>/dev/null \
    || die "$name does not answer on the cloud tier (see $WORK/$name)"
  grep -qi '^X-Burstgate-Cost-Usd:' "$WORK/$name/probe.headers" || die "$name: no X-Burstgate-Cost-Usd header"
  grep -q '"cost"' "$WORK/$name/probe.json" || die "$name: no usage.cost in the answer"
  log "$name answers: $(grep -i '^X-Burstgate-\(Tier\|Cost-Usd\|Complexity\)' "$WORK/$name/probe.headers" | tr -d '\r' | tr '\n' ' ')"
}
wait_gateway gateway "$GATEWAY_PORT" "$GATEWAY_PID"
[ -n "$LEDGER_GATEWAY_PID" ] && wait_gateway gateway-ledger "$LEDGER_GATEWAY_PORT" "$LEDGER_GATEWAY_PID"
[ -n "$BASELINE_PID" ] && wait_gateway baseline "$BASELINE_PORT" "$BASELINE_PID"

alloc_bytes() { # target: bytes the target's JVM has allocated (Micrometer's jvm_gc_memory_allocated_bytes_total,
  # counted at each young collection), from its management port or, for builds before it, its API port; - if none
  local port
  case $1 in
    gateway) port=$GATEWAY_PORT ;; baseline) port=$BASELINE_PORT ;; gateway+ledger) port=$LEDGER_GATEWAY_PORT ;;
    *) echo -; return ;;
  esac
  { curl -fsS --max-time 5 "http://$HOST:$((port + 1000))/actuator/prometheus" 2>/dev/null \
    || curl -fsS --max-time 5 "http://$HOST:$port/actuator/prometheus" 2>/dev/null || true; } \
    | awk '/^jvm_gc_memory_allocated_bytes_total/ {s += $NF; n++} END {if (n) printf "%.0f\n", s; else print "-"}'
}

requests_total() { # [API port] sum of burstgate_requests_total{tier="cloud",outcome="ok"}, from the management port
  curl -fsS --max-time 5 "http://$HOST:$(( ${1:-$GATEWAY_PORT} + 1000 ))/actuator/prometheus" \
    | awk '/^burstgate_requests_total\{/ && /tier="cloud"/ && /outcome="ok"/ {s += $NF} END {printf "%d\n", s}'
}

# ---- Portkey (optional reference) ---------------------------------------------------------------------------------
PORTKEY_NOTE="not measured (PORTKEY=off)"
if [ "$PORTKEY" != off ]; then
  PK_JS=$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js
  if [ ! -f "$PK_JS" ] && command -v npm >/dev/null; then
    log "installing @portkey-ai/gateway@$PORTKEY_VERSION from npm into $PORTKEY_DIR"
    mkdir -p "$PORTKEY_DIR"
    (cd "$PORTKEY_DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
      "@portkey-ai/gateway@$PORTKEY_VERSION" >"$WORK/portkey-npm.log" 2>&1) || log "npm install failed (see $WORK/portkey-npm.log)"
  fi
  if [ -f "$PK_JS" ] && command -v node >/dev/null; then
    log "starting Portkey gateway $PORTKEY_VERSION on port $PORTKEY_PORT ($(node --version))"
    (cd "$WORK" && TRUSTED_CUSTOM_HOSTS=$HOST exec "${GATEWAY_CPUS[@]}" node "$PK_JS" --port="$PORTKEY_PORT" --headless) >"$WORK/portkey.log" 2>&1 &
    PIDS+=($!)
    PORTKEY_PID=$!
    pk_ok=""
    for _ in $(seq 1 150); do
      if curl -fsS --max-time 5 -o "$WORK/portkey-probe.json" -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
          -H 'x-portkey-provider: openai' -H "x-portkey-custom-host: http://$HOST:$UPSTREAM_PORT/v1" \
          -d "$CHAT_BODY" "http://$HOST:$PORTKEY_PORT/v1/chat/completions" 2>/dev/null \
          && grep -q '"chat.completion"' "$WORK/portkey-probe.json"; then
        pk_ok=1; break
      fi
      sleep 0.2
    done
    if [ -n "$pk_ok" ]; then
      PORTKEY_NOTE="@portkey-ai/gateway $PORTKEY_VERSION on node $(node --version), provider openai with x-portkey-custom-host pointing at the same upstream"
    else
      PORTKEY_NOTE="@portkey-ai/gateway $PORTKEY_VERSION started but did not answer (see portkey.log); not measured"
      log "$PORTKEY_NOTE"
      kill "$PORTKEY_PID" 2>/dev/null || true
      wait "$PORTKEY_PID" 2>/dev/null || true
      unset 'PIDS[${#PIDS[@]}-1]'
      PORTKEY_PID=""
    fi
  else
    PORTKEY_NOTE="@portkey-ai/gateway could not be installed from npm (or node is missing); not measured"
    log "$PORTKEY_NOTE"
  fi
fi
TARGETS=(direct gateway)
[ -n "$BASELINE_PID" ] && TARGETS+=(baseline)
[ -n "$LEDGER_GATEWAY_PID" ] && TARGETS+=(gateway+ledger)
[ -n "${PORTKEY_PID:-}" ] && TARGETS+=(portkey)

# ---- wrk ----------------------------------------------------------------------------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
# CPU of the ledger's threads, in ticks: its writer and its connection pool's housekeeper (thread names are cut to 15
# characters in /proc: both are "burstgate-ledge").
writer_ticks() { # pid
  local f sum=0
  for f in /proc/"$1"/task/*/comm; do
    if [ "$(cat "$f" 2>/dev/null)" = burstgate-ledge ]; then
      sum=$((sum + $(awk '{print $14 + $15}' "${f%/comm}/stat" 2>/dev/null || echo 0)))
    fi
  done
  echo "$sum"
}
# CPU of the PostgreSQL container (every server process), in microseconds, from its cgroup (v1 or v2).
PG_CGROUP_FILE=""
pg_cpu_us() {
  if [ -z "$PG_CGROUP_FILE" ]; then echo 0; return; fi
  case $PG_CGROUP_FILE in
    *cpuacct.usage) echo $(($(cat "$PG_CGROUP_FILE") / 1000)) ;;
    *) awk '$1 == "usage_usec" {print $2}' "$PG_CGROUP_FILE" ;;
  esac
}
if [ -n "${PG_CONTAINER:-}" ]; then
  pg_id=$(docker inspect -f '{{.Id}}' "$PG_CONTAINER")
  for f in "/sys/fs/cgroup/cpuacct/docker/$pg_id/cpuacct.usage" "/sys/fs/cgroup/system.slice/docker-$pg_id.scope/cpu.stat" \
      "/sys/fs/cgroup/docker/$pg_id/cpu.stat"; do
    if [ -r "$f" ]; then PG_CGROUP_FILE=$f; break; fi
  done
  [ -n "$PG_CGROUP_FILE" ] || log "PostgreSQL's cgroup not found: its CPU is not reported"
fi

run_wrk() { # target conns duration out
  local target=$1 c=$2 d=$3 out=$4 url
  local -a env=(BENCH_MODEL=auto BENCH_KEY= BENCH_CUSTOM_HOST=)
  case $target in
    direct) url=http://$HOST:$UPSTREAM_PORT ;;
    gateway) url=http://$HOST:$GATEWAY_PORT; env+=(BENCH_KEY=$KEY) ;;
    gateway+ledger) url=http://$HOST:$LEDGER_GATEWAY_PORT; env+=(BENCH_KEY=$KEY) ;;
    baseline) url=http://$HOST:$BASELINE_PORT; env+=(BENCH_KEY=$KEY) ;;
    portkey) url=http://$HOST:$PORTKEY_PORT; env+=(BENCH_KEY=$KEY BENCH_CUSTOM_HOST=http://$HOST:$UPSTREAM_PORT/v1) ;;
  esac
  env "${env[@]}" "${OTHER_CPUS[@]}" wrk -t1 -c"$c" -d"$d" --timeout 5s --latency -s "$LUA" "$url" >"$out" 2>&1 || true
}

pid_of() { case $1 in gateway) echo "$GATEWAY_PID" ;; baseline) echo "$BASELINE_PID" ;; gateway+ledger) echo "$LEDGER_GATEWAY_PID" ;; portkey) echo "${PORTKEY_PID:-}" ;; *) echo "" ;; esac; }

secs() { local d=$1; case $d in *m) echo $((${d%m} * 60)) ;; *s) echo "${d%s}" ;; *) echo "$d" ;; esac; }
# Warm-up at 16 connections in 5 s steps: at least WARMUP and at least WARMUP_REQUESTS requests (the JIT compilers
# need tens of thousands of requests and share the two cores with everything else), at most WARMUP_MAX; then 5 s at
# 1 connection.
warm_up() { # target
  local target=$1 done_s=0 total=0 n rps=0 min max
  min=$(secs "$WARMUP"); max=$(secs "$WARMUP_MAX")
  while [ "$done_s" -lt "$max" ]; do
    run_wrk "$target" 16 5s "$WORK/warmup-$target-16.txt"
    done_s=$((done_s + 5))
    n=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$WORK/warmup-$target-16.txt")
    rps=$(sed -n 's/^RESULT .*rps=\([0-9.]*\).*/\1/p' "$WORK/warmup-$target-16.txt")
    total=$((total + ${n:-0}))
    if [ "$done_s" -ge "$min" ] && [ "$total" -ge "$WARMUP_REQUESTS" ]; then break; fi
  done
  run_wrk "$target" 1 5s "$WORK/warmup-$target-1.txt"
  log "warm-up: $target ${done_s}s, $total requests at 16 connections (last 5 s: $(printf '%.0f' "${rps:-0}") req/s) + 5s at 1 connection"
  WARMED+=("$target ${done_s}s / $total requests")
}
WARMED=()
warm_up gateway
[ -n "$BASELINE_PID" ] && warm_up baseline
[ -n "$LEDGER_GATEWAY_PID" ] && warm_up gateway+ledger
[ -n "${PORTKEY_PID:-}" ] && warm_up portkey
run_wrk direct 16 3s "$WORK/warmup-direct-16.txt"

if [ -n "$JFR" ]; then
  log "recording JFR to $JFR"
  "$JAVA_HOME/bin/jcmd" "$GATEWAY_PID" JFR.start name=bench settings=profile "filename=$JFR" \
    'jdk.ExecutionSample#period=1ms' >/dev/null
  if [ -n "$LEDGER_GATEWAY_PID" ]; then
    "$JAVA_HOME/bin/jcmd" "$LEDGER_GATEWAY_PID" JFR.start name=bench settings=profile "filename=${JFR%.jfr}-ledger.jfr" \
      'jdk.ExecutionSample#period=1ms' >/dev/null
  fi
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
COUNT_BEFORE=$(requests_total)
[ -n "$LEDGER_GATEWAY_PID" ] && LEDGER_COUNT_BEFORE=$(requests_total "$LEDGER_GATEWAY_PORT")
RAW=$WORK/raw.tsv
printf 'round\ttarget\tconns\trps\tp50_us\tp90_us\tp99_us\tmax_us\trequests\terrors\tnon2xx\tcpu_us_per_req\twriter_us_per_req\tdb_us_per_req\talloc_kb_per_req\n' >"$RAW"
for round in $(seq 1 "$ROUNDS"); do
  for c in $CONNS; do
    for target in "${TARGETS[@]}"; do
      log "round $round/$ROUNDS: $target, $c connection(s), $DURATION"
      for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || die "process $p (upstream, gateway or portkey) has gone away"; done
      out=$WORK/wrk-$round-$target-$c.txt
      pid=$(pid_of "$target")
      t0=0; [ -n "$pid" ] && t0=$(cpu_ticks "$pid")
      w0=0; d0=0; [ "$target" = gateway+ledger ] && w0=$(writer_ticks "$pid") && d0=$(pg_cpu_us)
      a0=$(alloc_bytes "$target")
      run_wrk "$target" "$c" "$DURATION" "$out"
      t1=0; [ -n "$pid" ] && t1=$(cpu_ticks "$pid")
      w1=0; d1=0; [ "$target" = gateway+ledger ] && w1=$(writer_ticks "$pid") && d1=$(pg_cpu_us)
      a1=$(alloc_bytes "$target")
      line=$(grep '^RESULT' "$out" || true)
      [ -n "$line" ] || die "wrk produced no result for $target/$c (see $out)"
      eval "$(echo "$line" | sed 's/^RESULT //')"
      # shellcheck disable=SC2154
      cpu=$([ -n "$pid" ] && [ "$requests" -gt 0 ] && echo $(( (t1 - t0) * TICK_US / requests )) || echo -)
      wcpu=-; dcpu=-
      if [ "$target" = gateway+ledger ] && [ "$requests" -gt 0 ]; then
        wcpu=$(awk -v t="$((w1 - w0))" -v u="$TICK_US" -v n="$requests" 'BEGIN {printf "%.1f", t * u / n}')
        [ -n "$PG_CGROUP_FILE" ] && dcpu=$(awk -v d="$((d1 - d0))" -v n="$requests" 'BEGIN {printf "%.1f", d / n}')
      fi
      alloc=-
      if [ "$a0" != - ] && [ "$a1" != - ] && [ "$requests" -gt 0 ]; then
        alloc=$(awk -v a="$a0" -v b="$a1" -v n="$requests" 'BEGIN {printf "%.1f", (b - a) / n / 1024}')
      fi
      # shellcheck disable=SC2154
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$target" "$c" "$rps" "$p50_us" "$p90_us" \
        "$p99_us" "$max_us" "$requests" "$errors" "$non2xx" "$cpu" "$wcpu" "$dcpu" "$alloc" >>"$RAW"
    done
  done
done
COUNT_AFTER=$(requests_total)
LEDGER_CHECK=""
if [ -n "$LEDGER_GATEWAY_PID" ]; then
  LEDGER_COUNT_AFTER=$(requests_total "$LEDGER_GATEWAY_PORT")
  # Every answered request of the ledger gateway (probe and warm-up included) must reach PostgreSQL.
  expected=$LEDGER_COUNT_AFTER
  rows=0
  for _ in $(seq 1 100); do
    rows=$(docker exec "$PG_CONTAINER" psql -U burstgate -d burstgate -tAc "select count(*) from ledger_request where outcome = 'ok'" 2>/dev/null || echo 0)
    [ "${rows:-0}" -ge "$expected" ] && break
    sleep 0.2
  done
  LEDGER_CHECK="Ledger: PostgreSQL holds $rows \`ok\` request rows; the ledger gateway's \`burstgate_requests_total{tier=\"cloud\",outcome=\"ok\"}\` is $expected (measured runs: +$((LEDGER_COUNT_AFTER - LEDGER_COUNT_BEFORE)); wrk: $(awk -F'\t' '$2 == "gateway+ledger" {s += $9} END {print s + 0}' "$RAW"))."
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "$JFR" ]; then
  "$JAVA_HOME/bin/jcmd" "$GATEWAY_PID" JFR.stop name=bench >/dev/null
  [ -n "$LEDGER_GATEWAY_PID" ] && "$JAVA_HOME/bin/jcmd" "$LEDGER_GATEWAY_PID" JFR.stop name=bench >/dev/null
  log "JFR written to $JFR"
fi
GW_WRK_REQUESTS=$(awk -F'\t' '$2 == "gateway" {s += $9} END {print s + 0}' "$RAW")
GW_COUNTED=$((COUNT_AFTER - COUNT_BEFORE))

# ---- report -------------------------------------------------------------------------------------------------------
ms() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }
median() { sort -g | awk '{a[NR] = $1} END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v t="$1" -v c="$2" -v k="$3" 'NR > 1 && $2 == t && $3 == c {print $k}' "$RAW" | median; }

STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS_DIR=$BENCH_DIR/results
mkdir -p "$RESULTS_DIR"
REPORT=$RESULTS_DIR/gateway-overhead-$STAMP.md
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$( [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true)" ] && echo " (work tree modified)" || true)
JAVA_VERSION=$( ("$JAVA" -version 2>&1 || true) | head -1)
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
WRK_VERSION=$( (wrk --version 2>&1 || true) | head -1 | awk '{print $2}')

verdict() { if [ "$1" = 1 ]; then echo met; else echo MISSED; fi; }
{
  echo "# Gateway overhead benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores ($CPU_MODEL), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); wrk, upstream and gateway share it; $CPUS_NOTE."
  echo "Load average (1/5/15 min) when the measured runs started: $LOAD_BEFORE; when they ended: $LOAD_AFTER."
  echo "Burstgate $COMMIT$DIRTY; $JAVA_VERSION, flags \`${JVM_FLAGS[*]}\`; upstream $NGINX_VERSION (1 worker, fixed JSON answer);"
  echo "wrk $WRK_VERSION, 1 thread, \`--latency\`, $DURATION per run, $ROUNDS interleaved rounds (median shown), warm-up at 16 connections ($(printf '%s; ' "${WARMED[@]}" | sed 's/; $//')) + 5s at 1."
  echo "Gateway path: bearer auth + tenant rate limiter, body parsing/validation, classifier + PII scan, policy routing"
  echo "(model \`auto\` → cloud), load-balanced pool with breaker/bulkhead/retry, usage + pricing, cost record (meters +"
  echo "recent records); exact-match cache off. Ledger: $LEDGER_NOTE. Portkey: $PORTKEY_NOTE."
  echo
  echo "| target | conns | req/s | p50 ms | p90 ms | p99 ms | added p50 ms | gateway CPU µs/req | allocated KB/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for c in $CONNS; do
    direct_p50=$(col direct "$c" 5)
    for target in "${TARGETS[@]}"; do
      p50=$(col "$target" "$c" 5)
      added="—"; [ "$target" != direct ] && added=$(ms "$(awk -v a="$p50" -v b="$direct_p50" 'BEGIN {print a - b}')")
      cpu="—"; [ "$target" != direct ] && cpu=$(col "$target" "$c" 12)
      alloc=$(col "$target" "$c" 15); [ -n "$alloc" ] || alloc="—"
      printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n' "$target" "$c" "$(col "$target" "$c" 4)" "$(ms "$p50")" \
        "$(ms "$(col "$target" "$c" 6)")" "$(ms "$(col "$target" "$c" 7)")" "$added" "$cpu" "$alloc"
    done
  done
  echo
  g1_added=$(awk -v a="$(col gateway 1 5)" -v b="$(col direct 1 5)" 'BEGIN {print a - b}')
  g16_rps=$(col gateway 16 4); g16_p99=$(col gateway 16 7)
  echo "Targets (issue 5, part 11):"
  if [[ " $CONNS " == *" 1 "* ]]; then
    echo "- added p50 at 1 connection ≤ 0.35 ms: $(ms "$g1_added") ms — $(verdict "$(awk -v x="$g1_added" 'BEGIN {print (x <= 350) ? 1 : 0}')")"
  fi
  if [[ " $CONNS " == *" 16 "* ]]; then
    echo "- ≥ 3,500 req/s at 16 connections: $(printf '%.0f' "$g16_rps") req/s — $(verdict "$(awk -v x="$g16_rps" 'BEGIN {print (x >= 3500) ? 1 : 0}')")"
    echo "- p99 ≤ 10 ms at 16 connections: $(ms "$g16_p99") ms — $(verdict "$(awk -v x="$g16_p99" 'BEGIN {print (x <= 10000) ? 1 : 0}')")"
  fi
  echo
  if [ -n "$BASELINE_PID" ]; then
    BASELINE_COMMIT=$(unzip -p "$BASELINE_JAR" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | sed -n 's/^Implementation-Version: //p' | head -1)
    echo "Baseline: \`baseline\` is $BASELINE_JAR${BASELINE_COMMIT:+ ($BASELINE_COMMIT)}, measured in the same rounds with the same settings."
    for c in $CONNS; do
      echo "- $c connection(s): p50 $(ms "$(col gateway "$c" 5)") ms vs $(ms "$(col baseline "$c" 5)") ms (added by the change: $(ms "$(awk -v a="$(col gateway "$c" 5)" -v b="$(col baseline "$c" 5)" 'BEGIN {print a - b}')") ms); p99 $(ms "$(col gateway "$c" 7)") vs $(ms "$(col baseline "$c" 7)") ms; throughput $(awk -v a="$(col gateway "$c" 4)" -v b="$(col baseline "$c" 4)" 'BEGIN {printf "%.1f", 100 * a / b}') % of the baseline's; CPU $(col gateway "$c" 12) vs $(col baseline "$c" 12) µs/req; allocated $(col gateway "$c" 15) vs $(col baseline "$c" 15) KB/req."
    done
    echo "Round by round at each connection count (gateway / baseline p50 ms): $(awk -F'\t' 'NR > 1 && $2 == "gateway" {g[$1 "/" $3] = $5} NR > 1 && $2 == "baseline" {b[$1 "/" $3] = $5} END {for (k in g) printf "%s %.3f/%.3f; ", k, g[k] / 1000, b[k] / 1000}' "$RAW")"
    echo
  fi
  if [ -n "$LEDGER_GATEWAY_PID" ]; then
    l16=$(col gateway+ledger 16 4)
    echo "Ledger (issue 6): throughput with the ledger on at 16 connections: $(printf '%.0f' "$l16") vs $(printf '%.0f' "$g16_rps") req/s without = $(awk -v a="$l16" -v b="$g16_rps" 'BEGIN {printf "%.1f", 100 * a / b}') % (loses ≤ 10 %: $(verdict "$(awk -v a="$l16" -v b="$g16_rps" 'BEGIN {print (a >= 0.9 * b) ? 1 : 0}')"))."
    echo "The same ratio round by round (each round measures both gateways back to back): $(awk -F'\t' 'NR > 1 && $3 == 16 && $2 == "gateway" {g[$1] = $4} NR > 1 && $3 == 16 && $2 == "gateway+ledger" {l[$1] = $4} END {for (r = 1; r in g; r++) printf "%s%.1f %%", (r > 1 ? ", " : ""), 100 * l[r] / g[r]}' "$RAW")."
    echo "CPU per request of the ledger at 16 connections (medians): its writer thread $(col gateway+ledger 16 13) µs (part of the gateway's), PostgreSQL $(col gateway+ledger 16 14) µs; at 1 connection $(col gateway+ledger 1 13) µs and $(col gateway+ledger 1 14) µs."
    echo "$LEDGER_CHECK"
    echo
  fi
  echo "Check: wrk completed $GW_WRK_REQUESTS gateway requests in the measured runs; \`burstgate_requests_total{tier=\"cloud\",outcome=\"ok\"}\` rose by $GW_COUNTED."
  echo "Errors / non-2xx answers over all runs: $(awk -F'\t' 'NR > 1 {e += $10; n += $11} END {print e + 0 " / " n + 0}' "$RAW")."
  echo
  echo "<details><summary>Every run</summary>"
  echo
  echo "| round | target | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | non-2xx | CPU µs/req | writer µs/req | PostgreSQL µs/req | KB/req |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %.0f | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 / 1000, $6 / 1000, $7 / 1000, $8 / 1000, $9, $10, $11, $12, $13, $14, $15 }' "$RAW"
  echo
  echo "</details>"
} >"$REPORT"
cat "$REPORT"
log "written to ${REPORT#"$ROOT"/}"
