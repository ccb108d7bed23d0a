#!/usr/bin/env bash
# Builds the container images the integration tests use, on a machine that reaches the Debian mirror but no image
# registry: a Debian base made with debootstrap and `docker import`, then PostgreSQL and Redis images on it that
# behave like the official ones as far as Testcontainers is concerned. Images that already exist are kept, so a
# second run costs seconds. Prints the image names as `export` lines on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-trixie}
base_image=${BURSTGATE_CI_BASE_IMAGE:-burstgate-ci/debian:$suite}
postgres_image=${BURSTGATE_CI_POSTGRES_IMAGE:-burstgate-ci/postgres:17}
redis_image=${BURSTGATE_CI_REDIS_IMAGE:-burstgate-ci/redis:7}

log() { printf '[test-images] %s\n' "$*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have_image "$base_image"; then
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  rootfs=$(mktemp -d /tmp/burstgate-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap $suite into $rootfs (about a minute)"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/tmp/burstgate-debootstrap.log 2>&1 || {
    tail -n 30 /tmp/burstgate-debootstrap.log >&2
    exit 1
  }
  printf 'deb %s %s main\n' "$mirror" "$suite" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$base_image" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "imported $base_image"
else
  log "reusing $base_image"
fi

build() { # name dir
  if have_image "$1"; then
    log "reusing $1"
  else
    log "building $1"
    docker build -q --build-arg "BASE_IMAGE=$base_image" -t "$1" "$2" >/dev/null
  fi
}
build "$postgres_image" "$here/images/postgres"
build "$redis_image" "$here/images/redis"

printf 'export BURSTGATE_TEST_POSTGRES_IMAGE=%s\n' "$postgres_image"
printf 'export BURSTGATE_TEST_REDIS_IMAGE=%s\n' "$redis_image"
