#!/usr/bin/env bash
# Prints a JAVA_HOME for JDK 25 (preferred) or, failing that, the newest JDK 21+ found. Exits 1 with a message if none.
set -euo pipefail

version_of() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }

candidates=()
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/java-25* /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* ; do
  [ -x "$d/bin/javac" ] && candidates+=("$d")
done

best=""; best_v=0
for d in "${candidates[@]}"; do
  [ -x "$d/bin/javac" ] || continue
  v=$(version_of "$d" || echo 0); v=${v%%.*}
  if [ "$v" = 25 ]; then echo "$d"; exit 0; fi
  if [ "${v:-0}" -ge 21 ] 2>/dev/null && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
done
if [ -n "$best" ]; then echo "$best"; exit 0; fi
echo "No JDK 21+ found (looked at JAVA_HOME and /usr/lib/jvm). Install JDK 25 (e.g. Temurin) and set JAVA_HOME." >&2
exit 1
