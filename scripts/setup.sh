#!/usr/bin/env bash
# Brings a fresh clone to a runnable state, and does nothing on one that is already there.
# Called by `pnpm test`, `pnpm bench` and .ci/run, so a new user needs no other set-up step.
#
#   - Debian packages the tests and benchmarks use: kcat (librdkafka, the independent reader),
#     openssl (test certificates), and the JDK/Maven the real broker needs if the machine
#     lacks them.
#   - pnpm 10 workspace install. zstd-napi builds from source (its prebuilt download is not
#     reachable here); node-gyp is pointed at the running Node's own headers so it does not
#     try to download them either.
#   - tsc -b.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
# The TLS tests' certificates (test/kafka/tls.ts) are made with the openssl command.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v javac >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v make >/dev/null 2>&1 || need_apt+=(build-essential)
if ((${#need_apt[@]})); then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    log "missing ${need_apt[*]} and not root: install them with apt-get and run again"; exit 1
  fi
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  log "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# node-gyp reads npm_config_nodedir: the headers of the Node that runs the install.
node_prefix=$(node -p 'require("path").resolve(process.execPath, "../..")')
if [[ -f "$node_prefix/include/node/common.gypi" ]]; then
  export npm_config_nodedir="$node_prefix"
fi

stamp=node_modules/.tandem-install-stamp
if [[ ! -f $stamp || pnpm-lock.yaml -nt $stamp || package.json -nt $stamp ]] \
   || [[ -n $(find packages benchmarks -maxdepth 2 -name package.json -newer "$stamp" 2>/dev/null) ]]; then
  log "pnpm install"
  npx -y pnpm@10 install --frozen-lockfile --reporter=append-only >&2
  touch "$stamp"
fi

npx tsc -b >&2
