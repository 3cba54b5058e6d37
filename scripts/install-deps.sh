#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, only those
# missing, so `make run` and `make test` work on a fresh machine as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  prometheus-cpp-dev libcivetweb-dev libyaml-cpp-dev libre2-dev zlib1g-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  prometheus
  python3 curl procps
  # The HTTP edge: OpenSSL (libssl3 at run time, for TLS; headers to build),
  # libxcrypt for bcrypt basic auth, the openssl command for the TLS tests.
  libssl3 libssl-dev libcrypt1 libcrypt-dev openssl
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them first" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The prometheus package would start a system service; the tests run their own.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
