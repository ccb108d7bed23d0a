#!/usr/bin/env bash
# Smoke test of the compose stack (docker-compose.yml) on a machine that reaches the Debian mirror but no image
# registry. It builds the gateway and local-engine images with `docker compose build` from the jars the Maven build
# made (JAR_FROM=prebuilt; STACK_JAR_FROM=source runs the images' own Maven stage instead) on an OpenJDK 25 base built
# from Debian, runs PostgreSQL, Redis and Prometheus from locally built Debian images, generates a tiny model, starts
# the stack, sends requests that reach each tier, checks health, the cloud pool's balancing, metrics (gateway and
# Prometheus), the dashboard's queries and the ledger, and tears everything down (`down -v`). Grafana cannot run here
# (Debian does not package it): its provisioning and dashboard files are validated instead. Every check runs; the
# script exits non-zero if any failed. Each step logs its duration.
#
# Usage: bash .ci/stack-smoke.sh   (after `./mvnw package` or `verify`; builds the jars when they are missing)
# Env:   STACK_JAR_FROM=prebuilt|source; STACK_KEEP=1 leaves the stack running (tear down with the printed command);
#        STACK_PROJECT: compose project name (default burstgate-smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

started=$(date +%s)
step_started=$started
step_name=""
timings=()
log() { printf '[stack] %s\n' "$*" >&2; }
end_step() {
  local now
  now=$(date +%s)
  if [ -n "$step_name" ]; then
    timings+=("$(printf '%4d s  %s' $(( now - step_started )) "$step_name")")
    log "-- $step_name: $(( now - step_started )) s"
  fi
  step_name=""
}
step() {
  end_step
  step_name=$1
  step_started=$(date +%s)
  log "== $1"
}

failed=()
pass() { log "PASS $*"; }
fail() { log "FAIL $*"; failed+=("$*"); }

jar_from=${STACK_JAR_FROM:-prebuilt}
project=${STACK_PROJECT:-burstgate-smoke}
work=$(mktemp -d /tmp/burstgate-stack.XXXXXX)
chmod 755 "$work"
stack_up=false

compose() { $COMPOSE -p "$project" --env-file "$work/stack.env" --profile simulated-legacy "$@"; }

