# shellcheck shell=bash
# Shared by the CI scripts that build images (source it; the caller defines `log`). An image built with `build` carries
# a hash of the files it is built from as a label, and is rebuilt only when they change.

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

recipe_of() { # dir [extra words that also select the image, e.g. build args]
  local dir=$1
  shift
  { (cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum); printf '%s\n' "$@"; } | sha256sum | cut -c 1-16
}

recipe_label=dev.burstgate.ci.recipe

build() { # name dir base [extra docker build args...]
  local name=$1 dir=$2 base=$3 recipe current started
  shift 3
  recipe=$(recipe_of "$dir" "$base" "$@")
  current=$(docker image inspect --format "{{ index .Config.Labels \"$recipe_label\" }}" "$name" 2>/dev/null || true)
  if [ "$current" = "$recipe" ]; then
    log "reusing $name"
    return
  fi
  started=$(date +%s)
  log "building $name"
  docker build -q --build-arg "BASE_IMAGE=$base" --label "$recipe_label=$recipe" "$@" -t "$name" "$dir" >/dev/null
  log "built $name ($(( $(date +%s) - started )) s)"
}
