#!/usr/bin/env bash
# The local tier's speed three ways, on the same GGUF with the same threads, slots and context: (a) llama.cpp's
# llama-server alone, (b) the gateway's local tier in runner mode (the gateway starts and supervises the same
# llama-server build and proxies to it), (c) the gateway's local tier on its in-process engine. Tokens/s and time to
# first token at 1, 2 and 4 concurrent requests, measured in interleaved rounds (bench/RunnerBench.java), on the
# generated tiny model and on the generated 1B shape (TinyModelGenerator(ModelShape.LLAMA_1B, 7), about 889 MB).
#
#   bench/runner-bench.sh                     # both models
#   MODELS=1b ROUNDS=5 bench/runner-bench.sh  # the 1B shape only, five rounds
#
# Needs Docker and the llama-server image of CI (.ci/build-test-images.sh; LLAMA_SERVER_IMAGE names another, e.g.
# ghcr.io/ggml-org/llama.cpp:server). Models are generated once into $BENCH_WORK_DIR/models. Results: a table on
# stdout and in bench/results/runner-<time>.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

threads=${THREADS:-2}
slots=${SLOTS:-4}
concurrency=${CONCURRENCY:-1,2,4}
rounds=${ROUNDS:-3}
per_worker=${PER_WORKER:-2} # requests each concurrent client sends one after the other in a round
warmup=${WARMUP:-45} # seconds of one-token requests per target before measuring (JIT, prompt cache)
models=${MODELS:-tiny,1b}
small_tokens=${SMALL_TOKENS:-128}
big_tokens=${BIG_TOKENS:-64}
image=${LLAMA_SERVER_IMAGE:-burstgate-ci/llama-server:11669}
work=${BENCH_WORK_DIR:-/tmp/burstgate-bench}
native_port=${NATIVE_PORT:-18090}
runner_port=${RUNNER_GATEWAY_PORT:-18092}
inprocess_port=${INPROCESS_GATEWAY_PORT:-18094}
mvn_flags=${MVN_FLAGS:-}
container=burstgate-bench-native-$$
eos=2 # end-of-text token of the generated models, banned so every answer has its full length

log() { printf '[runner-bench] %s\n' "$*" >&2; }

pids=()
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
trap cleanup EXIT

mkdir -p "$work/models" "$root/bench/results"
stamp=$(date -u +%Y%m%d-%H%M%S)
results="$work/runner-$stamp.tsv"
report="$root/bench/results/runner-$stamp.md"

log "building the gateway and the model generator"
(cd "$root" && ./mvnw -B -q $mvn_flags -pl gateway -am package -DskipTests -Dspotless.check.skip=true \
  && ./mvnw -B -q $mvn_flags -pl local-engine test-compile -Dspotless.check.skip=true)
jar="$work/burstgate.jar"
cp "$root/gateway/target/burstgate.jar" "$jar" # a rebuild while the benchmark runs would pull classes from under it
gen_cp="$root/local-engine/target/test-classes:$root/local-engine/target/classes"

wait_health() { # url seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS "$1" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then log "no answer from $1 within $2 s"; return 1; fi
    sleep 0.5
  done
}

key=${BURSTGATE_KEY:-sk-burstgate-demo} # what RunnerBench sends
sha256() { printf %s "$1" | sha256sum | cut -d ' ' -f 1; }
gateway() { # port log-name args...
  local port=$1 name=$2; shift 2
  "$java" -Xmx1g -XX:+UseSerialGC -jar "$jar" --server.port="$port" --management.server.port=$(( port + 1 )) \
    --burstgate.data-dir="$work/data-$name" --burstgate.demo=false --burstgate.cache.enabled=false \
    --burstgate.admin-key-sha256="$(sha256 "admin-$key")" --burstgate.tenants[0].name=bench \
    --burstgate.tenants[0].key-sha256="$(sha256 "$key")" --burstgate.tenants[0].requests-per-second=1000000 \
    --burstgate.tiers.local.threads="$threads" --burstgate.tiers.local.parallel="$slots" \
    --burstgate.tiers.local.context="$ctx" --burstgate.tiers.local.max-queue=16 "$@" \
    >"$work/gateway-$name.log" 2>&1 &
  pids+=($!)
}

