#!/usr/bin/env bash
# What a cascade's confidence costs in runner mode: llama-server's tokens/s with and without the log-probabilities
# (`"logprobs": true, "top_logprobs": 5`) the gateway asks for on cascading requests, on the same server, in
# interleaved rounds (bench/RunnerBench.java), at 1 and 4 concurrent requests.
#
#   bench/confidence-bench.sh                 # the generated 1B shape, 128 tokens per answer
#   MODEL=tiny TOKENS=128 bench/confidence-bench.sh
#
# Needs Docker and the llama-server image of CI (.ci/build-test-images.sh). Results: a table on stdout and in
# bench/results/confidence-<time>.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
threads=${THREADS:-2}
slots=${SLOTS:-4}
rounds=${ROUNDS:-3}
per_worker=${PER_WORKER:-2}
concurrency=${CONCURRENCY:-1,4}
tokens=${TOKENS:-128}
model=${MODEL:-1b}
image=${LLAMA_SERVER_IMAGE:-burstgate-ci/llama-server:11669}
work=${BENCH_WORK_DIR:-/tmp/burstgate-bench}
port=${NATIVE_PORT:-18090}
container=burstgate-bench-confidence-$$
trap 'docker rm -f "$container" >/dev/null 2>&1 || true' EXIT

mkdir -p "$work/models" "$root/bench/results"
(cd "$root" && ./mvnw -B -q -pl local-engine -am test-compile -Dspotless.check.skip=true)
gen_cp="$root/local-engine/target/test-classes:$root/local-engine/target/classes"
file=$("$java" -cp "$gen_cp" dev.burstgate.engine.bench.GenerateModel "$work/models" "$model" 7)
docker run -d --rm --name "$container" --network host -v "$(dirname "$file"):/models:ro" "$image" \
  --host 127.0.0.1 --port "$port" --model "/models/$(basename "$file")" --alias burstgate-local --threads "$threads" \
  --parallel "$slots" --ctx-size $(( slots * 256 )) --n-gpu-layers 0 --jinja --metrics >/dev/null
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.5; done

stamp=$(date -u +%Y%m%d-%H%M%S)
report="$root/bench/results/confidence-$stamp.md"
url="http://127.0.0.1:$port"
{
  printf '# llama-server with and without top_logprobs 5 (a cascade'"'"'s confidence in runner mode)\n\n'
  printf 'Command: `MODEL=%s TOKENS=%s ROUNDS=%s PER_WORKER=%s THREADS=%s SLOTS=%s bench/confidence-bench.sh`, %s CPUs, load average at the start %s.\n\n' \
    "$model" "$tokens" "$rounds" "$per_worker" "$threads" "$slots" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'tokens/s: the best round; ratio: the median over rounds of the ratio to plain requests in the same round.\n\n'
  printf '| requests | concurrent | tokens/s | tokens/s streamed | TTFT ms (streamed, median) | ratio, streamed |\n|---|---:|---:|---:|---:|---:|\n'
  "$java" "$here/RunnerBench.java" --label "$model" --tokens "$tokens" --concurrency "$concurrency" \
    --rounds "$rounds" --per-worker "$per_worker" --warmup 20 --eos 2 \
    --targets "plain=$url,top-logprobs-5=$url|{\"logprobs\":true,\"top_logprobs\":5}" \
    | grep --line-buffered '^RESULT' \
    | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %.2f, %.2f |\n", $3, $4, $5, $6, $7, $9, $10 }'
} | tee "$report"
