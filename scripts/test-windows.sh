#!/usr/bin/env bash
# Runs the Windows build's tests (ctest label "windows": the unit tests and
# the end-to-end check of proctree_exporter.exe) under Wine, in a Wine prefix
# private to the build directory (BUILD/wine, made on first use: ~6 s, ~700 MB).
# One wineserver, started persistent (-p) and detached before the tests, serves
# every test program: without it each pays ~2 s for its own, and a wineserver
# started by a test inherits ctest's pipes and holds ctest open. It is stopped
# (wineserver -k) whatever the outcome.
#
#   scripts/test-windows.sh BUILD        (make test-windows; BUILD=build-windows)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
export WINEPREFIX="$build/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wineserver=/usr/lib/wine/wineserver64
[ -x "$wineserver" ] || wineserver=/usr/lib/wine/wineserver
mkdir -p "$WINEPREFIX"

setsid "$wineserver" -p </dev/null >/dev/null 2>&1 &
trap '"$wineserver" -k >/dev/null 2>&1 || true' EXIT
# wineboot makes the prefix the first time, and starts the session's own
# processes (services.exe, winedevice.exe, ...) here, with stdio on /dev/null:
# started by the first test program instead, they would inherit ctest's pipes
# and keep ctest waiting after the test ended.
/usr/lib/wine/wine64 wineboot </dev/null >/dev/null 2>&1
cd "$build"
ctest --output-on-failure -j "${JOBS:-$(nproc)}" -L windows
