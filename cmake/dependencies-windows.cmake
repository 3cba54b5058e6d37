# Windows (cmake/toolchain-mingw64.cmake): the dependencies cross-built from
# Debian 12's sources by scripts/build-windows-deps.sh, and Debian's MinGW zlib.
# No OpenSSL (Debian has no MinGW build, and cross-building its source costs
# more than the Windows stage's budget) and no libxcrypt: the Windows build
# serves plain HTTP without basic auth, and refuses a web config asking for
# TLS or basic_auth_users (exporter/http/web_tls_windows.cc, web_auth_windows.cc).
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(yaml-cpp REQUIRED)
# One .exe: libz.a, not the DLL's import library.
set(ZLIB_USE_STATIC_LIBS ON)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
find_package(re2 CONFIG REQUIRED)
# The name the Linux build's pkg-config gives re2.
add_library(PkgConfig::RE2 INTERFACE IMPORTED)
target_link_libraries(PkgConfig::RE2 INTERFACE re2::re2)
# Windows 10's API (inet_pton needs at least Vista's).
# _POSIX_THREAD_SAFE_FUNCTIONS: MinGW's gmtime_r (over gmtime_s); __USE_MINGW_ANSI_STDIO:
# C99 printf (%zu), not msvcrt's.
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX _POSIX_THREAD_SAFE_FUNCTIONS=200112L
  __USE_MINGW_ANSI_STDIO=1)
set(PROCTREE_OS_FILES windows)  # *_windows.cc: the Windows side of a platform difference
