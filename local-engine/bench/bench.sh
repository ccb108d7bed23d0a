#!/usr/bin/env bash
# Local engine vs native llama.cpp: tokens/s and time to first token for 1, 2 and 4 concurrent requests, on the
# engine called directly, on the engine's HTTP server, and on native llama.cpp's llama-server (Debian unstable's
# llama.cpp-tools in a container), with the same GGUF, threads, slots, prompt, sampling and answer length.
#
#   local-engine/bench/bench.sh                 # everything: tiny third-party model (if present) + generated 1B shape
#   MODELS=tiny local-engine/bench/bench.sh     # only the small model
#
# Idempotent: the Debian sid image, the native llama-server image and the generated 1B-shaped model are made once and
# reused. Needs Docker and debootstrap (for the sid base) the first time, and about 1 GB in $BENCH_WORK_DIR.
# Results: a table on stdout and $BENCH_WORK_DIR/results-<time>.tsv.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java="$JAVA_HOME/bin/java"

threads=${THREADS:-2}
slots=${SLOTS:-4}
concurrency=${CONCURRENCY:-1,2,4}
small_tokens=${SMALL_TOKENS:-256}
big_tokens=${BIG_TOKENS:-16}
rounds=${ROUNDS:-3}
models=${MODELS:-tiny,1b}
work=${BENCH_WORK_DIR:-/tmp/burstgate-bench}
small_model=${SMALL_MODEL:-$root/../shared/models/llama-2-tiny-random.gguf}
sid_image=${SID_IMAGE:-burstgate-bench/debian:sid}
llama_image=${LLAMA_IMAGE:-burstgate-bench/llama-server:sid}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
native_port=${NATIVE_PORT:-18090}
engine_port=${ENGINE_PORT:-18091}
container=burstgate-bench-native-$$

log() { printf '[bench] %s\n' "$*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

engine_pid=""
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  if [[ -n "$engine_pid" ]]; then kill "$engine_pid" 2>/dev/null || true; wait "$engine_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

mkdir -p "$work/models"
results="$work/results-$(date -u +%Y%m%dT%H%M%SZ).tsv"

# --- build -------------------------------------------------------------------------------------------------------
log "building local-engine (jar, test classes, classpath)"
(cd "$root" && ./mvnw -B -q -pl local-engine package -DskipTests \
   dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test)
# run from a copy: a rebuild of the module while the benchmark runs would pull classes from under the server
jar="$work/local-engine.jar"
cp "$root/local-engine/target/local-engine.jar" "$jar"
rm -rf "$work/classes" && mkdir -p "$work/classes"
cp -r "$root/local-engine/target/test-classes" "$root/local-engine/target/classes" "$work/classes/"
cp="$work/classes/test-classes:$work/classes/classes:$(cat "$root/local-engine/target/bench-classpath.txt")"
jvm=(-XX:+UseSerialGC -Xms256m -Xmx512m --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=dev/burstgate/engine/server/logback-server.xml)

# --- native llama.cpp image ----------------------------------------------------------------------------------------
if have_image "$llama_image"; then
  log "reusing $llama_image"
else
  base="$sid_image"
  if ! have_image "$base"; then
    if have_image burstgate-ci/debian:sid; then
      base=burstgate-ci/debian:sid
    else
      command -v debootstrap >/dev/null || { log "installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }
      rootfs=$(mktemp -d /tmp/burstgate-bench-rootfs.XXXXXX)
      log "debootstrap sid into $rootfs"
      debootstrap --variant=minbase sid "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
      printf 'deb %s sid main\n' "$mirror" >"$rootfs/etc/apt/sources.list"
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      tar -C "$rootfs" -c . | docker import - "$sid_image" >/dev/null
      rm -rf "$rootfs"
    fi
  fi
  log "building $llama_image on $base"
  docker build -q --build-arg "BASE_IMAGE=$base" -t "$llama_image" "$here/llama-server" >/dev/null
fi
native_version=$(docker run --rm "$llama_image" --version 2>&1 | grep -m1 -o 'build [0-9]*' || echo "build ?")
log "native: llama-server $native_version"

wait_health() { # url seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS "$1/health" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then log "no /health from $1 within $2 s"; return 1; fi
    sleep 0.5
  done
}

run_model() { # name path tokens ctx
  local name=$1 model=$2 tokens=$3 ctx=$4
  local dir file
  dir=$(cd "$(dirname "$model")" && pwd)
  file=$(basename "$model")
  log "== $name: $model, $threads threads, $slots slots, context $ctx, $tokens tokens per request"

  log "starting native llama-server and the engine server (java -jar local-engine.jar)"
  # --threads-http: llama-server serves each connection on a fixed pool of HTTP threads, and the client keeps its
  # connections alive; with too few threads a new connection waits for an idle one to time out (seconds)
  docker run -d --rm --name "$container" --network host -v "$dir:/models:ro" "$llama_image" \
    --host 127.0.0.1 --port "$native_port" -m "/models/$file" -t "$threads" -tb "$threads" -np "$slots" \
    -c "$ctx" --no-kv-unified --no-webui --log-disable --threads-http 16 >/dev/null
  "$java" "${jvm[@]}" -jar "$jar" --model "$model" --port "$engine_port" --threads "$threads" \
    --parallel "$slots" --ctx-size "$ctx" >"$work/engine-server.log" 2>&1 &
  engine_pid=$!
  wait_health "http://127.0.0.1:$native_port" 600
  wait_health "http://127.0.0.1:$engine_port" 600

  log "measuring (targets interleaved, $rounds rounds each)"
  "$java" "${jvm[@]}" -cp "$cp" dev.burstgate.engine.bench.EngineBench --label "$name" --model "$model" \
    --threads "$threads" --slots "$slots" --ctx "$ctx" --tokens "$tokens" --concurrency "$concurrency" \
    --rounds "$rounds" \
    --targets "native-llama-server=http://127.0.0.1:$native_port,engine-server=http://127.0.0.1:$engine_port,engine-direct=direct" \
    | grep --line-buffered '^RESULT' | cut -f2- | tee -a "$results"

  docker rm -f "$container" >/dev/null
  kill "$engine_pid"; wait "$engine_pid" 2>/dev/null || true; engine_pid=""
}

printf 'model\tsetup\tconcurrency\ttokens_per_s\tstreamed_tokens_per_s\tttft_ms\ttokens\n' >"$results"
log "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ ",$models," == *",tiny,"* ]]; then
  if [[ -f "$small_model" ]]; then
    run_model tiny "$small_model" "$small_tokens" $(( slots * 512 ))
  else
    log "skipping the tiny model: $small_model not found (set SMALL_MODEL)"
  fi
fi
if [[ ",$models," == *",1b,"* ]]; then
  big=$("$java" -cp "$cp" dev.burstgate.engine.bench.GenerateModel "$work/models" 1b 7)
  run_model 1b-shape "$big" "$big_tokens" $(( slots * 256 ))
fi

log "results in $results"
{
  printf '| model | setup | concurrent | tokens/s | tokens/s streamed | TTFT ms (streamed, median) |\n'
  printf '|---|---|---:|---:|---:|---:|\n'
  tail -n +2 "$results" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}'
} | tee "$results.md"
