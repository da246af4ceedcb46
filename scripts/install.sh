#!/usr/bin/env bash
# Installs everything berth needs on a Debian 12 host, builds it, and puts its programs on PATH.
# Idempotent: safe to run again (CI runs it on every clean clone).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

log() { printf 'install: %s\n' "$*" >&2; }

# System packages: the C toolchain and libseccomp for the native programs, busybox-static for the
# built-in default image, iproute2 for network namespaces, zstd for zstd-compressed layers.
pkgs=(build-essential pkg-config libseccomp-dev libnftables-dev nftables busybox-static iproute2 zstd curl)
# What the tests drive as peers and oracles: a registry on loopback (with htpasswd for Basic auth,
# openssl for its TLS and token keys), skopeo and umoci for OCI-layout interop, Debian's dockerd
# for docker save/load round trips. None of them runs unless a test starts it.
pkgs+=(docker-registry apache2-utils openssl skopeo umoci docker.io iperf3 docker-compose tini)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages with services (docker.io, docker-registry) must not start them: tests start their own.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Node dependencies (better-sqlite3 builds from source here: no prebuilt download is reachable).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm dependencies"
  npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null
fi

log "build: TypeScript"
npx tsc -p .
# The CLI as one CommonJS bundle with a V8 code cache (dist/berth-cli.cjs): starts in about half
# the time of tsc's module tree, which `node dist/src/bin/berth.js` still runs.
log "build: CLI bundle"
npm run -s build:cli
log "build: native"
make -s -C native

# Programs on PATH: small wrappers so that the installed commands always run this checkout.
libexec=/usr/local/libexec/berth
mkdir -p "$libexec"
install -m 0755 native/build/berth-shim native/build/berth-seccomp native/build/berth-netlink native/build/berth-proxy "$libexec/"
for cmd in berthd berth-runtime; do
  js="$top/dist/src/bin/$cmd.js"
  [ -f "$js" ] || continue
  printf '#!/bin/sh\nexec node %s "$@"\n' "$js" > "/usr/local/bin/$cmd"
  chmod 0755 "/usr/local/bin/$cmd"
done
# The CLI runs the bundle. It only speaks to the daemon's unix socket (pulls and logins are the
# daemon's), so it drops NODE_EXTRA_CA_CERTS: Node would parse that whole CA file at every start
# (~30 ms of CPU).
printf '#!/bin/sh\nunset NODE_EXTRA_CA_CERTS\nexec node %s "$@"\n' "$top/dist/berth-cli.cjs" > /usr/local/bin/berth
chmod 0755 /usr/local/bin/berth
# The daemon the CLI talks to (restarting is safe: running containers are adopted again).
if [ "${BERTH_SKIP_DAEMON:-0}" != 1 ]; then
  ./scripts/berthd-service.sh restart >&2
fi
log "done"
