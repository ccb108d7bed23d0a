#!/usr/bin/env bash
# Runs the test suite as if it ran at another date (default: a year from now): Debian's libfaketime is preloaded into
# Maven and so into every forked test JVM, every gateway those tests start as a child process, and the browser. Only
# wall clocks move; monotonic clocks, which timers use, do not. The test containers (PostgreSQL, Redis, llama-server)
# keep the real clock: libfaketime deadlocks redis-server and postgres at start in these images, and a container's
# wall clock cannot be moved otherwise. So this run catches tests whose own dates go stale (a fixed date read back
# through "the last 30 days", a period boundary written as a literal); the normal run, on the real date, catches
# test clocks that disagree with a store's (Redis expiries). Maven runs offline, so run the normal test command once
# first (`bash .ci/run`, or `./mvnw verify` with the images below), which fills the local repository.
#
#   bash .ci/faketime-verify.sh            # +365d
#   bash .ci/faketime-verify.sh +45d -pl gateway -Dit.test=RedisBudgetStoreIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
#
# Extra arguments go to Maven. Needs root (or the packages already installed) and a Docker engine, like .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

offset=+365d
if [ $# -gt 0 ] && [[ $1 =~ ^[+-][0-9]+[smhdy]?$ ]]; then
  offset=$1
  shift
fi
log() { printf '[faketime] %s\n' "$*" >&2; }

lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1 || true)
if [ -z "$lib" ]; then
  log "installing Debian's faketime"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
  lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 | head -n 1)
fi

JAVA_HOME=$(bash .ci/java-home.sh)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
bash .ci/docker-up.sh
eval "$(bash .ci/build-test-images.sh)"
export BURSTGATE_TEST_POSTGRES_IMAGE BURSTGATE_TEST_REDIS_IMAGE BURSTGATE_TEST_LLAMA_SERVER_IMAGE
export TESTCONTAINERS_HOST_OVERRIDE=localhost TESTCONTAINERS_RYUK_DISABLED=true
eval "$(bash .ci/browser-up.sh)"

now=$(LD_PRELOAD=$lib FAKETIME=$offset date -u +%Y-%m-%dT%H:%M:%SZ)
log "running the suite at $now (real clock $(date -u +%Y-%m-%dT%H:%M:%SZ), offset $offset)"
LD_PRELOAD=$lib FAKETIME=$offset FAKETIME_DONT_FAKE_MONOTONIC=1 ./mvnw -B -ntp -o verify "$@"
log "the suite passed at $now"
