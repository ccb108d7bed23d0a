#!/usr/bin/env bash
# Ensures Debian's Chromium and its chromedriver for the dashboard's browser test (DashboardBrowserIT): installs
# `chromium` and `chromium-driver` when either is missing, checks that their versions match, and prints `export`
# lines naming both for the test (use with eval). Idempotent; logs go to stderr.
set -euo pipefail

log() { printf '[browser-up] %s\n' "$*" >&2; }

chromium=/usr/bin/chromium
driver=/usr/bin/chromedriver

if [ ! -x "$chromium" ] || [ ! -x "$driver" ]; then
  log "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi

# Debian's launcher script prints noise on stderr; the version is the last line of stdout.
browser_version=$("$chromium" --version 2>/dev/null | awk '{print $2}')
driver_version=$("$driver" --version 2>/dev/null | awk '{print $2}')
if [ "${browser_version%%.*}" != "${driver_version%%.*}" ]; then
  log "chromium $browser_version and chromedriver $driver_version differ in their major version"
  exit 1
fi
log "chromium $browser_version, chromedriver $driver_version"

printf 'export BURSTGATE_TEST_CHROMIUM=%s BURSTGATE_TEST_CHROMEDRIVER=%s\n' "$chromium" "$driver"
