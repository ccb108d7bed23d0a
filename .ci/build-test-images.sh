#!/usr/bin/env bash
# Builds the container images the integration tests use, on a machine that reaches the Debian mirror but no image
# registry: a Debian base made with debootstrap and `docker import`, then PostgreSQL and Redis images on it that
# behave like the official ones as far as Testcontainers is concerned, and native llama.cpp `llama-server` on a
# Debian sid base (the tag names the llama.cpp build sid shipped when it was written; the log shows the real one).
# Images that already exist are kept while the files they are built from are unchanged, so a second run costs
# seconds. Prints the image names as `export` lines on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-trixie}
base_image=${BURSTGATE_CI_BASE_IMAGE:-burstgate-ci/debian:$suite}
postgres_image=${BURSTGATE_CI_POSTGRES_IMAGE:-burstgate-ci/postgres:17}
redis_image=${BURSTGATE_CI_REDIS_IMAGE:-burstgate-ci/redis:7}
sid_image=${BURSTGATE_CI_SID_IMAGE:-burstgate-ci/debian:sid}
llama_server_image=${BURSTGATE_CI_LLAMA_SERVER_IMAGE:-burstgate-ci/llama-server:11669}

log() { printf '[test-images] %s\n' "$*" >&2; }
# shellcheck source=image-lib.sh
. "$here/image-lib.sh"

import_base() { # suite image
  if have_image "$2"; then
    log "reusing $2"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local rootfs started
  rootfs=$(mktemp -d /tmp/burstgate-rootfs.XXXXXX)
  started=$(date +%s)
  trap "rm -rf '$rootfs'" EXIT
  log "debootstrap $1 into $rootfs (about a minute)"
  debootstrap --variant=minbase "$1" "$rootfs" "$mirror" >"/tmp/burstgate-debootstrap-$1.log" 2>&1 || {
    tail -n 30 "/tmp/burstgate-debootstrap-$1.log" >&2
    exit 1
  }
  printf 'deb %s %s main\n' "$mirror" "$1" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$2" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "imported $2 ($(( $(date +%s) - started )) s)"
}

import_base "$suite" "$base_image"
build "$postgres_image" "$here/images/postgres" "$base_image"
build "$redis_image" "$here/images/redis" "$base_image"

# Native llama.cpp (Debian's llama.cpp-tools) needs unstable's glibc, so its image sits on a sid base of its own.
import_base sid "$sid_image"
build "$llama_server_image" "$here/images/llama-server" "$sid_image"
llama_version=$(docker run --rm --entrypoint llama-server "$llama_server_image" --version 2>&1 | grep -m 1 -o 'build [0-9]*' || true)
log "$llama_server_image runs llama-server ${llama_version:-of unknown build}"

printf 'export BURSTGATE_TEST_POSTGRES_IMAGE=%s\n' "$postgres_image"
printf 'export BURSTGATE_TEST_REDIS_IMAGE=%s\n' "$redis_image"
printf 'export BURSTGATE_TEST_LLAMA_SERVER_IMAGE=%s\n' "$llama_server_image"
