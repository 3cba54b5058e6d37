#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, only those
# missing, so `make run` and `make test` work on a fresh machine as root.
#
#   scripts/install-deps.sh [--build | --container | --package | --bench | --windows]
#
# --build (also PROCTREE_DEPS=build, which reaches it through `make build`):
# only what compiles the exporter, for the container image's build stage.
# --container: only what `make container-test` adds (buildah, podman, ...).
# --package: only what `make deb` and `make package-test` add (lintian, ...).
# --bench: only what `make bench` adds (the peers it compares with, gnuplot for its plot).
# --windows: only what `make test-windows` needs (MinGW-w64, wine64, ...).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  prometheus-cpp-dev libyaml-cpp-dev libre2-dev zlib1g-dev
  # CivetWeb is built from Debian's source package (scripts/fetch-debian-source.sh):
  # apt-get source needs dpkg-source and the archive keyring.
  dpkg-dev debian-archive-keyring
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  prometheus
  python3 curl procps
  # The HTTP edge: OpenSSL (libssl3 at run time; headers to build; CivetWeb links it),
  # libxcrypt for bcrypt basic auth, the openssl command for the TLS tests.
  libssl3 libssl-dev libcrypt1 libcrypt-dev openssl
  clang libclang-rt-14-dev
  # tests/deploy: YAML parsing, and the compose file's schema (docker-compose v1
  # validates without a Docker engine).
  python3-yaml docker-compose
)
# tests/deploy validates the Kubernetes manifests with npm packages; Debian's npm
# only where no Node.js came with npm (Debian's would replace such a Node.js).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

case ${1:-${PROCTREE_DEPS:-all}} in
  all | --all) ;;
  build | --build)
    packages=(
      build-essential cmake pkg-config
      prometheus-cpp-dev libyaml-cpp-dev libre2-dev zlib1g-dev
      dpkg-dev debian-archive-keyring
      libssl-dev libcrypt-dev
    ) ;;
  windows | --windows)
    # `make test-windows`: the MinGW-w64 cross toolchain (posix threads) and
    # Debian's MinGW zlib; wine64 to run the .exe (Debian's loader, no `wine`
    # without the recommended package); apt-get source and dpkg-source for the
    # dependencies' Debian sources, perl, python3 and unicode-data for re2's
    # generated tables, libgtest-dev's sources, promtool for the end-to-end check.
    packages=(g++-mingw-w64-x86-64-posix libz-mingw-w64-dev wine64 cmake make
              dpkg-dev debian-archive-keyring perl python3 unicode-data libgtest-dev prometheus) ;;
  package | --package)
    # `make deb` and `make package-test`: the man page from --help, lintian,
    # dpkg-shlibdeps (dpkg-dev) and file for CPack, systemd-analyze, and
    # debootstrap for the clean Debian 12 root the package is installed into.
    packages=(help2man lintian dpkg-dev file systemd debootstrap python3) ;;
  bench | --bench)
    # tests/bench/fleet_bench.py: the two peers it runs on loopback, gnuplot (no X) for
    # docs/benchmarks.png, a C compiler for the floor reader.
    packages=(prometheus-process-exporter prometheus-node-exporter gnuplot-nox build-essential python3) ;;
  container | --container)
    # A daemonless image build and run (scripts/container-*.sh: vfs storage,
    # runc, a debootstrapped base image), and the test's promtool and python3.
    packages=(buildah podman runc debootstrap prometheus python3) ;;
  *)
    echo "usage: $0 [--build | --container | --package | --bench | --windows]" >&2
    exit 2 ;;
esac

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