finish() {
  local rc=$?
  end_step
  if $stack_up; then
    if [ ${#failed[@]} -gt 0 ] || [ $rc -ne 0 ]; then
      log "gateway log (last 60 lines):"
      compose logs --no-color --tail 60 gateway >&2 || true
    fi
    if [ "${STACK_KEEP:-0}" = 1 ]; then
      log "stack left running: $COMPOSE -p $project --env-file $work/stack.env --profile simulated-legacy down -v"
    else
      local t
      t=$(date +%s)
      compose down -v --remove-orphans >/dev/null 2>&1 || true
      log "torn down (down -v) in $(( $(date +%s) - t )) s"
    fi
  fi
  [ "${STACK_KEEP:-0}" = 1 ] || rm -rf "$work"
  log "timings:"
  for t in "${timings[@]}"; do log "  $t"; done
  log "total: $(( $(date +%s) - started )) s"
  if [ $rc -ne 0 ]; then
    log "stack smoke test ERROR (exit $rc in step above)"
  elif [ ${#failed[@]} -gt 0 ]; then
    log "stack smoke test FAILED: ${#failed[@]} check(s):"
    for f in "${failed[@]}"; do log "  - $f"; done
    exit 1
  else
    log "stack smoke test passed"
  fi
}
trap finish EXIT

# ---------------------------------------------------------------------------------------------------------------------
step "tools: JDK, Docker engine, Compose v2 + buildx, curl, python3"
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/javac" ]; then
  JAVA_HOME=$(bash .ci/java-home.sh)
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
bash .ci/docker-up.sh
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3 python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
eval "$(bash .ci/build-test-images.sh)"
eval "$(bash .ci/compose-cli.sh)"

# ---------------------------------------------------------------------------------------------------------------------
step "base images: OpenJDK 25 and Prometheus from Debian trixie"
# shellcheck source=image-lib.sh
. .ci/image-lib.sh
debian_image=${BURSTGATE_CI_BASE_IMAGE:-burstgate-ci/debian:trixie}
jre_image=burstgate-ci/openjdk:25-jre
jdk_image=burstgate-ci/openjdk:25-jdk
prometheus_image=burstgate-ci/prometheus:2
build "$jre_image" .ci/images/openjdk "$debian_image" --build-arg JAVA_PACKAGE=openjdk-25-jre-headless
if [ "$jar_from" = source ]; then
  build "$jdk_image" .ci/images/openjdk "$debian_image" --build-arg JAVA_PACKAGE=openjdk-25-jdk-headless
fi
build "$prometheus_image" .ci/images/prometheus "$debian_image"

# ---------------------------------------------------------------------------------------------------------------------
step "tiny model, keys and settings"
if [ "$jar_from" = prebuilt ] && ! { [ -f gateway/target/burstgate.jar ] && [ -f local-engine/target/local-engine.jar ]; }; then
  log "jars missing: building them (./mvnw package, tests skipped)"
  ./mvnw -B -ntp -q -pl gateway -am package -Dmaven.test.skip=true
fi
engine_jar=local-engine/target/local-engine.jar
[ -f "$engine_jar" ] || ./mvnw -B -ntp -q -pl local-engine -am package -Dmaven.test.skip=true
mkdir -m 755 "$work/models"
cat >"$work/GenerateTinyModel.java" <<'JAVA'
public class GenerateTinyModel {
  public static void main(String[] args) {
    System.out.println(dev.burstgate.engine.model.TinyModelGenerator.ensureTinyModel(java.nio.file.Path.of(args[0])));
  }
}
JAVA
model=$(java -cp "$engine_jar" "$work/GenerateTinyModel.java" "$work/models" 2>/dev/null | tail -n 1)
model_file=$(basename "$model")
chmod 644 "$work/models/$model_file"
log "model: $model_file ($(stat -c %s "$work/models/$model_file") bytes)"

sha256() { printf %s "$1" | sha256sum | cut -d ' ' -f 1; }
admin_key="sk-admin-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
tenant_key="sk-smoke-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
tenant=smoke
cat >"$work/stack.env" <<ENV
GATEWAY_IMAGE=burstgate-smoke/gateway:latest
ENGINE_IMAGE=burstgate-smoke/local-engine:latest
BASE_IMAGE=$jre_image
BUILD_IMAGE=$jdk_image
JAR_FROM=$jar_from
POSTGRES_IMAGE=$BURSTGATE_TEST_POSTGRES_IMAGE
REDIS_IMAGE=$BURSTGATE_TEST_REDIS_IMAGE
PROMETHEUS_IMAGE=$prometheus_image
MODELS_DIR=$work/models
LOCAL_MODEL_FILE=$model_file
CLOUD_MODEL_FILE=$model_file
LEGACY_MODEL_FILE=$model_file
LOCAL_CONTEXT=1024
LOCAL_THREADS=1
CLOUD_NODE_CONTEXT=0
CLOUD_NODE_THREADS=1
LEGACY_NODE_CONTEXT=0
LEGACY_NODE_THREADS=1
ADMIN_KEY_SHA256=$(sha256 "$admin_key")
TENANT_NAME=$tenant
TENANT_KEY_SHA256=$(sha256 "$tenant_key")
GATEWAY_PORT=127.0.0.1:0
POSTGRES_PORT=127.0.0.1:0
REDIS_PORT=127.0.0.1:0
PROMETHEUS_PORT=127.0.0.1:0
GRAFANA_PORT=127.0.0.1:0
ENV

# ---------------------------------------------------------------------------------------------------------------------
step "static checks: compose file, Prometheus config (promtool), Grafana provisioning and dashboard"
if compose config --quiet; then pass "compose config"; else fail "compose config"; fi
if docker run --rm --entrypoint promtool -v "$root/deploy/prometheus:/cfg:ro" "$prometheus_image" \
    check config /cfg/prometheus.yml >"$work/promtool.log" 2>&1; then
  pass "promtool check config deploy/prometheus/prometheus.yml"
else
  cat "$work/promtool.log" >&2
  fail "promtool check config"
fi
if python3 .ci/stack_checks.py grafana deploy/grafana docker-compose.yml; then
  pass "Grafana provisioning and dashboard files"
else
  fail "Grafana provisioning and dashboard files"
fi

# ---------------------------------------------------------------------------------------------------------------------
step "docker compose build (JAR_FROM=$jar_from, BASE_IMAGE=$jre_image)"
# cloud-2 and legacy-sim run the image cloud-1 builds.
compose build gateway cloud-1 >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  exit 1
}
log "$(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^burstgate-smoke/' | paste -sd, -)"

# ---------------------------------------------------------------------------------------------------------------------
step "docker compose up --wait (everything but Grafana)"
stack_up=true
if ! compose up -d --wait --wait-timeout 300 postgres redis cloud-1 cloud-2 legacy-sim gateway prometheus \
    >"$work/up.log" 2>&1; then
  tail -n 30 "$work/up.log" >&2
  compose ps >&2 || true
  exit 1
fi
compose ps --format '{{.Service}}: {{.Status}}' | sed 's/^/[stack]   /' >&2
gateway=http://$(compose port gateway 8080)
management=http://$(compose port gateway 8081)
prometheus=http://$(compose port prometheus 9090)
log "gateway $gateway (management $management), prometheus $prometheus"

# ---------------------------------------------------------------------------------------------------------------------
step "requests through the gateway"
# chat NAME EXPECTED_STATUS KEY BODY [curl args...]: answer headers in $work/NAME.h, body in $work/NAME.b
chat() {
  local name=$1 expected=$2 key=$3 body=$4 code
  shift 4
  code=$(curl -sS -o "$work/$name.b" -D "$work/$name.h" -w '%{http_code}' --max-time 60 \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@" \
    -d "$body" "$gateway/v1/chat/completions") || code=000
  if [ "$code" = "$expected" ]; then return 0; fi
  log "$name: HTTP $code, expected $expected: $(head -c 400 "$work/$name.b")"
  return 1
}
header() { grep -i "^$2:" "$work/$1.h" | head -n 1 | cut -d ' ' -f 2- | tr -d '\r'; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$1" "$2"; }

code=$(curl -sS -o "$work/health.json" -w '%{http_code}' "$management/actuator/health") || code=000
if [ "$code" = 200 ] && [ "$(json "$work/health.json" "d['status'], d['components']['db']['status'], d['components']['redis']['status']")" = "('UP', 'UP', 'UP')" ]; then
  pass "management port: /actuator/health UP with PostgreSQL (db) and Redis UP"
else
  fail "management port /actuator/health: HTTP $code $(head -c 600 "$work/health.json")"
fi
code=$(curl -sS -o "$work/public-health.json" -w '%{http_code}' "$gateway/actuator/health") || code=000
if [ "$code" = 200 ] && [ "$(cat "$work/public-health.json")" = '{"status":"UP"}' ]; then
  pass "API port: /actuator/health says UP and nothing more"
else
  fail "API port /actuator/health: HTTP $code $(head -c 300 "$work/public-health.json")"
fi
code=$(curl -sS -o /dev/null -w '%{http_code}' "$gateway/actuator/prometheus") || code=000
if [ "$code" = 404 ]; then
  pass "API port: /actuator/prometheus is not served (404)"
else
  fail "API port /actuator/prometheus: HTTP $code, expected 404"
fi

curl -sS -o "$work/models.json" -H "Authorization: Bearer $tenant_key" "$gateway/v1/models" || true
if [ "$(json "$work/models.json" "sorted((m['id'], m['burstgate']['available'], m['burstgate']['simulated']) for m in d['data'] if m['id'] in ('local','cloud','legacy'))" 2>/dev/null)" \
    = "[('cloud', True, False), ('legacy', True, False), ('local', True, False)]" ]; then
  pass "/v1/models: local, cloud and legacy available and not simulated"
else
  fail "/v1/models: $(head -c 600 "$work/models.json")"
fi

declare -A price=([local]=0.02 [cloud]=0.18 [legacy]=1.10)
for tier in local cloud legacy; do
  if chat "$tier" 200 "$tenant_key" "{\"model\":\"$tier\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"; then
    got=$(header "$tier" X-Burstgate-Tier)
    cost=$(json "$work/$tier.b" "d['usage']['cost']")
    if [ "$got" = "$tier" ] && python3 -c "import sys; from decimal import Decimal as D; sys.exit(D(sys.argv[1]) != D(sys.argv[2]))" "$cost" "${price[$tier]}"; then
      pass "model=$tier answered by $got, usage.cost $cost, X-Burstgate-Cost-Usd $(header "$tier" X-Burstgate-Cost-Usd)"
    else
      fail "model=$tier: X-Burstgate-Tier '$got', usage.cost '$cost' (expected $tier, ${price[$tier]})"
    fi
  else
    fail "model=$tier request"
  fi
done

# More cloud requests: the pool must spread them over both nodes.
for i in 1 2 3 4 5; do
  chat "cloud-$i" 200 "$tenant_key" "{\"model\":\"cloud\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Count to $i\"}]}" || true
done
if chat stream 200 "$tenant_key" '{"model":"cloud","stream":true,"stream_options":{"include_usage":true},"max_tokens":8,"messages":[{"role":"user","content":"Write a haiku"}]}' -N \
    && grep -q '^data: \[DONE\]' "$work/stream.b" && grep '^data: {' "$work/stream.b" | tail -n 1 | grep -q '"cost"'; then
  pass "streamed cloud answer ends with a usage chunk with cost and [DONE] ($(grep -c '^data:' "$work/stream.b") events)"
else
  fail "streamed cloud answer: $(tail -c 400 "$work/stream.b" 2>/dev/null)"
fi
nodes_used=0
for node in cloud-1 cloud-2; do
  n=$(compose exec -T "$node" curl -fsS http://127.0.0.1:8080/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["completed_requests"])' || echo 0)
  log "$node completed $n requests"
  [ "${n:-0}" -gt 0 ] && nodes_used=$((nodes_used + 1))
done
if [ $nodes_used = 2 ]; then pass "cloud pool balanced over both nodes"; else fail "cloud pool: only $nodes_used node(s) served requests"; fi

if chat auto 200 "$tenant_key" '{"messages":[{"role":"user","content":"Prove that there are infinitely many primes, step by step."}],"max_tokens":8}' \
    -H 'X-Burstgate-Policy: quality-first'; then
  pass "auto + X-Burstgate-Policy: quality-first -> $(header auto X-Burstgate-Tier) ($(header auto X-Burstgate-Reason))"
else
  fail "auto request with X-Burstgate-Policy"
fi
if chat nokey 401 "sk-wrong" '{"messages":[{"role":"user","content":"hi"}]}' && [ "$(json "$work/nokey.b" "'message' in d['error']")" = True ]; then
  pass "wrong key -> 401 with an OpenAI-shaped error"
else
  fail "wrong key"
fi
admin_code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_key" "$gateway/admin/policies") || admin_code=000
tenant_admin_code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tenant_key" "$gateway/admin/policies") || tenant_admin_code=000
if [ "$admin_code" = 200 ] && [ "$tenant_admin_code" = 403 ]; then
  pass "/admin/policies: 200 with the admin key, 403 with the tenant key"
else
  fail "/admin/policies: $admin_code with the admin key, $tenant_admin_code with the tenant key (expected 200, 403)"
fi
requests_sent=10

# ---------------------------------------------------------------------------------------------------------------------
step "metrics: gateway /actuator/prometheus, Prometheus, dashboard queries"
curl -sS -o "$work/scrape.txt" "$management/actuator/prometheus" || true
for tier in local cloud legacy; do
  if grep -q "^burstgate_requests_total{.*tier=\"$tier\"" "$work/scrape.txt"; then
    pass "gateway exports burstgate_requests_total{tier=\"$tier\"}: $(grep "^burstgate_requests_total{.*tier=\"$tier\"" "$work/scrape.txt" | awk '{s+=$NF} END {print s}')"
  else
    fail "burstgate_requests_total{tier=\"$tier\"} missing from /actuator/prometheus"
  fi
done
if grep -q "^burstgate_cost_usd_total{.*tenant=\"$tenant\"" "$work/scrape.txt"; then
  pass "gateway exports burstgate_cost_usd_total{tenant=\"$tenant\"}"
else
  fail "burstgate_cost_usd_total{tenant=\"$tenant\"} missing"
fi

# Prometheus scrapes every 10 s: wait for a sample with all three tiers.
prom_query() { curl -sS --max-time 10 -G "$prometheus/api/v1/query" --data-urlencode "query=$1"; }
deadline=$(( $(date +%s) + 90 ))
tiers=""
while [ "$(date +%s)" -lt $deadline ]; do
  tiers=$(prom_query 'sum by (tier) (burstgate_requests_total)' | python3 -c 'import json,sys; print(",".join(sorted(r["metric"].get("tier","") for r in json.load(sys.stdin)["data"]["result"])))' 2>/dev/null || true)
  [[ "$tiers" == *cloud*legacy*local* ]] && break
  sleep 2
done
if [[ "$tiers" == *cloud*legacy*local* ]]; then
  pass "Prometheus query burstgate_requests_total has tiers $tiers"
else
  fail "Prometheus has no burstgate_requests_total for all tiers (got '$tiers'); targets: $(curl -sS "$prometheus/api/v1/targets" | head -c 600)"
fi
if python3 .ci/stack_checks.py queries deploy/grafana/dashboards/burstgate.json "$prometheus" "$work/scrape.txt"; then
  pass "every dashboard query runs on Prometheus and names only metrics the gateway exports (or announced ones)"
else
  fail "dashboard queries"
fi

# ---------------------------------------------------------------------------------------------------------------------
step "ledger: rows in PostgreSQL"
# The gateway records one ledger_request row per request (spring.datasource.* points at the stack's PostgreSQL).
# Rows are written in batches: allow a few seconds.
rows=""
for _ in $(seq 1 15); do
  rows=$(compose exec -T postgres psql -U burstgate -d burstgate -tAc "select count(*) from ledger_request" 2>"$work/psql.err" || true)
  [ -n "$rows" ] && [ "$rows" -ge $requests_sent ] 2>/dev/null && break
  grep -q 'does not exist' "$work/psql.err" && break # no ledger schema: waiting will not help
  sleep 1
done
if [ -n "$rows" ] && [ "$rows" -ge $requests_sent ] 2>/dev/null; then
  pass "ledger_request has $rows rows (>= $requests_sent answered requests)"
else
  fail "ledger_request: '${rows}' rows, expected >= $requests_sent $(head -c 300 "$work/psql.err")"
fi

# ---------------------------------------------------------------------------------------------------------------------
step "runner mode: the gateway image with Debian's llama-server (LLAMA_CPP=debian on an OpenJDK 25 sid base)"
# The same compose service, rebuilt with llama.cpp in the image and LOCAL_RUNNER_COMMAND=llama-server: the gateway
# starts llama-server as its child on the mounted model and serves the local tier from it.
sid_image=${BURSTGATE_CI_SID_IMAGE:-burstgate-ci/debian:sid}
jre_sid_image=burstgate-ci/openjdk:25-jre-sid
build "$jre_sid_image" .ci/images/openjdk "$sid_image" --build-arg JAVA_PACKAGE=openjdk-25-jre-headless
sed -i -e 's|^GATEWAY_IMAGE=.*|GATEWAY_IMAGE=burstgate-smoke/gateway-runner:latest|' \
  -e "s|^BASE_IMAGE=.*|BASE_IMAGE=$jre_sid_image|" "$work/stack.env"
printf 'LLAMA_CPP=debian\nLOCAL_RUNNER_COMMAND=llama-server\n' >>"$work/stack.env"
if compose build gateway >"$work/build-runner.log" 2>&1; then
  pass "gateway image with llama.cpp-tools built ($(grep -m 1 -o 'build [0-9][0-9]*' "$work/build-runner.log" || echo 'llama-server'))"
else
  tail -n 40 "$work/build-runner.log" >&2
  fail "gateway image with LLAMA_CPP=debian"
fi
runner_pids() { # llama-server processes in the gateway container
  compose exec -T gateway sh -c 'for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = llama-server ] && echo "${p#/proc/}"; done' 2>/dev/null || true
}
if compose up -d --wait --wait-timeout 300 gateway >"$work/up-runner.log" 2>&1; then
  gateway=http://$(compose port gateway 8080)
  compose logs --no-color gateway >"$work/gateway-runner.log" 2>&1 || true # grep -q on a pipe would end it early (pipefail)
  if grep -q 'local tier: RUNNER' "$work/gateway-runner.log"; then
    pass "start-up log: the local tier runs on llama-server (runner mode)"
  else
    fail "start-up log does not name runner mode"
  fi
  pids=$(runner_pids)
  if [ -n "$pids" ]; then pass "llama-server runs in the gateway container (pid $pids)"; else fail "no llama-server process in the gateway container"; fi
  body='{"model":"local","messages":[{"role":"user","content":"Say hello."}],"max_tokens":8}'
  if chat runner-local 200 "$tenant_key" "$body" && [ "$(header runner-local X-Burstgate-Tier)" = local ] \
      && [ "$(json "$work/runner-local.b" "d['usage']['completion_tokens'] > 0 and d['usage']['cost'] == 0.02")" = True ]; then
    pass "runner mode: forced local answered by llama-server, usage counted, priced as local (\$0.02)"
  else
    fail "runner mode: forced local $(head -c 300 "$work/runner-local.b")"
  fi
  sbody='{"model":"local","messages":[{"role":"user","content":"Say hello."}],"max_tokens":8,"stream":true,"stream_options":{"include_usage":true}}'
  if chat runner-stream 200 "$tenant_key" "$sbody" -N && grep -q '"usage"' "$work/runner-stream.b" \
      && tail -n 3 "$work/runner-stream.b" | grep -q '^data: \[DONE\]'; then
    pass "runner mode: streamed with usage, ends with [DONE]"
  else
    fail "runner mode: streamed $(tail -c 300 "$work/runner-stream.b")"
  fi
  # kill -9 of the runner: the gateway stays up, starts it again and serves the local tier within a minute
  container=$(compose ps -q gateway)
  for p in $pids; do compose exec -T gateway sh -c "kill -9 $p" >/dev/null 2>&1 || true; done # no kill(1) in the image
  back=false
  for _ in $(seq 1 60); do
    sleep 1
    if chat runner-back 200 "$tenant_key" "$body" 2>/dev/null && [ "$(header runner-back X-Burstgate-Tier)" = local ]; then
      back=true; break
    fi
  done
  now=$(runner_pids)
  zombies=$(compose exec -T gateway sh -c 'grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l' 2>/dev/null || echo '?')
  if $back && [ "$(compose ps -q gateway)" = "$container" ] && [ -n "$now" ] && [ "$now" != "$pids" ] \
      && [ "$zombies" = 0 ]; then
    pass "runner killed with SIGKILL: the gateway lives on and serves the local tier from a new llama-server (pid $now), no zombie left"
  else
    fail "runner restart after kill -9: answered again $back, llama-server pid $pids -> ${now:-none}, zombies $zombies"
  fi
else
  tail -n 30 "$work/up-runner.log" >&2
  compose logs --no-color --tail 60 gateway >&2 || true
  fail "gateway in runner mode did not become healthy"
fi
