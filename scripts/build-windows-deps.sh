#!/usr/bin/env bash
# Cross-builds the Windows exporter's dependencies from Debian 12's own source
# packages (scripts/fetch-debian-source.sh: pinned versions, Debian's patches,
# only Debian's archive asked) with the MinGW-w64 toolchain
# (cmake/toolchain-mingw64.cmake), static, into DEPS/prefix. Each package is
# built once: a stamp holding its version marks it done, so a second run costs
# nothing. zlib is Debian's own MinGW build (libz-mingw-w64-dev); googletest
# is built from libgtest-dev's sources in /usr/src/googletest.
#
#   scripts/build-windows-deps.sh DEPS        (e.g. build-windows/_deps)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEPS" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mkdir -p "$1"
deps=$(cd "$1" && pwd)
prefix="$deps/prefix"
jobs=${JOBS:-$(nproc)}
toolchain="$root/cmake/toolchain-mingw64.cmake"

# build NAME VERSION SOURCE_SUBDIR CMAKE_ARGS...
build() {
  local name=$1 version=$2 subdir=$3
  shift 3
  local stamp="$prefix/.built-$name"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
    return 0
  fi
  local src="$deps/$name/src/$subdir"
  if [ "$name" != googletest ]; then
    "$here/fetch-debian-source.sh" "$name" "$version" "$deps/$name" "$subdir/CMakeLists.txt"
  fi
  echo "build-windows-deps: $name $version" >&2
  if [ "$name" = re2 ]; then
    re2_tables "$src"
  fi
  rm -rf "$deps/$name/build"
  cmake -S "$src" -B "$deps/$name/build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
    -DPROCTREE_WINDOWS_DEPS="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF "$@" >"$deps/$name.log" 2>&1 \
    && cmake --build "$deps/$name/build" -j "$jobs" >>"$deps/$name.log" 2>&1 \
    && cmake --install "$deps/$name/build" >>"$deps/$name.log" 2>&1 \
    || { tail -40 "$deps/$name.log" >&2; echo "build-windows-deps: $name failed ($deps/$name.log)" >&2; exit 1; }
  echo "$version" >"$stamp"
}

# Debian's re2 source has no generated tables: its build makes them
# (REBUILD_TABLES=1) from perl and from Unicode's data (package unicode-data).
re2_tables() {
  (cd "$1" && perl re2/make_perl_groups.pl >re2/perl_groups.cc \
     && python3 re2/make_unicode_groups.py >re2/unicode_groups.cc \
     && python3 re2/make_unicode_casefold.py >re2/unicode_casefold.cc)
}

mkdir -p "$prefix"
build yaml-cpp 0.7.0+dfsg-8 . -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
  -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_BUILD_SHARED_LIBS=OFF
build re2 20220601+dfsg-1 . -DRE2_BUILD_TESTING=OFF
# Only core: the exporter uses its metric type and name checks, not its HTTP.
build prometheus-cpp 1.0.1-1 . -DENABLE_PULL=OFF -DENABLE_PUSH=OFF -DENABLE_COMPRESSION=OFF \
  -DENABLE_TESTING=OFF -DUSE_THIRDPARTY_LIBRARIES=OFF -DGENERATE_PKGCONFIG=OFF
# libgtest-dev's sources, the version the Linux build's tests use.
gtest_version=$(dpkg-query -W -f='${Version}' libgtest-dev)
mkdir -p "$deps/googletest"
ln -sfn /usr/src/googletest "$deps/googletest/src"
build googletest "$gtest_version" . -DBUILD_GMOCK=OFF -DINSTALL_GTEST=ON -Dgtest_disable_pthreads=OFF