run_model() { # label model tokens ctx
  local label=$1 model=$2 tokens=$3
  ctx=$4
  local dir file
  dir=$(cd "$(dirname "$model")" && pwd)
  file=$(basename "$model")
  log "== $label: $model, $threads threads, $slots slots, context $ctx, $tokens tokens per request"
  docker run -d --rm --name "$container" --network host -v "$dir:/models:ro" "$image" \
    --host 127.0.0.1 --port "$native_port" --model "/models/$file" --alias burstgate-local --threads "$threads" \
    --parallel "$slots" --ctx-size "$ctx" --n-gpu-layers 0 --jinja --metrics >/dev/null
  gateway "$runner_port" runner \
    --burstgate.tiers.local.runner.command=docker,run,--rm,--network,host,-v,"$dir:/models:ro","$image" \
    --burstgate.tiers.local.runner.model="/models/$file"
  gateway "$inprocess_port" in-process --burstgate.tiers.local.model="$model"
  wait_health "http://127.0.0.1:$native_port/health" 600
  wait_health "http://127.0.0.1:$runner_port/readyz" 600
  wait_health "http://127.0.0.1:$inprocess_port/readyz" 600
  grep -h "local tier:" "$work/gateway-runner.log" "$work/gateway-in-process.log" | sed 's/^.*local tier:/  local tier:/' >&2
  log "load $(cut -d' ' -f1-3 /proc/loadavg); measuring ($rounds interleaved rounds)"
  "$java" "$here/RunnerBench.java" --label "$label" --tokens "$tokens" --concurrency "$concurrency" \
    --rounds "$rounds" --per-worker "$per_worker" --warmup "$warmup" --eos "$eos" \
    --targets "a-llama-server=http://127.0.0.1:$native_port,b-gateway-runner=http://127.0.0.1:$runner_port,c-gateway-in-process=http://127.0.0.1:$inprocess_port" \
    | grep --line-buffered '^RESULT' | cut -f2- | tee -a "$results"
  cleanup
}

printf 'model\tsetup\tconcurrency\ttokens_per_s\tstreamed_tokens_per_s\tttft_ms\ttokens\tratio_to_a\tstreamed_ratio_to_a\n' >"$results"
machine="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
log "machine: $machine, load $(cut -d' ' -f1-3 /proc/loadavg); llama-server: $(docker run --rm "$image" --version 2>&1 | grep -m1 -o 'build [0-9]*' || echo '?')"
if [[ ",$models," == *",tiny,"* ]]; then
  tiny=$("$java" -cp "$gen_cp" dev.burstgate.engine.bench.GenerateModel "$work/models" tiny 7)
  run_model tiny "$tiny" "$small_tokens" $(( slots * 256 ))
fi
if [[ ",$models," == *",1b,"* ]]; then
  big=$("$java" -cp "$gen_cp" dev.burstgate.engine.bench.GenerateModel "$work/models" 1b 7)
  run_model 1b-shape "$big" "$big_tokens" $(( slots * 256 ))
fi

{
  printf '# Local tier: llama-server alone, the gateway in runner mode, the gateway in process\n\n'
  printf 'Command: `%s`, %s, %s threads, %s slots, %s rounds; `%s`, load average at the end %s.\n\n' \
    "THREADS=$threads SLOTS=$slots ROUNDS=$rounds PER_WORKER=$per_worker WARMUP=$warmup MODELS=$models SMALL_TOKENS=$small_tokens BIG_TOKENS=$big_tokens bench/runner-bench.sh" \
    "$machine" "$threads" "$slots" "$rounds" "$stamp" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'tokens/s: the best round; (x)/(a): the median over rounds of the ratio to llama-server alone in the same round.\n\n'
  printf '| model | setup | concurrent | tokens/s | tokens/s streamed | TTFT ms (streamed, median) | (x)/(a) tokens/s, streamed |\n'
  printf '|---|---|---:|---:|---:|---:|---:|\n'
  tail -n +2 "$results" | awk -F'\t' '
    { r = ""; if ($2 != "a-llama-server") r = sprintf("%.2f, %.2f", $8, $9);
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, r }'
} | tee "$report"
log "results in $report"
