#!/usr/bin/env bash
# Makes Docker Compose v2 and buildx available to the CI scripts and prints `export` lines for them (COMPOSE: the
# command; DOCKER_CONFIG when private plugins were needed; DOCKER_BUILDKIT=1). When the machine's Docker lacks either
# plugin (Debian bookworm packages only Compose v1, and no buildx), the plugins of Debian trixie's `docker-compose` and
# `docker-buildx` packages are fetched from the Debian mirror through the local trixie base image and kept in a
# private Docker config directory, so nothing on the machine itself changes. A second run reuses them.
set -euo pipefail

cache=${BURSTGATE_CI_CACHE:-/var/tmp/burstgate-ci}
base_image=${BURSTGATE_CI_BASE_IMAGE:-burstgate-ci/debian:trixie}
log() { printf '[compose-cli] %s\n' "$*" >&2; }

compose_ok() { # Compose v2 or later
  local v
  v=$(docker compose version --short 2>/dev/null) || return 1
  v=${v#v}
  [ "${v%%.*}" -ge 2 ] 2>/dev/null
}
buildx_ok() { docker buildx version >/dev/null 2>&1; }

if ! { compose_ok && buildx_ok; }; then
  export DOCKER_CONFIG=$cache/docker-config
  plugins=$DOCKER_CONFIG/cli-plugins
  if ! { compose_ok && buildx_ok; }; then
    log "fetching Debian trixie's docker-compose and docker-buildx plugins into $plugins"
    mkdir -p "$plugins" "$cache/debs"
    docker image inspect "$base_image" >/dev/null 2>&1 || {
      log "$base_image is missing: run .ci/build-test-images.sh first"
      exit 1
    }
    docker run --rm -v "$cache/debs:/out" "$base_image" sh -c \
      'apt-get update -qq >/dev/null && cd /tmp && apt-get download -qq docker-compose docker-buildx && cp ./*.deb /out/' >&2
    unpacked=$(mktemp -d)
    for deb in "$cache"/debs/docker-compose_*.deb "$cache"/debs/docker-buildx_*.deb; do
      dpkg-deb -x "$deb" "$unpacked"
    done
    cp "$unpacked"/usr/libexec/docker/cli-plugins/docker-compose "$unpacked"/usr/libexec/docker/cli-plugins/docker-buildx "$plugins/"
    rm -rf "$unpacked" "$cache/debs"
  fi
  compose_ok && buildx_ok || { log "Compose v2 / buildx still not usable"; exit 1; }
  printf 'export DOCKER_CONFIG=%q\n' "$DOCKER_CONFIG"
fi
log "$(docker compose version), buildx $(docker buildx version | awk '{print $2}')"
printf 'export COMPOSE=%q\n' "docker compose"
printf 'export DOCKER_BUILDKIT=1\n'
