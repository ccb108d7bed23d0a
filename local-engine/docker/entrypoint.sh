#!/bin/sh
# Starts the local-engine server with options taken from ENGINE_* variables; the container's command adds more.
set -eu

set -- --host "${ENGINE_HOST:-0.0.0.0}" --port "${ENGINE_PORT:-8080}" --parallel "${ENGINE_PARALLEL:-2}" \
  --cache-dir /data/models "$@"
if [ -n "${ENGINE_MODEL:-}" ]; then
  set -- --model "$ENGINE_MODEL" "$@"
fi
if [ -n "${ENGINE_CONTEXT:-}" ]; then
  set -- --ctx-size "$ENGINE_CONTEXT" "$@"
fi
if [ -n "${ENGINE_THREADS:-}" ]; then
  set -- --threads "$ENGINE_THREADS" "$@"
fi
if [ -n "${ENGINE_MAX_QUEUE:-}" ]; then
  set -- --max-queue "$ENGINE_MAX_QUEUE" "$@"
fi
if [ -n "${ENGINE_MODEL_ID:-}" ]; then
  set -- --model-id "$ENGINE_MODEL_ID" "$@"
fi

# JAVA_TOOL_OPTIONS adds JVM options; the engine calls llama.cpp through JNI.
exec java --enable-native-access=ALL-UNNAMED -jar /app/local-engine.jar "$@"
